//! The compare view's charts: a metric against a param (one point per run), parallel
//! coordinates (one line per run across the numeric params and metrics), and metric
//! histories (one line per run over its steps). The data is `flowbook_core::store::compare`'s.

use flowbook_core::store::compare::{
    MetricHistory, MetricParamScatter, ParallelCoordinates, ParamAxis,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::{label_style, ChartError, GRID, INK, MARGIN, SERIES_COLORS, Y_LABEL_AREA};

const POINT_RADIUS: u32 = 5;

/// The colour of the `i`-th run, cycling through the series colours.
pub fn run_color(i: usize) -> RGBColor {
    SERIES_COLORS[i % SERIES_COLORS.len()]
}

/// A range with room around it, never empty (a single value gets ±1 or ±10%).
fn padded((lo, hi): (f64, f64)) -> std::ops::Range<f64> {
    let span = if hi > lo {
        hi - lo
    } else {
        (0.1 * hi.abs()).max(1.0)
    };
    lo - 0.1 * span..hi + 0.1 * span
}

/// `metric` (y) against `param` (x): numbers on a numeric axis, text as categories.
/// Points are coloured by their run's position in `scatter.points`.
pub fn draw_metric_param_scatter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scatter: &MetricParamScatter,
) -> Result<(), ChartError> {
    let x_range = match &scatter.axis {
        ParamAxis::Numeric { min, max } => padded((*min, *max)),
        ParamAxis::Categorical(names) => -0.5..names.len() as f64 - 0.5,
    };
    let categories = match &scatter.axis {
        ParamAxis::Categorical(names) => names.clone(),
        ParamAxis::Numeric { .. } => Vec::new(),
    };
    area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN)
        .x_label_area_size(36)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(x_range, padded(scatter.y_range))?;
    let label_x = |v: &f64| {
        if categories.is_empty() {
            format!("{v}")
        } else if (v - v.round()).abs() < 1e-9 && *v >= 0.0 {
            categories
                .get(v.round() as usize)
                .cloned()
                .unwrap_or_default()
        } else {
            String::new()
        }
    };
    let mut mesh = chart.configure_mesh();
    mesh.max_light_lines(1)
        .light_line_style(GRID)
        .bold_line_style(GRID)
        .x_label_formatter(&label_x)
        .y_label_formatter(&|v| format!("{v:.3}"))
        .axis_style(INK)
        .label_style(label_style())
        .x_desc(format!("params.{}", scatter.param))
        .y_desc(format!("metrics.{}", scatter.metric));
    if !categories.is_empty() {
        mesh.x_labels(categories.len() * 2 + 1);
    }
    mesh.draw()?;
    chart.draw_series(
        scatter
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| Circle::new((p.x, p.y), POINT_RADIUS, run_color(i).filled())),
    )?;
    area.present()?;
    Ok(())
}

/// One vertical axis per `parallel.axes`, one polyline per run (its colour by position);
/// a run without a value on an axis breaks its line there.
pub fn draw_parallel_coordinates<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    parallel: &ParallelCoordinates,
) -> Result<(), ChartError> {
    if parallel.axes.len() < 2 {
        return Err(ChartError(
            "parallel coordinates need two numeric params or metrics".to_string(),
        ));
    }
    area.fill(&WHITE)?;
    let (width, height) = area.dim_in_pixel();
    let (left, right) = (MARGIN as i32 + 40, width as i32 - MARGIN as i32 - 40);
    let (top, bottom) = (MARGIN as i32 + 18, height as i32 - MARGIN as i32 - 22);
    let count = parallel.axes.len() as i32;
    let x_of = |i: usize| left + (right - left) * i as i32 / (count - 1);
    let y_of = |t: f64| bottom - ((bottom - top) as f64 * t).round() as i32;
    let centred = |v: VPos| label_style().pos(Pos::new(HPos::Center, v));
    for (i, axis) in parallel.axes.iter().enumerate() {
        let x = x_of(i);
        area.draw(&PathElement::new(
            vec![(x, top), (x, bottom)],
            INK.stroke_width(1),
        ))?;
        area.draw(&Text::new(
            axis.label.clone(),
            (x, bottom + 6),
            centred(VPos::Top),
        ))?;
        area.draw(&Text::new(
            format!("{:.3}", axis.max),
            (x, top - 4),
            centred(VPos::Bottom),
        ))?;
    }
    for (r, line) in parallel.lines.iter().enumerate() {
        let color = run_color(r);
        let mut segment: Vec<(i32, i32)> = Vec::new();
        for (i, position) in line.positions.iter().enumerate() {
            match position {
                Some(t) => segment.push((x_of(i), y_of(*t))),
                None => {
                    draw_segment(area, &mut segment, color)?;
                }
            }
        }
        draw_segment(area, &mut segment, color)?;
    }
    area.present()?;
    Ok(())
}

fn draw_segment<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    segment: &mut Vec<(i32, i32)>,
    color: RGBColor,
) -> Result<(), ChartError> {
    match segment.len() {
        0 => {}
        1 => area.draw(&Circle::new(segment[0], 3, color.filled()))?,
        _ => area.draw(&PathElement::new(segment.clone(), color.stroke_width(2)))?,
    }
    segment.clear();
    Ok(())
}

/// `metric` over steps, one line (with its points) per run.
pub fn draw_metric_histories<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    metric: &str,
    histories: &[MetricHistory],
) -> Result<(), ChartError> {
    let points = histories.iter().flat_map(|h| h.points.iter());
    let Some(steps) = points
        .clone()
        .map(|p| p.0)
        .fold(None, |acc: Option<(i64, i64)>, s| {
            Some(acc.map_or((s, s), |(lo, hi)| (lo.min(s), hi.max(s))))
        })
    else {
        return Err(ChartError(format!("no run logged {metric}")));
    };
    let values = value_range(points.map(|p| p.1));
    area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN)
        .x_label_area_size(36)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(padded((steps.0 as f64, steps.1 as f64)), padded(values))?;
    chart
        .configure_mesh()
        .max_light_lines(1)
        .light_line_style(GRID)
        .bold_line_style(GRID)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.3}"))
        .axis_style(INK)
        .label_style(label_style())
        .x_desc("step")
        .y_desc(format!("metrics.{metric}"))
        .draw()?;
    for (i, history) in histories.iter().enumerate() {
        let color = run_color(i);
        let line: Vec<(f64, f64)> = history.points.iter().map(|&(s, v)| (s as f64, v)).collect();
        chart.draw_series(std::iter::once(PathElement::new(
            line.clone(),
            color.stroke_width(2),
        )))?;
        chart.draw_series(line.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
    }
    area.present()?;
    Ok(())
}

fn value_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

#[cfg(test)]
mod tests;
