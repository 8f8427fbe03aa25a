//! A tree training's learning curve: train and validation RMSE after each boosting round,
//! with the round the model keeps marked. Where the validation line flattens while the
//! train line still falls, more rounds only memorise January.

use flowbook_core::trees::Round;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::run_rmse::{TRAIN_COLOR, VALIDATION_COLOR};
use crate::sweep::BEST_MARKER_COLOR;
use crate::{draw_legend, label_style, ChartError, GRID, INK, MARGIN, Y_LABEL_AREA};

const BEST_RADIUS: u32 = 7;
/// Room above the highest point, as a share of the values' span, for the legend.
const LEGEND_HEADROOM: f64 = 0.35;

/// Draws both RMSEs against the round (1-based, as people count) and rings the validation
/// RMSE of `best_iteration` (0-based, as XGBoost counts). Rounds with a non-finite RMSE
/// are left out of their line.
pub fn draw_learning_curve<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    curve: &[Round],
    best_iteration: u32,
) -> Result<(), ChartError> {
    let values: Vec<f64> = curve
        .iter()
        .flat_map(|r| [r.train_rmse, r.val_rmse])
        .filter(|v| v.is_finite())
        .collect();
    if values.is_empty() {
        return Err(ChartError("the training has no rounds to draw".to_string()));
    }
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let span = if hi - lo > 1e-9 { hi - lo } else { 1.0 };
    let last = curve.iter().map(|r| r.round + 1).max().unwrap_or(1);

    area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN)
        .x_label_area_size(36)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(
            0.0..f64::from(last) + 1.0,
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
        .x_desc("boosting round")
        .y_desc("RMSE (min)")
        .draw()?;
    for (label, color, value) in [
        (
            "train",
            TRAIN_COLOR,
            (|r: &Round| r.train_rmse) as fn(&Round) -> f64,
        ),
        ("validation", VALIDATION_COLOR, |r: &Round| r.val_rmse),
    ] {
        let line: Vec<(f64, f64)> = curve
            .iter()
            .map(|r| (f64::from(r.round + 1), value(r)))
            .filter(|(_, v)| v.is_finite())
            .collect();
        chart
            .draw_series(std::iter::once(PathElement::new(
                line,
                color.stroke_width(2),
            )))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
    }
    if let Some(best) = curve
        .iter()
        .find(|r| r.round == best_iteration && r.val_rmse.is_finite())
    {
        chart
            .draw_series(std::iter::once(Circle::new(
                (f64::from(best.round + 1), best.val_rmse),
                BEST_RADIUS,
                BEST_MARKER_COLOR.stroke_width(2),
            )))?
            .label(format!(
                "kept: round {} (validation RMSE {:.3})",
                best.round + 1,
                best.val_rmse
            ))
            .legend(|(x, y)| Circle::new((x + 8, y), 5, BEST_MARKER_COLOR.stroke_width(2)));
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    area.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg_readback::{self, has_text, number, render, stroked};

    fn curve(n: u32) -> Vec<Round> {
        (0..n)
            .map(|round| Round {
                round,
                train_rmse: 8.0 - f64::from(round) * 0.2,
                // Falls, then rises again after round 5 (0-based).
                val_rmse: 8.0 - f64::from(round.min(5)) * 0.15
                    + f64::from(round.saturating_sub(5)) * 0.05,
                nodes: 7,
            })
            .collect()
    }

    #[test]
    fn both_lines_run_over_every_round_and_the_kept_round_is_ringed() {
        let rounds = curve(10);
        let svg = render((720, 280), |a| draw_learning_curve(a, &rounds, 5)).expect("draw");
        for color in [TRAIN_COLOR, VALIDATION_COLOR] {
            let line = stroked(&svg, "polyline", color)
                .into_iter()
                .map(svg_readback::points)
                .find(|p| p.len() == 10)
                .expect("a line through the ten rounds");
            assert!(line.windows(2).all(|w| w[0].0 < w[1].0));
        }
        let validation = stroked(&svg, "polyline", VALIDATION_COLOR)
            .into_iter()
            .map(svg_readback::points)
            .find(|p| p.len() == 10)
            .expect("validation line");
        // The lowest validation point (largest y in pixels) is round 6, the ringed one.
        let lowest = validation
            .iter()
            .copied()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("points");
        let ring = stroked(&svg, "circle", BEST_MARKER_COLOR)
            .into_iter()
            .find(|c| number(c, "r") == f64::from(BEST_RADIUS))
            .expect("ring");
        assert!((number(ring, "cx") - lowest.0).abs() <= 1.0);
        assert!((number(ring, "cy") - lowest.1).abs() <= 1.0);
        assert!(has_text(&svg, "kept: round 6 (validation RMSE 7.250)"));
        assert!(has_text(&svg, "boosting round"));
    }

    #[test]
    fn no_round_is_an_error() {
        let err = render((720, 280), |a| draw_learning_curve(a, &[], 0)).expect_err("empty");
        assert!(err.to_string().contains("no rounds"), "{err}");
    }
}
