//! The Monitor cell's charts: one metric per month against its warning and alert lines,
//! and a heatmap of every column's drift per month, so the month things changed stands
//! out before any number is read.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::{
    draw_key, label_style, with_header, ChartError, FONT, GRID, INK, MARGIN, Y_LABEL_AREA,
};

pub const METRIC_COLOR: RGBColor = RGBColor(0, 114, 178);
pub const WARNING_COLOR: RGBColor = RGBColor(230, 159, 0);
pub const ALERT_COLOR: RGBColor = RGBColor(213, 94, 0);
const POINT_RADIUS: u32 = 4;

/// One metric over the months, and the values at which it warns and alerts.
pub struct MonthSeries<'a> {
    pub months: &'a [String],
    /// `None` where the month has no value (not drawn).
    pub values: &'a [Option<f64>],
    pub warning: Option<f64>,
    pub alert: Option<f64>,
    pub y_label: &'a str,
}

/// Points joined month to month, dashed lines at the warning and alert values; a point at
/// or past the alert is drawn in the alert colour. Larger is worse for every metric drawn.
pub fn draw_metric_per_month<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &MonthSeries<'_>,
) -> Result<(), ChartError> {
    let points: Vec<(f64, f64)> = series
        .values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (i as f64, v)))
        .collect();
    if points.is_empty() {
        return Err(ChartError(format!(
            "no month has a {} to draw",
            series.y_label
        )));
    }
    let lines: Vec<f64> = [series.warning, series.alert]
        .into_iter()
        .flatten()
        .collect();
    let hi = points
        .iter()
        .map(|p| p.1)
        .chain(lines.iter().copied())
        .fold(0.0, f64::max);
    let top = if hi > 0.0 { hi * 1.15 } else { 1.0 };
    let (header, area) = with_header(area)?;
    let mut key = vec![(series.y_label, METRIC_COLOR)];
    if series.warning.is_some() {
        key.push(("warning", WARNING_COLOR));
    }
    if series.alert.is_some() {
        key.push(("alert", ALERT_COLOR));
    }
    draw_key(&header, &key)?;
    let months = series.months;
    let n = months.len().max(1) as f64;
    let mut chart = ChartBuilder::on(&area)
        .margin(MARGIN)
        .x_label_area_size(28)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(-0.5..n - 0.5, 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(months.len().max(1))
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                months.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .max_light_lines(1)
        .light_line_style(GRID)
        .y_label_formatter(&|v| format!("{v:.2}"))
        .axis_style(INK)
        .label_style(label_style())
        .y_desc(series.y_label)
        .draw()?;
    for (value, color) in [(series.warning, WARNING_COLOR), (series.alert, ALERT_COLOR)] {
        if let Some(value) = value {
            // Dashes, so the lines read as thresholds and not as data.
            let dashes = (0..(n * 8.0) as usize).step_by(2).map(|k| {
                let x = -0.5 + k as f64 / 8.0;
                PathElement::new(
                    vec![(x, value), (x + 1.0 / 8.0, value)],
                    color.stroke_width(2),
                )
            });
            chart.draw_series(dashes)?;
        }
    }
    chart.draw_series(std::iter::once(PathElement::new(
        points.clone(),
        METRIC_COLOR.stroke_width(2),
    )))?;
    chart.draw_series(points.iter().map(|&(x, y)| {
        let alerting = series.alert.is_some_and(|a| y >= a);
        let color = if alerting { ALERT_COLOR } else { METRIC_COLOR };
        Circle::new((x, y), POINT_RADIUS, color.filled())
    }))?;
    area.present()?;
    Ok(())
}

/// One heatmap cell: the drift value as a share of its threshold (for p-value tests, the
/// threshold over the p-value), and whether the test said drifted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriftCell {
    pub severity: f64,
    pub drifted: bool,
    pub value: f64,
}

