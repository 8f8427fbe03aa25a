//! Test helpers: draw a chart to SVG and read back what was drawn.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::ChartError;

/// The SVG a chart draws on a `width`×`height` area.
pub fn render(
    (width, height): (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), ChartError>,
) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let area = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        draw(&area)?;
    }
    Ok(out)
}

fn hex(rgb: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", rgb.0, rgb.1, rgb.2)
}

/// Elements of `tag` (e.g. "rect", "circle") filled with `rgb`.
pub fn filled<'s>(svg: &'s str, tag: &str, rgb: RGBColor) -> Vec<&'s str> {
    let open = format!("<{tag} ");
    let fill = format!("fill=\"{}\"", hex(rgb));
    svg.lines()
        .filter(|l| l.trim_start().starts_with(&open) && l.contains(&fill))
        .collect()
}

/// Elements of `tag` (e.g. "polyline", "circle") stroked with `rgb`.
pub fn stroked<'s>(svg: &'s str, tag: &str, rgb: RGBColor) -> Vec<&'s str> {
    let open = format!("<{tag} ");
    let stroke = format!("stroke=\"{}\"", hex(rgb));
    svg.lines()
        .filter(|l| l.trim_start().starts_with(&open) && l.contains(&stroke))
        .collect()
}

/// A numeric attribute of one element.
pub fn number(element: &str, name: &str) -> f64 {
    let key = format!(" {name}=\"");
    let start = element.find(&key).map(|i| i + key.len());
    start
        .and_then(|s| element[s..].split('"').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no number {name} in {element}"))
}

/// The points of a `<polyline>`, in pixels.
pub fn points(element: &str) -> Vec<(f64, f64)> {
    let start = element.find(" points=\"").expect("points") + 9;
    element[start..]
        .split('"')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|p| {
            let (x, y) = p.split_once(',')?;
            Some((x.parse().ok()?, y.parse().ok()?))
        })
        .collect()
}

/// Every text drawn, unescaped, with its opening `<text ...>` tag.
pub fn texts(svg: &str) -> Vec<(String, &str)> {
    let lines: Vec<&str> = svg.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[0].trim_start().starts_with("<text"))
        .map(|w| {
            let text = w[1]
                .trim()
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&");
            (text, w[0])
        })
        .collect()
}

pub fn has_text(svg: &str, wanted: &str) -> bool {
    texts(svg).iter().any(|(t, _)| t == wanted)
}
