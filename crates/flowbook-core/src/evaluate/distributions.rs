//! Distributions the Evaluate cell compares: actual against predicted durations on shared
//! bins, and the residuals with a short summary.

use serde::{Deserialize, Serialize};

use crate::data::Histogram;

/// Actual and predicted durations counted on the same bins, so the two can be overlaid.
pub fn overlaid_distributions(
    actual: &[f64],
    predicted: &[f64],
    lo: f64,
    hi: f64,
    bins: usize,
) -> (Histogram, Histogram) {
    (
        Histogram::new(actual.iter().copied(), lo, hi, bins),
        Histogram::new(predicted.iter().copied(), lo, hi, bins),
    )
}

/// A residual this small (minutes, either side) counts as a good prediction in the summary.
pub const WITHIN_MINUTES: f64 = 5.0;

/// Share of residuals the histogram's symmetric range covers; the rest is counted apart,
/// so a few extreme trips do not squash the picture.
const COVERED_QUANTILE: f64 = 0.99;

/// One-minute bins up to this many per side; wider ranges keep this many bins per side.
const MAX_BINS_PER_SIDE: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ResidualSummary {
    /// Rows with a finite residual; the summary and histogram are over these.
    pub rows: usize,
    /// Rows left out because the actual or predicted value was not a finite number.
    pub skipped: usize,
    pub mean: f64,
    /// Population standard deviation (divides by `rows`).
    pub std: f64,
    /// Share of rows with `|residual| <= WITHIN_MINUTES`.
    pub within_share: f64,
}

/// Residuals `actual − predicted` (positive: the trip took longer than predicted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Residuals {
    /// Symmetric around zero, ±(99th percentile of |residual|) rounded up to a minute.
    pub histogram: Histogram,
    pub summary: ResidualSummary,
}

/// Residuals of `predicted` against `actual` (paired by position), as a histogram and summary.
pub fn residuals(actual: &[f64], predicted: &[f64]) -> Residuals {
    let paired = actual.len().min(predicted.len());
    let values: Vec<f64> = actual
        .iter()
        .zip(predicted)
        .map(|(a, p)| a - p)
        .filter(|r| r.is_finite())
        .collect();
    let half_width = covering_half_width(&values);
    let bins_per_side = (half_width as usize).clamp(1, MAX_BINS_PER_SIDE);
    let histogram = Histogram::new(
        values.iter().copied(),
        -half_width,
        half_width,
        2 * bins_per_side,
    );
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / n;
    let within = values.iter().filter(|r| r.abs() <= WITHIN_MINUTES).count();
    Residuals {
        histogram,
        summary: ResidualSummary {
            rows: values.len(),
            skipped: paired - values.len(),
            mean,
            std: variance.sqrt(),
            within_share: within as f64 / n,
        },
    }
}

/// Whole minutes (at least one) that cover `COVERED_QUANTILE` of `|residual|`.
fn covering_half_width(values: &[f64]) -> f64 {
    let mut magnitudes: Vec<f64> = values.iter().map(|r| r.abs()).collect();
    if magnitudes.is_empty() {
        return 1.0;
    }
    let rank = ((COVERED_QUANTILE * magnitudes.len() as f64).ceil() as usize)
        .clamp(1, magnitudes.len())
        - 1;
    let (_, quantile, _) = magnitudes.select_nth_unstable_by(rank, f64::total_cmp);
    // Rounding up keeps the quantile itself inside the half-open range [−w, w).
    (quantile.floor() + 1.0).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residual_range_is_symmetric_and_covers_the_quantile() {
        let actual: Vec<f64> = (0..200).map(|i| i as f64 / 10.0).collect();
        let mut predicted: Vec<f64> = actual.iter().map(|a| a - 2.5).collect();
        predicted[0] = 1000.0; // one wild prediction stays out of the range
        predicted[1] = f64::NAN;
        let r = residuals(&actual, &predicted);
        assert_eq!((r.histogram.lo, r.histogram.hi), (-3.0, 3.0));
        assert_eq!(r.histogram.counts.len(), 6);
        assert_eq!((r.histogram.below, r.histogram.above), (1, 0));
        assert_eq!(r.histogram.counts[5], 198);
        assert_eq!((r.summary.rows, r.summary.skipped), (199, 1));
        assert!((r.summary.within_share - 198.0 / 199.0).abs() < 1e-15);
    }

    #[test]
    fn no_rows_give_an_empty_histogram_and_nan_summary() {
        let r = residuals(&[], &[]);
        assert_eq!(r.histogram.counts.iter().sum::<u64>(), 0);
        assert!(r.histogram.hi > r.histogram.lo);
        assert!(r.summary.mean.is_nan() && r.summary.within_share.is_nan());
        let (a, p) = overlaid_distributions(&[1.0, 70.0], &[2.0, f64::NAN], 0.0, 60.0, 60);
        assert_eq!((a.counts[1], a.above), (1, 1));
        assert_eq!((p.counts[2], p.below), (1, 1));
    }
}
