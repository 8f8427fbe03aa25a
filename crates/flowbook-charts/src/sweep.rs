//! Validation error against alpha for a sweep, on a log scale with the best alpha ringed:
//! where regularisation starts to help, and where it starts to hurt.

use flowbook_core::evaluate::SweepPoint;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::run_rmse::{TRAIN_COLOR, VALIDATION_COLOR};
use crate::{draw_legend, label_style, ChartError, GRID, INK, MARGIN, Y_LABEL_AREA};

/// Ring around the alpha with the lowest validation RMSE.
pub const BEST_MARKER_COLOR: RGBColor = RGBColor(213, 94, 0);

const POINT_RADIUS: u32 = 4;
const BEST_RADIUS: u32 = 9;
/// Room above the highest point, as a share of the values' span, so the legend sits
/// above the curves instead of on them.
const LEGEND_HEADROOM: f64 = 0.45;

/// An alpha as a person writes it: `0.001`, `0.5`, `10`, `1e-6`, `2.5e5`.
pub fn format_alpha(alpha: f64) -> String {
    if alpha == 0.0 || !alpha.is_finite() {
        return alpha.to_string();
    }
    let magnitude = alpha.abs().log10().floor();
    if (-3.0..4.0).contains(&magnitude) {
        // Three significant digits hide the float noise of log-scale tick values.
        let decimals = (2.0 - magnitude).max(0.0) as usize;
        let text = format!("{alpha:.decimals$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    } else {
        let text = format!("{alpha:.2e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{mantissa}e{exponent}")
    }
}

/// Draws validation (and train) RMSE against alpha on a log-scaled x axis, one point per
/// alpha, and rings the lowest validation RMSE (the first, on ties: the alpha a run keeps).
/// Points whose alpha is not positive or whose validation RMSE is not finite are left out.
pub fn draw_sweep_curve<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: &[SweepPoint],
) -> Result<(), ChartError> {
    if points.is_empty() {
        return Err(ChartError("the sweep has no points".to_string()));
    }
    let mut usable: Vec<SweepPoint> = points
        .iter()
        .copied()
        .filter(|p| p.alpha.is_finite() && p.alpha > 0.0 && p.val_rmse.is_finite())
        .collect();
    let Some(best) = usable
        .iter()
        .copied()
        .min_by(|a, b| a.val_rmse.total_cmp(&b.val_rmse))
    else {
        return Err(ChartError(
            "no sweep point has a positive alpha and a finite validation RMSE \
             (alpha is drawn on a log scale)"
                .to_string(),
        ));
    };
    usable.sort_by(|a, b| a.alpha.total_cmp(&b.alpha));
    let alphas = (usable[0].alpha, usable[usable.len() - 1].alpha);
    let values = usable
        .iter()
        .flat_map(|p| [p.val_rmse, p.train_rmse])
        .filter(|v| v.is_finite());
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let span = if hi - lo > 1e-9 * hi.abs().max(1.0) {
        hi - lo
    } else {
        (0.1 * hi.abs()).max(1.0)
    };

    area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN)
        .x_label_area_size(36)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(
            (alphas.0 / 2.0..alphas.1 * 2.0).log_scale(),
            lo - 0.1 * span..hi + LEGEND_HEADROOM * span,
        )?;
    chart
        .configure_mesh()
        .max_light_lines(1)
        .light_line_style(GRID)
        .bold_line_style(GRID)
        .x_label_formatter(&|v| format_alpha(*v))
        .y_label_formatter(&|v| format!("{v:.2}"))
        .axis_style(INK)
        .label_style(label_style())
        .x_desc("alpha (log scale)")
        .y_desc("RMSE (min)")
        .draw()?;

    for (label, color, value) in [
        (
            "train",
            TRAIN_COLOR,
            (|p: &SweepPoint| p.train_rmse) as fn(&SweepPoint) -> f64,
        ),
        ("validation", VALIDATION_COLOR, |p: &SweepPoint| p.val_rmse),
    ] {
        let curve: Vec<(f64, f64)> = usable
            .iter()
            .map(|p| (p.alpha, value(p)))
            .filter(|(_, v)| v.is_finite())
            .collect();
        chart
            .draw_series(std::iter::once(PathElement::new(
                curve.clone(),
                color.stroke_width(2),
            )))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
        chart.draw_series(
            curve
                .into_iter()
                .map(|point| Circle::new(point, POINT_RADIUS, color.filled())),
        )?;
    }
    chart
        .draw_series(std::iter::once(Circle::new(
            (best.alpha, best.val_rmse),
            BEST_RADIUS,
            BEST_MARKER_COLOR.stroke_width(2),
        )))?
        .label(format!(
            "best alpha {} (validation RMSE {:.3})",
            format_alpha(best.alpha),
            best.val_rmse
        ))
        .legend(|(x, y)| Circle::new((x + 8, y), 5, BEST_MARKER_COLOR.stroke_width(2)));
    draw_legend(&mut chart, SeriesLabelPosition::UpperMiddle)?;
    area.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg_readback::{self, filled, has_text, number, render, stroked};

    fn sweep(values: &[(f64, f64)]) -> Vec<SweepPoint> {
        values
            .iter()
            .map(|&(alpha, val_rmse)| SweepPoint {
                alpha,
                val_rmse,
                train_rmse: val_rmse - 1.5,
            })
            .collect()
    }

    #[test]
    fn alphas_are_spaced_by_decade_and_the_minimum_is_ringed() {
        let points = sweep(&[
            (10.0, 6.8),
            (0.001, 6.4),
            (0.01, 6.3),
            (0.1, 6.1),
            (1.0, 6.5),
        ]);
        let svg = render((720, 280), |a| draw_sweep_curve(a, &points)).expect("draw");
        let dots = filled(&svg, "circle", VALIDATION_COLOR);
        assert_eq!(dots.len(), 5);
        assert_eq!(filled(&svg, "circle", TRAIN_COLOR).len(), 5);
        // Log scale: one decade is the same width everywhere.
        let mut xs: Vec<f64> = dots.iter().map(|d| number(d, "cx")).collect();
        xs.sort_by(f64::total_cmp);
        let steps: Vec<f64> = xs.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(
            steps.iter().all(|s| (s - steps[0]).abs() <= 1.0),
            "{steps:?}"
        );
        // The ring sits on the lowest validation point (largest y in pixels).
        let rings: Vec<&str> = stroked(&svg, "circle", BEST_MARKER_COLOR)
            .into_iter()
            .filter(|c| number(c, "r") == f64::from(BEST_RADIUS))
            .collect();
        assert_eq!(rings.len(), 1);
        let lowest = dots
            .iter()
            .max_by(|a, b| number(a, "cy").total_cmp(&number(b, "cy")))
            .expect("dots");
        assert_eq!(number(rings[0], "cx"), number(lowest, "cx"));
        assert_eq!(number(rings[0], "cy"), number(lowest, "cy"));
        assert_eq!(
            number(lowest, "cx"),
            xs[2],
            "alpha 0.1 is the third from the left"
        );
        // The validation line joins the points left to right.
        let line = stroked(&svg, "polyline", VALIDATION_COLOR)
            .into_iter()
            .map(svg_readback::points)
            .find(|p| p.len() == 5)
            .expect("validation line");
        assert!(line.windows(2).all(|w| w[0].0 < w[1].0));
        for text in [
            "best alpha 0.1 (validation RMSE 6.100)",
            "alpha (log scale)",
            "validation",
            "train",
        ] {
            assert!(has_text(&svg, text), "{text} missing");
        }
    }

    #[test]
    fn unusable_points_are_skipped_and_no_usable_point_is_an_error() {
        let points = sweep(&[
            (0.0, 5.0),
            (-1.0, 4.0),
            (0.5, f64::NAN),
            (1.0, 6.0),
            (2.0, 7.0),
        ]);
        let svg = render((720, 280), |a| draw_sweep_curve(a, &points)).expect("draw");
        assert_eq!(filled(&svg, "circle", VALIDATION_COLOR).len(), 2);
        assert!(has_text(&svg, "best alpha 1 (validation RMSE 6.000)"));
        let single = sweep(&[(0.3, 6.0)]);
        render((720, 280), |a| draw_sweep_curve(a, &single)).expect("one point draws");
        let err = render((720, 280), |a| draw_sweep_curve(a, &[])).expect_err("empty");
        assert!(err.to_string().contains("no points"), "{err}");
        let unusable = sweep(&[(0.0, 5.0), (f64::NAN, 4.0)]);
        let err = render((720, 280), |a| draw_sweep_curve(a, &unusable)).expect_err("none");
        assert!(err.to_string().contains("positive alpha"), "{err}");
    }

    #[test]
    fn alphas_read_as_people_write_them() {
        let cases = [
            (0.001, "0.001"),
            (0.5, "0.5"),
            (10.0, "10"),
            (0.30000000000000004, "0.3"),
            (1e-6, "1e-6"),
            (250000.0, "2.5e5"),
        ];
        for (alpha, text) in cases {
            assert_eq!(format_alpha(alpha), text);
        }
    }
}
