//! One pass over the rows accumulates the sufficient statistics of least squares: XᵀX
//! (sparse, since one-hot rows have one active column per categorical feature), Xᵀy,
//! column sums and yᵀy. Memory grows with the number of distinct column pairs, never
//! with the number of rows.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::features::{Design, UNSEEN};

/// A multiplicative hash for the packed `(row, column)` keys: far cheaper than SipHash,
/// and the keys are ours, not an attacker's.
#[derive(Default)]
pub struct PairHasher(u64);

impl Hasher for PairHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = (value ^ (value >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type PairMap = HashMap<u64, f64, BuildHasherDefault<PairHasher>>;

/// Where each feature's columns sit: the categorical blocks in order, then the numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub block_sizes: Vec<usize>,
    pub n_numerical: usize,
}

impl Layout {
    pub fn block_offset(&self, block: usize) -> usize {
        self.block_sizes.iter().take(block).sum()
    }

    pub fn numeric_offset(&self) -> usize {
        self.block_sizes.iter().sum()
    }

    pub fn n_columns(&self) -> usize {
        self.numeric_offset() + self.n_numerical
    }
}

/// XᵀX and friends for the uncentred design (no intercept column).
#[derive(Debug, Clone)]
pub struct Gram {
    pub layout: Layout,
    pub n_rows: f64,
    pub sum_y: f64,
    pub sum_yy: f64,
    pub col_sum: Vec<f64>,
    pub xty: Vec<f64>,
    pub diag: Vec<f64>,
    /// Off-diagonal entries of each column, `(row, value)`, both triangles, sorted by row.
    pub columns: Vec<Vec<(u32, f64)>>,
}

impl Gram {
    pub fn accumulate(design: &Design, layout: &Layout) -> Gram {
        let p = layout.n_columns();
        let offsets: Vec<usize> = (0..layout.block_sizes.len())
            .map(|b| layout.block_offset(b))
            .collect();
        let numeric_offset = layout.numeric_offset();
        let mut gram = Gram {
            layout: layout.clone(),
            n_rows: design.n_rows as f64,
            sum_y: 0.0,
            sum_yy: 0.0,
            col_sum: vec![0.0; p],
            xty: vec![0.0; p],
            diag: vec![0.0; p],
            columns: vec![Vec::new(); p],
        };
        let mut pairs = PairMap::default();
        let mut active: Vec<(u32, f64)> = Vec::with_capacity(offsets.len() + layout.n_numerical);
        for i in 0..design.n_rows {
            let y = design.target.get(i).copied().unwrap_or(0.0);
            gram.sum_y += y;
            gram.sum_yy += y * y;
            active.clear();
            for (&code, &offset) in design.row_codes(i).iter().zip(&offsets) {
                if code != UNSEEN {
                    active.push(((offset + code as usize) as u32, 1.0));
                }
            }
            for (j, &x) in design.row_numeric(i).iter().enumerate() {
                active.push(((numeric_offset + j) as u32, x));
            }
            for (a, &(col_a, x_a)) in active.iter().enumerate() {
                let ca = col_a as usize;
                if let (Some(s), Some(t), Some(d)) = (
                    gram.col_sum.get_mut(ca),
                    gram.xty.get_mut(ca),
                    gram.diag.get_mut(ca),
                ) {
                    *s += x_a;
                    *t += x_a * y;
                    *d += x_a * x_a;
                }
                for &(col_b, x_b) in active.iter().skip(a + 1) {
                    let (lo, hi) = if col_a < col_b {
                        (col_a, col_b)
                    } else {
                        (col_b, col_a)
                    };
                    let key = (u64::from(lo) << 32) | u64::from(hi);
                    *pairs.entry(key).or_insert(0.0) += x_a * x_b;
                }
            }
        }
        for (key, value) in pairs {
            let lo = (key >> 32) as u32;
            let hi = (key & 0xffff_ffff) as u32;
            if let Some(column) = gram.columns.get_mut(lo as usize) {
                column.push((hi, value));
            }
            if let Some(column) = gram.columns.get_mut(hi as usize) {
                column.push((lo, value));
            }
        }
        for column in &mut gram.columns {
            column.sort_unstable_by_key(|&(row, _)| row);
        }
        gram
    }

    pub fn n_columns(&self) -> usize {
        self.diag.len()
    }

    pub fn mean_y(&self) -> f64 {
        self.sum_y / self.n_rows
    }

    pub fn col_mean(&self) -> Vec<f64> {
        self.col_sum.iter().map(|s| s / self.n_rows).collect()
    }

    /// Xcᵀyc: the right-hand side of the centred normal equations.
    pub fn centred_xty(&self) -> Vec<f64> {
        let mean_y = self.mean_y();
        self.xty
            .iter()
            .zip(&self.col_sum)
            .map(|(xty, s)| xty - s * mean_y)
            .collect()
    }

    /// ycᵀyc.
    pub fn centred_yy(&self) -> f64 {
        self.sum_yy - self.sum_y * self.mean_y()
    }

    /// XᵀX·w (uncentred).
    pub fn times(&self, w: &[f64]) -> Vec<f64> {
        let mut out: Vec<f64> = self.diag.iter().zip(w).map(|(d, x)| d * x).collect();
        for (out_j, column) in out.iter_mut().zip(&self.columns) {
            *out_j += column
                .iter()
                .map(|&(row, v)| v * w.get(row as usize).copied().unwrap_or(0.0))
                .sum::<f64>();
        }
        out
    }
}
