//! Flowbook's charts. Each chart is a function over any plotters backend: the app draws on a
//! `<canvas>` (plotters-canvas), the tests draw to SVG and read the result back, so what a
//! chart shows is checked natively.

mod histogram;

pub use histogram::{draw_histograms, HistogramSeries};

use plotters::prelude::*;

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
