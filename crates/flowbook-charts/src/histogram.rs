//! Histograms: one distribution as solid bars, or several overlaid with transparency and a
//! legend (the way the course compares predicted and actual durations).

use flowbook_core::data::Histogram;
use plotters::coord::types::{RangedCoordf64, RangedCoordu64};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{draw_legend, label_style, ChartError, GRID, INK, MARGIN, SERIES_COLORS, Y_LABEL_AREA};

/// One distribution to draw. All series of a chart must share their bins.
#[derive(Debug, Clone, Copy)]
pub struct HistogramSeries<'a> {
    pub label: &'a str,
    pub histogram: &'a Histogram,
}

/// Fraction of each bar's colour when series overlap: enough to see both.
const OVERLAY_OPACITY: f64 = 0.45;

/// The axes and bars of a histogram chart, for a caller to draw on top of.
pub(crate) type HistogramChart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordu64>>;

/// Draws `series` on `area` with the x axis labelled `x_label` and counts on y.
///
/// Bars are drawn from the histograms' own bins; several series get a legend. Fails when
/// the series disagree on their bins, since overlaid bars would then lie.
pub fn draw_histograms<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x_label: &str,
    series: &[HistogramSeries<'_>],
) -> Result<(), ChartError> {
    let mut chart = histogram_chart(area, x_label, series)?;
    if series.len() > 1 {
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    }
    area.present()?;
    Ok(())
}

/// Checks that the series share finite bins, then fills `area` and draws axes and bars
/// (with legend entries when there are several series, for the caller to show).
pub(crate) fn histogram_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x_label: &str,
    series: &[HistogramSeries<'_>],
) -> Result<HistogramChart<'a, DB>, ChartError> {
    let Some(first) = series.first() else {
        return Err(ChartError("there is nothing to draw".to_string()));
    };
    let (lo, hi, bins) = (
        first.histogram.lo,
        first.histogram.hi,
        first.histogram.counts.len(),
    );
    if series
        .iter()
        .any(|s| s.histogram.lo != lo || s.histogram.hi != hi || s.histogram.counts.len() != bins)
    {
        return Err(ChartError(
            "the distributions do not share their bins".to_string(),
        ));
    }
    if !(lo.is_finite() && hi.is_finite() && hi > lo) || bins == 0 {
        return Err(ChartError(format!("empty range {lo}..{hi}")));
    }
    let peak = series
        .iter()
        .flat_map(|s| s.histogram.counts.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);

    area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN)
        .x_label_area_size(36)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(lo..hi, 0u64..peak + peak / 20 + 1)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(1)
        .light_line_style(GRID)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .axis_style(INK)
        .label_style(label_style())
        .x_desc(x_label)
        .y_desc("trips")
        .draw()?;

    let width = (hi - lo) / bins as f64;
    let overlaid = series.len() > 1;
    for (index, s) in series.iter().enumerate() {
        let color = SERIES_COLORS[index % SERIES_COLORS.len()];
        let fill = if overlaid {
            color.mix(OVERLAY_OPACITY).filled()
        } else {
            color.filled()
        };
        let bars = s
            .histogram
            .counts
            .iter()
            .enumerate()
            .filter(|(_, &count)| count > 0)
            .map(move |(bin, &count)| {
                let left = lo + bin as f64 * width;
                Rectangle::new([(left, 0), (left + width, count)], fill)
            });
        let drawn = chart.draw_series(bars)?;
        if overlaid {
            drawn.label(s.label).legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
            });
        }
    }
    Ok(chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(values: &[f64]) -> Histogram {
        Histogram::new(values.iter().copied(), 0.0, 10.0, 10)
    }

    fn svg(series: &[HistogramSeries<'_>]) -> Result<String, ChartError> {
        let mut out = String::new();
        {
            let area = SVGBackend::with_string(&mut out, (640, 320)).into_drawing_area();
            draw_histograms(&area, "minutes", series)?;
        }
        Ok(out)
    }

    fn bars_of(svg: &str, rgb: RGBColor) -> usize {
        let needle = format!("fill=\"#{:02X}{:02X}{:02X}\"", rgb.0, rgb.1, rgb.2);
        svg.lines()
            .filter(|l| l.contains("<rect") && l.contains(&needle))
            .count()
    }

    #[test]
    fn one_bar_per_non_empty_bin_taller_for_larger_counts() {
        let h = histogram(&[0.5, 1.5, 1.6, 1.7, 7.2]);
        let out = svg(&[HistogramSeries {
            label: "durations",
            histogram: &h,
        }])
        .expect("draw");
        assert_eq!(bars_of(&out, SERIES_COLORS[0]), 3, "{out}");
        let heights: Vec<f64> = out
            .lines()
            .filter(|l| l.contains("<rect") && l.contains("#0072B2"))
            .filter_map(|l| {
                let start = l.find("height=\"")? + 8;
                l[start..].split('"').next()?.parse().ok()
            })
            .collect();
        assert_eq!(heights.len(), 3);
        assert!(heights[1] > 2.5 * heights[0], "{heights:?}");
        assert!(out.lines().any(|l| l.trim() == "minutes"));
        assert!(out.lines().any(|l| l.trim() == "trips"));
    }

    #[test]
    fn overlaid_series_get_a_legend_and_their_own_colours() {
        let actual = histogram(&[1.0, 2.0, 2.5]);
        let predicted = histogram(&[1.2, 2.2, 8.0]);
        let out = svg(&[
            HistogramSeries {
                label: "actual",
                histogram: &actual,
            },
            HistogramSeries {
                label: "predicted",
                histogram: &predicted,
            },
        ])
        .expect("draw");
        let has_text = |t: &str| out.lines().any(|l| l.trim() == t);
        assert!(has_text("actual") && has_text("predicted"), "{out}");
        // Legend swatches are drawn in full colour, bars with transparency.
        assert_eq!(bars_of(&out, SERIES_COLORS[0]), 3);
        assert_eq!(bars_of(&out, SERIES_COLORS[1]), 4);
    }

    #[test]
    fn mismatched_bins_and_empty_input_are_errors_not_panics() {
        let a = histogram(&[1.0]);
        let b = Histogram::new([1.0].into_iter(), 0.0, 20.0, 10);
        let err = svg(&[
            HistogramSeries {
                label: "a",
                histogram: &a,
            },
            HistogramSeries {
                label: "b",
                histogram: &b,
            },
        ])
        .expect_err("bins differ");
        assert!(err.to_string().contains("bins"));
        assert!(svg(&[]).is_err());
        let empty = Histogram::new(std::iter::empty(), 0.0, 10.0, 10);
        let out = svg(&[HistogramSeries {
            label: "none",
            histogram: &empty,
        }])
        .expect("an empty distribution draws empty axes");
        assert_eq!(bars_of(&out, SERIES_COLORS[0]), 0);
    }
}
