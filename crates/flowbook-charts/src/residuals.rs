//! Residuals (actual − predicted) as a histogram around a zero line, with their summary:
//! a good model's bars pile up at zero, and a bias shows as a shift.

use flowbook_core::evaluate::{Residuals, WITHIN_MINUTES};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::histogram::histogram_chart;
use crate::{
    label_style, with_header, ChartError, HistogramSeries, HEADER_BAND, MARGIN, Y_LABEL_AREA,
};

/// Colour of the zero line: dark enough to read over the bars.
pub const ZERO_LINE_COLOR: RGBColor = RGBColor(213, 94, 0);

/// Draws `residuals` (from `evaluate::residuals`): the histogram, a vertical line at zero
/// and above it the summary (mean, spread, share within ±5 min).
pub fn draw_residuals<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    residuals: &Residuals,
) -> Result<(), ChartError> {
    let summary = residuals.summary;
    if summary.rows == 0 {
        return Err(ChartError("there are no residuals to draw".to_string()));
    }
    let (header, body) = with_header(area)?;
    let series = [HistogramSeries {
        label: "residuals",
        histogram: &residuals.histogram,
    }];
    let mut chart = histogram_chart(&body, "actual − predicted (min)", &series)?;
    let x = chart.x_range();
    if x.start < 0.0 && 0.0 < x.end {
        let top = chart.y_range().end;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0), (0.0, top)],
            ZERO_LINE_COLOR.stroke_width(2),
        )))?;
    }
    let outside = residuals.histogram.below + residuals.histogram.above;
    let mut text = format!(
        "mean {:+.2} min · std {:.2} min · {:.0}% within ±{WITHIN_MINUTES} min",
        summary.mean,
        summary.std,
        100.0 * summary.within_share
    );
    if outside > 0 {
        text.push_str(&format!(" · {outside} beyond ±{} min", x.end));
    }
    let style = label_style().pos(Pos::new(HPos::Left, VPos::Center));
    let at = (
        (MARGIN + Y_LABEL_AREA) as i32,
        (HEADER_BAND / 2 + MARGIN / 2) as i32,
    );
    header.draw(&Text::new(text, at, style))?;
    area.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg_readback::{filled, has_text, number, points, render, stroked, texts};
    use crate::SERIES_COLORS;
    use flowbook_core::evaluate::residuals;

    #[test]
    fn bars_a_zero_line_in_the_middle_and_the_summary() {
        let actual = [10.0, 12.0, 15.0, 20.0, 30.0];
        let predicted = [11.0, 12.5, 13.0, 20.0, 31.0];
        let r = residuals(&actual, &predicted);
        let svg = render((720, 280), |a| draw_residuals(a, &r)).expect("draw");
        // Residuals −1, −0.5, 2, 0, −1 fall in three one-minute bins of ±3.
        assert_eq!(filled(&svg, "rect", SERIES_COLORS[0]).len(), 3);
        let line = stroked(&svg, "polyline", ZERO_LINE_COLOR);
        assert_eq!(line.len(), 1, "{svg}");
        let ends = points(line[0]);
        assert_eq!(ends[0].0, ends[1].0, "vertical");
        // Zero sits halfway between the axis ends of the symmetric range.
        let bars = filled(&svg, "rect", SERIES_COLORS[0]);
        let lefts: Vec<f64> = bars.iter().map(|b| number(b, "x")).collect();
        let right_of_zero = lefts.iter().filter(|&&x| x >= ends[0].0).count();
        assert_eq!(right_of_zero, 2, "bins [0,1) and [2,3)");
        assert!(has_text(&svg, "actual − predicted (min)"));
        let summary = texts(&svg)
            .into_iter()
            .find(|(t, _)| t.starts_with("mean"))
            .expect("summary");
        assert_eq!(
            summary.0,
            "mean -0.10 min · std 1.11 min · 100% within ±5 min"
        );
    }

    #[test]
    fn no_finite_residual_is_an_error() {
        let r = residuals(&[1.0, f64::NAN], &[f64::INFINITY, 2.0]);
        let err = render((720, 280), |a| draw_residuals(a, &r)).expect_err("empty");
        assert!(err.to_string().contains("no residuals"), "{err}");
    }
}
