//! Predicted against actual durations, overlaid on shared bins: the course's check that a
//! model's predictions are distributed like the trips themselves.

use flowbook_core::data::Histogram;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{draw_histograms, ChartError, HistogramSeries};

/// Draws the actual and predicted durations (from `evaluate::overlaid_distributions`) as
/// two overlaid histograms with a legend. Fails when neither has a trip in its range.
pub fn draw_predicted_vs_actual<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    actual: &Histogram,
    predicted: &Histogram,
) -> Result<(), ChartError> {
    let in_range = |h: &Histogram| h.counts.iter().sum::<u64>();
    if in_range(actual) + in_range(predicted) == 0 {
        return Err(ChartError(format!(
            "no actual or predicted duration lies within {}..{} min",
            actual.lo, actual.hi
        )));
    }
    draw_histograms(
        area,
        "duration (min)",
        &[
            HistogramSeries {
                label: "actual",
                histogram: actual,
            },
            HistogramSeries {
                label: "predicted",
                histogram: predicted,
            },
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg_readback::{filled, has_text, render};
    use crate::SERIES_COLORS;

    fn histogram(values: &[f64]) -> Histogram {
        Histogram::new(values.iter().copied(), 0.0, 60.0, 60)
    }

    #[test]
    fn actual_and_predicted_are_overlaid_with_a_legend() {
        let actual = histogram(&[3.5, 10.2, 10.7, 25.0]);
        let predicted = histogram(&[9.0, 12.0]);
        let svg = render((720, 280), |a| {
            draw_predicted_vs_actual(a, &actual, &predicted)
        })
        .expect("draw");
        // Three actual bins and two predicted, plus one legend swatch each.
        assert_eq!(filled(&svg, "rect", SERIES_COLORS[0]).len(), 4);
        assert_eq!(filled(&svg, "rect", SERIES_COLORS[1]).len(), 3);
        for text in ["actual", "predicted", "duration (min)", "trips"] {
            assert!(has_text(&svg, text), "{text} missing");
        }
    }

    #[test]
    fn nothing_in_range_or_mismatched_bins_are_errors() {
        let empty = histogram(&[]);
        let outside = histogram(&[-1.0, 90.0, f64::NAN]);
        let err = render((720, 280), |a| {
            draw_predicted_vs_actual(a, &empty, &outside)
        })
        .expect_err("nothing to show");
        assert!(err.to_string().contains("0..60"), "{err}");
        let other_bins = Histogram::new([5.0].into_iter(), 0.0, 30.0, 60);
        let err = render((720, 280), |a| {
            draw_predicted_vs_actual(a, &histogram(&[5.0]), &other_bins)
        })
        .expect_err("bins differ");
        assert!(err.to_string().contains("bins"), "{err}");
    }
}
