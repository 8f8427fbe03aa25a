//! Splitting XᵀX into an absorbed one-hot block B, whose Gram block is diagonal (each
//! row has exactly one of its categories), and the rest R, kept dense. Eliminating B
//! costs one division per category, so a feature with thousands of categories (PU_DO)
//! leaves only a small dense system in R.

use ndarray::Array2;

use super::gram::Gram;
use super::SolveError;

/// Largest dense system the solvers form, in unknowns (a 4,000² matrix is 128 MB).
pub const MAX_DENSE: usize = 4_000;

pub struct BlockSplit {
    /// Global column indices of the absorbed block (empty when there is none).
    pub b_cols: Vec<usize>,
    /// Global column indices of the rest, in order.
    pub r_cols: Vec<usize>,
    /// Diagonal of the absorbed block: category counts.
    pub d: Vec<f64>,
    /// For each absorbed column, its XᵀX entries with the rest: `(index into r_cols, value)`.
    pub c_rows: Vec<Vec<(usize, f64)>>,
    /// XᵀX restricted to the rest.
    pub g_r: Array2<f64>,
}

impl BlockSplit {
    /// Absorbs the largest categorical block, if any.
    pub fn largest(gram: &Gram) -> Result<BlockSplit, SolveError> {
        let layout = &gram.layout;
        let block = (0..layout.block_sizes.len()).max_by_key(|&b| layout.block_sizes[b]);
        let b_range = match block {
            Some(b) => layout.block_offset(b)..layout.block_offset(b) + layout.block_sizes[b],
            None => 0..0,
        };
        let p = gram.n_columns();
        let b_cols: Vec<usize> = b_range.clone().collect();
        let r_cols: Vec<usize> = (0..p).filter(|j| !b_range.contains(j)).collect();
        if r_cols.len() > MAX_DENSE {
            return Err(SolveError::TooLarge {
                columns: r_cols.len(),
                limit: MAX_DENSE,
            });
        }
        let mut r_index = vec![usize::MAX; p];
        for (i, &g) in r_cols.iter().enumerate() {
            r_index[g] = i;
        }
        let r = r_cols.len();
        let mut g_r = Array2::<f64>::zeros((r, r));
        for (i, &g) in r_cols.iter().enumerate() {
            g_r[[i, i]] = gram.diag[g];
            for &(row, value) in &gram.columns[g] {
                let ri = r_index[row as usize];
                if ri != usize::MAX {
                    g_r[[ri, i]] = value;
                }
            }
        }
        let mut d = Vec::with_capacity(b_cols.len());
        let mut c_rows = Vec::with_capacity(b_cols.len());
        for &g in &b_cols {
            d.push(gram.diag[g]);
            let row: Vec<(usize, f64)> = gram.columns[g]
                .iter()
                .filter_map(|&(other, value)| {
                    let ri = r_index[other as usize];
                    (ri != usize::MAX).then_some((ri, value))
                })
                .collect();
            c_rows.push(row);
        }
        Ok(BlockSplit {
            b_cols,
            r_cols,
            d,
            c_rows,
            g_r,
        })
    }

    /// Schur complement `G_R + shift·I − Σ_k c_k c_kᵀ / (d_k + shift)` and the matching
    /// reduced right-hand side for `rhs` (global indexing).
    pub fn reduce(&self, shift: f64, rhs_b: &[f64], rhs_r: &[f64]) -> (Array2<f64>, Vec<f64>) {
        let mut s = self.g_r.clone();
        let mut reduced = rhs_r.to_vec();
        for i in 0..s.nrows() {
            s[[i, i]] += shift;
        }
        for ((c, &d), &rb) in self.c_rows.iter().zip(&self.d).zip(rhs_b) {
            let inv = 1.0 / (d + shift);
            for &(i, ci) in c {
                reduced[i] -= ci * rb * inv;
                for &(j, cj) in c {
                    s[[i, j]] -= ci * cj * inv;
                }
            }
        }
        (s, reduced)
    }

    /// The lower triangle of `reduce(shift, ..)`'s matrix, for a Cholesky factorisation,
    /// which reads nothing else: half the work, and each entry the same to the last bit
    /// (the same products subtracted in the same order). The upper triangle is stale.
    pub fn reduce_lower(&self, shift: f64) -> Result<Array2<f64>, SolveError> {
        let r = self.g_r.nrows();
        // Row-major: a copy of `g_r` as it is built, element by element otherwise.
        let mut data: Vec<f64> = match self.g_r.as_slice() {
            Some(row_major) => row_major.to_vec(),
            None => self.g_r.iter().copied().collect(),
        };
        for i in 0..r {
            data[i * r + i] += shift;
        }
        for (c, &d) in self.c_rows.iter().zip(&self.d) {
            let inv = 1.0 / (d + shift);
            // `c` is sorted by index (the Gram's columns are), so `c[..=a]` is j ≤ i.
            for (a, &(i, ci)) in c.iter().enumerate() {
                let row = &mut data[i * r..(i + 1) * r];
                for &(j, cj) in &c[..=a] {
                    row[j] -= ci * cj * inv;
                }
            }
        }
        Array2::from_shape_vec((r, r), data)
            .map_err(|e| SolveError::Numerical(format!("the reduced system: {e}")))
    }
}