/// Columns down, months across; the colour deepens as a value nears its threshold and
/// turns to the alert colour past it. Each cell shows its value.
pub fn draw_drift_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    columns: &[String],
    months: &[String],
    cells: &[Vec<Option<DriftCell>>],
) -> Result<(), ChartError> {
    if columns.is_empty() || months.is_empty() {
        return Err(ChartError("there is no month to draw".to_string()));
    }
    area.fill(&WHITE)?;
    let (width, height) = area.dim_in_pixel();
    let style = label_style();
    let label_width = columns
        .iter()
        .map(|c| area.estimate_text_size(c, &style).map(|s| s.0))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .max()
        .unwrap_or(0)
        + 2 * MARGIN;
    let month_row = 28;
    let cell_w = (width.saturating_sub(label_width + MARGIN)) as f64 / months.len() as f64;
    let cell_h = (height.saturating_sub(month_row + MARGIN)) as f64 / columns.len() as f64;
    let value_style = (FONT, 12)
        .into_font()
        .color(&INK)
        .pos(Pos::new(HPos::Center, VPos::Center));
    let left = style.clone().pos(Pos::new(HPos::Right, VPos::Center));
    let center = style.pos(Pos::new(HPos::Center, VPos::Center));
    for (j, month) in months.iter().enumerate() {
        let x = label_width as f64 + (j as f64 + 0.5) * cell_w;
        area.draw(&Text::new(
            month.clone(),
            (x as i32, (month_row / 2) as i32),
            center.clone(),
        ))?;
    }
    for (i, column) in columns.iter().enumerate() {
        let y0 = month_row as f64 + i as f64 * cell_h;
        area.draw(&Text::new(
            column.clone(),
            ((label_width - MARGIN) as i32, (y0 + cell_h / 2.0) as i32),
            left.clone(),
        ))?;
        for j in 0..months.len() {
            let x0 = label_width as f64 + j as f64 * cell_w;
            let corners = [
                (x0 as i32 + 1, y0 as i32 + 1),
                ((x0 + cell_w) as i32 - 1, (y0 + cell_h) as i32 - 1),
            ];
            let Some(cell) = cells.get(i).and_then(|row| row.get(j)).copied().flatten() else {
                area.draw(&Rectangle::new(corners, GRID.filled()))?;
                continue;
            };
            area.draw(&Rectangle::new(corners, heat(cell).filled()))?;
            let text = format!("{:.3}{}", cell.value, if cell.drifted { " ✕" } else { "" });
            area.draw(&Text::new(
                text,
                ((x0 + cell_w / 2.0) as i32, (y0 + cell_h / 2.0) as i32),
                value_style.clone(),
            ))?;
        }
    }
    area.present()?;
    Ok(())
}

/// White at no drift, the warning colour's tint towards the threshold, the alert colour
/// (lightened so the value stays readable) past it.
pub fn heat(cell: DriftCell) -> RGBColor {
    if cell.drifted {
        return RGBColor(240, 150, 110);
    }
    let t = cell.severity.clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    RGBColor(mix(255, 250), mix(255, 215), mix(255, 140))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg_readback::{filled, has_text, render};

    #[test]
    fn a_month_past_the_alert_is_drawn_in_the_alert_colour() {
        let months: Vec<String> = ["2021-02", "2022-01", "2023-01"].map(String::from).to_vec();
        let values = [Some(0.08), Some(0.24), Some(0.27)];
        let series = MonthSeries {
            months: &months,
            values: &values,
            warning: Some(0.05),
            alert: Some(0.1),
            y_label: "duration drift",
        };
        let svg = render((720, 260), |a| draw_metric_per_month(a, &series)).expect("draw");
        assert_eq!(filled(&svg, "circle", ALERT_COLOR).len(), 2);
        assert_eq!(filled(&svg, "circle", METRIC_COLOR).len(), 1);
        assert!(has_text(&svg, "2023-01"));
    }

    #[test]
    fn the_heatmap_has_a_cell_per_column_and_month_and_marks_drift() {
        let columns: Vec<String> = ["PU_DO", "duration"].map(String::from).to_vec();
        let months: Vec<String> = ["2021-02", "2023-01"].map(String::from).to_vec();
        let cell = |value: f64, drifted| {
            Some(DriftCell {
                severity: value / 0.1,
                drifted,
                value,
            })
        };
        let cells = vec![
            vec![cell(0.29, true), cell(0.45, true)],
            vec![cell(0.086, false), cell(0.27, true)],
        ];
        let svg = render((640, 200), |a| {
            draw_drift_heatmap(a, &columns, &months, &cells)
        })
        .expect("draw");
        assert_eq!(filled(&svg, "rect", heat(cells[0][0].unwrap())).len(), 3);
        assert!(has_text(&svg, "0.086"));
        assert!(has_text(&svg, "0.270 ✕"));
    }
}
