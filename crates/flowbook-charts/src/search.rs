//! A search's objective per trial: each trial's validation RMSE as a point, the best so
//! far as a step line, the best trial ringed. Where the line stops falling, more trials
//! of this space are unlikely to help.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::run_rmse::VALIDATION_COLOR;
use crate::sweep::BEST_MARKER_COLOR;
use crate::{draw_legend, label_style, ChartError, GRID, INK, MARGIN, Y_LABEL_AREA};

/// The best-so-far line.
pub const BEST_SO_FAR_COLOR: RGBColor = RGBColor(0, 114, 178);
const POINT_RADIUS: u32 = 3;
const BEST_RADIUS: u32 = 8;
const LEGEND_HEADROOM: f64 = 0.4;

/// `losses[i]` is trial `i`'s validation RMSE, `None` when it failed (not drawn).
pub fn draw_search_objective<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    losses: &[Option<f64>],
) -> Result<(), ChartError> {
    let points: Vec<(f64, f64)> = losses
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.filter(|v| v.is_finite()).map(|v| (i as f64, v)))
        .collect();
    if points.is_empty() {
        return Err(ChartError("no trial of the search succeeded".to_string()));
    }
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    let span = if hi - lo > 1e-9 { hi - lo } else { 1.0 };
    let mut best = f64::INFINITY;
    let mut steps: Vec<(f64, f64)> = Vec::new();
    let mut best_point = points[0];
    for &(x, y) in &points {
        if y < best {
            if let Some(&(_, previous)) = steps.last() {
                steps.push((x, previous));
            }
            best = y;
            best_point = (x, y);
        }
        steps.push((x, best));
    }
    let last = losses.len() as f64;

    area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN)
        .x_label_area_size(36)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(
            -0.5..last - 0.5,
            lo - 0.1 * span..hi + LEGEND_HEADROOM * span,
        )?;
    chart
        .configure_mesh()
        .max_light_lines(1)
        .light_line_style(GRID)
        .bold_line_style(GRID)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.2}"))
        .axis_style(INK)
        .label_style(label_style())
        .x_desc("trial")
        .y_desc("validation RMSE (min)")
        .draw()?;
    chart
        .draw_series(
            points
                .iter()
                .map(|&p| Circle::new(p, POINT_RADIUS, VALIDATION_COLOR.filled())),
        )?
        .label("trial")
        .legend(|(x, y)| Circle::new((x + 8, y), POINT_RADIUS, VALIDATION_COLOR.filled()));
    chart
        .draw_series(std::iter::once(PathElement::new(
            steps,
            BEST_SO_FAR_COLOR.stroke_width(2),
        )))?
        .label("best so far")
        .legend(|(x, y)| {
            PathElement::new(vec![(x, y), (x + 16, y)], BEST_SO_FAR_COLOR.stroke_width(2))
        });
    chart
        .draw_series(std::iter::once(Circle::new(
            best_point,
            BEST_RADIUS,
            BEST_MARKER_COLOR.stroke_width(2),
        )))?
        .label(format!(
            "best: trial {} (validation RMSE {:.3})",
            best_point.0 as usize, best_point.1
        ))
        .legend(|(x, y)| Circle::new((x + 8, y), 5, BEST_MARKER_COLOR.stroke_width(2)));
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    area.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg_readback::{self, has_text, number, render, stroked};

    #[test]
    fn every_trial_is_a_point_and_the_best_so_far_never_rises() {
        let losses = [Some(9.0), Some(8.0), None, Some(8.5), Some(7.0), Some(7.5)];
        let svg = render((720, 280), |a| draw_search_objective(a, &losses)).expect("draw");
        let line = stroked(&svg, "polyline", BEST_SO_FAR_COLOR)
            .into_iter()
            .map(svg_readback::points)
            .max_by_key(Vec::len)
            .expect("best-so-far line");
        // Larger y in pixels is a lower RMSE: the line only goes down the page.
        assert!(line.windows(2).all(|w| w[1].1 >= w[0].1 - 0.5), "{line:?}");
        assert!(has_text(&svg, "best: trial 4 (validation RMSE 7.000)"));
        let ring = stroked(&svg, "circle", BEST_MARKER_COLOR)
            .into_iter()
            .find(|c| number(c, "r") == f64::from(BEST_RADIUS))
            .expect("ring");
        let lowest = line.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        assert!((number(ring, "cy") - lowest).abs() <= 1.0);
    }

    #[test]
    fn a_search_without_a_successful_trial_says_so() {
        let err = render((720, 280), |a| draw_search_objective(a, &[None])).expect_err("empty");
        assert!(err.to_string().contains("no trial"), "{err}");
    }
}
