//! Flowbook's charts. Each chart is a function over any plotters backend: the app draws on a
//! `<canvas>` (plotters-canvas), the tests draw to SVG and read the result back, so what a
//! chart shows is checked natively.
//!
//! The Evaluate cell's charts take the data `flowbook_core::evaluate` computes.

mod coefficients;
mod compare;
mod histogram;
mod learning_curve;
mod monitor;
mod predicted_vs_actual;
mod residuals;
mod run_rmse;
mod search;
mod sweep;
mod text;

#[cfg(test)]
mod svg_readback;

pub use coefficients::{draw_largest_coefficients, NEGATIVE_COLOR, POSITIVE_COLOR};
pub use compare::{
    draw_metric_histories, draw_metric_param_scatter, draw_parallel_coordinates, run_color,
};
pub use histogram::{draw_histograms, HistogramSeries};
pub use learning_curve::draw_learning_curve;
pub use monitor::{
    draw_drift_heatmap, draw_metric_per_month, heat, DriftCell, MonthSeries, ALERT_COLOR,
    METRIC_COLOR, WARNING_COLOR,
};
pub use predicted_vs_actual::draw_predicted_vs_actual;
pub use residuals::{draw_residuals, ZERO_LINE_COLOR};
pub use run_rmse::{draw_rmse_per_run, TRAIN_COLOR, VALIDATION_COLOR};
pub use search::{draw_search_objective, BEST_SO_FAR_COLOR};
pub use sweep::{draw_sweep_curve, format_alpha, BEST_MARKER_COLOR};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A chart that could not be drawn; the message names the chart and the backend's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not draw the chart: {}", self.0)
    }
}

impl std::error::Error for ChartError {}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(error: DrawingAreaErrorKind<E>) -> Self {
        ChartError(error.to_string())
    }
}

/// Series colours, chosen to stay apart for colour-blind readers (Okabe–Ito).
pub const SERIES_COLORS: [RGBColor; 4] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
];

/// Axis and label colour.
pub const INK: RGBColor = RGBColor(60, 64, 72);

/// The font every chart uses; the browser resolves the family.
pub const FONT: &str = "sans-serif";

/// Light grid lines: enough to read values off, faint enough not to compete with the data.
pub(crate) const GRID: RGBColor = RGBColor(240, 242, 245);

/// Size of axis labels and descriptions.
pub(crate) const LABEL_SIZE: u32 = 13;

/// Room around every chart and for the value axis' tick labels.
pub(crate) const MARGIN: u32 = 12;
pub(crate) const Y_LABEL_AREA: u32 = 56;

pub(crate) fn label_style() -> TextStyle<'static> {
    (FONT, LABEL_SIZE).into_font().color(&INK)
}

/// Draws the series labels of `chart` in a framed legend at `position`.
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), ChartError> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(210, 214, 220))
        .label_font(label_style())
        .draw()?;
    Ok(())
}

/// Height of the band above a chart that holds its key or summary, so neither covers data.
pub(crate) const HEADER_BAND: u32 = 26;

/// A chart's area split in two: `(header, chart)`.
pub(crate) type Split<DB> = (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>);

/// Fills `area` white and splits off its header band.
pub(crate) fn with_header<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
) -> Result<Split<DB>, ChartError> {
    area.fill(&WHITE)?;
    Ok(area.split_vertically(HEADER_BAND))
}

/// Draws a key in `header`: per series a colour swatch and its label, in a row from the
/// plot's left edge.
pub(crate) fn draw_key<DB: DrawingBackend>(
    header: &DrawingArea<DB, Shift>,
    items: &[(&str, RGBColor)],
) -> Result<(), ChartError> {
    let style = label_style().pos(Pos::new(HPos::Left, VPos::Center));
    let middle = (HEADER_BAND / 2 + MARGIN / 2) as i32;
    let mut x = (MARGIN + Y_LABEL_AREA) as i32;
    for &(label, color) in items {
        header.draw(&Rectangle::new(
            [(x, middle - 5), (x + 12, middle + 5)],
            color.filled(),
        ))?;
        header.draw(&Text::new(label, (x + 18, middle), style.clone()))?;
        let width = header.estimate_text_size(label, &style)?.0 as i32;
        x += 18 + width + 24;
    }
    Ok(())
}
