//! Regression metrics, computed the way scikit-learn defines them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegressionMetrics {
    pub rows: usize,
    pub rmse: f64,
    pub mae: f64,
    pub r2: f64,
}

impl RegressionMetrics {
    /// Metrics of `predicted` against `actual`; NaN when there are no rows.
    pub fn compute(actual: &[f64], predicted: &[f64]) -> RegressionMetrics {
        let n = actual.len().min(predicted.len());
        Self::of_rows(actual.get(..n).unwrap_or(&[]), predicted.iter().copied())
    }

    /// `compute` over predictions made as they are read (no vector of them): the same
    /// sums in the same order, so the same figures to the last bit.
    pub fn of_rows(actual: &[f64], predicted: impl Iterator<Item = f64>) -> RegressionMetrics {
        Self::of_target(&TargetSums::of(actual), actual, predicted)
    }

    /// `of_rows` with the target's own sums made once (a search scores a thousand
    /// solutions against the same rows).
    pub fn of_target(
        target: &TargetSums,
        actual: &[f64],
        predicted: impl Iterator<Item = f64>,
    ) -> RegressionMetrics {
        let n = actual.len();
        if n == 0 {
            return RegressionMetrics {
                rows: 0,
                rmse: f64::NAN,
                mae: f64::NAN,
                r2: f64::NAN,
            };
        }
        let nf = n as f64;
        let (mut sse, mut sae) = (0.0, 0.0);
        for (&y, p) in actual.iter().zip(predicted) {
            let e = y - p;
            sse += e * e;
            sae += e.abs();
        }
        let sst = target.sst;
        RegressionMetrics {
            rows: n,
            rmse: (sse / nf).sqrt(),
            mae: sae / nf,
            r2: if sst > 0.0 { 1.0 - sse / sst } else { f64::NAN },
        }
    }
}

/// What R² needs of the actual values alone: the sum of squares about their mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetSums {
    pub sst: f64,
}

impl TargetSums {
    pub fn of(actual: &[f64]) -> TargetSums {
        let mean = actual.iter().sum::<f64>() / actual.len().max(1) as f64;
        let sst = actual
            .iter()
            .map(|&y| (y - mean) * (y - mean))
            .fold(0.0, |a, b| a + b);
        TargetSums { sst }
    }
}
