//! Histogram bins of the numerical columns, cut as XGBoost's `hist` method cuts them.
//!
//! A column's cut values are increasing; bin `k` holds the values in `[cut[k-1], cut[k])`
//! (bin 0 everything below `cut[0]`), and a split after bin `k` sends a row left when its
//! value is below `cut[k]`. With at most `max_bin` distinct values every value has a bin of
//! its own, so a split can fall between any two of them, as in XGBoost's exact method.
//! Values are compared as `f32`, as XGBoost and ONNX runtimes compare them.

/// The cut values of one numerical column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnCuts {
    pub cuts: Vec<f32>,
}

impl ColumnCuts {
    /// Cuts from the training values (NaN ignored): every distinct value after the
    /// smallest when there are at most `max_bin` of them, otherwise values at evenly spaced
    /// ranks; a last cut above the largest value closes the top bin.
    pub fn from_values(values: impl Iterator<Item = f64>, max_bin: usize) -> ColumnCuts {
        let mut sorted: Vec<f32> = values.map(|v| v as f32).filter(|v| !v.is_nan()).collect();
        sorted.sort_by(f32::total_cmp);
        let Some(&largest) = sorted.last() else {
            return ColumnCuts { cuts: vec![0.0] };
        };
        let mut distinct: Vec<f32> = sorted.clone();
        distinct.dedup();
        let mut cuts = Vec::with_capacity(max_bin.min(distinct.len()) + 1);
        if distinct.len() <= max_bin {
            cuts.extend(distinct.iter().skip(1));
        } else {
            let n = sorted.len();
            for k in 1..max_bin {
                let Some(&value) = sorted.get(k * n / max_bin) else {
                    continue;
                };
                if cuts.last().is_none_or(|&last| value > last) && value > sorted[0] {
                    cuts.push(value);
                }
            }
        }
        // XGBoost's closing cut: above the largest value by its magnitude.
        let closing = largest + (largest.abs() + 1e-5);
        if cuts.last().is_none_or(|&last| closing > last) {
            cuts.push(closing);
        }
        ColumnCuts { cuts }
    }

    pub fn n_bins(&self) -> usize {
        self.cuts.len()
    }

    /// The bin of a value: how many cuts are at or below it (NaN and values above the
    /// closing cut go to the top bin).
    pub fn bin(&self, value: f64) -> u16 {
        let value = value as f32;
        let top = self.cuts.len().saturating_sub(1);
        if value.is_nan() {
            return top as u16;
        }
        self.cuts.partition_point(|&cut| cut <= value).min(top) as u16
    }
}
