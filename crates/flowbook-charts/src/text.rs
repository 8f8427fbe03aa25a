//! Labels that fit: run names and coefficient labels are shortened with an ellipsis rather
//! than drawn over each other or off the chart.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::ChartError;

/// `text`, shortened with "…" until it measures at most `max_width` pixels in `style`.
pub(crate) fn fit_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
    max_width: u32,
) -> Result<String, ChartError> {
    let width = |t: &str| -> Result<u32, ChartError> { Ok(area.estimate_text_size(t, style)?.0) };
    if width(text)? <= max_width {
        return Ok(text.to_string());
    }
    let chars: Vec<char> = text.chars().collect();
    // The longest prefix that fits with the ellipsis: binary search over its length.
    let (mut fits, mut too_long) = (0, chars.len());
    while too_long - fits > 1 {
        let middle = (fits + too_long) / 2;
        let candidate: String = chars[..middle].iter().chain(['…'].iter()).collect();
        if width(&candidate)? <= max_width {
            fits = middle;
        } else {
            too_long = middle;
        }
    }
    let kept: String = chars[..fits].iter().collect();
    Ok(format!("{}…", kept.trim_end()))
}

/// Widest of `texts` in `style`, in pixels.
pub(crate) fn widest<DB: DrawingBackend, S: AsRef<str>>(
    area: &DrawingArea<DB, Shift>,
    texts: &[S],
    style: &TextStyle<'_>,
) -> Result<u32, ChartError> {
    let mut widest = 0;
    for text in texts {
        widest = widest.max(area.estimate_text_size(text.as_ref(), style)?.0);
    }
    Ok(widest)
}
