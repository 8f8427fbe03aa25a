//! Ridge regression, scikit-learn's objective: min ||y − Xw − b||² + α||w||², b free.
//!
//! The centred normal equations are (XᵀX + αI − n·x̄x̄ᵀ) w = Xcᵀyc. XᵀX + αI is solved
//! by eliminating the largest one-hot block (diagonal) and factoring the small dense
//! Schur complement; the rank-one centring term is added by Sherman–Morrison.

use ndarray::Array2;

use super::blocks::BlockSplit;
use super::dense::{cholesky, cholesky_solve_many};
use super::gram::Gram;
use super::{LinearSolution, SolveError};

/// A factorisation of XᵀX + αI for one α, reusable for several right-hand sides.
pub struct RidgeSystem<'a> {
    split: &'a BlockSplit,
    alpha: f64,
    schur_factor: Array2<f64>,
}

impl<'a> RidgeSystem<'a> {
    pub fn new(split: &'a BlockSplit, alpha: f64) -> Result<Self, SolveError> {
        Ok(RidgeSystem {
            split,
            alpha,
            schur_factor: cholesky(split.reduce_lower(alpha)?)?,
        })
    }

    /// Solves (XᵀX + αI) z = v for each `v`, in global column order. The right-hand
    /// sides go through the sparse block loops and the triangular solves together, so
    /// each loop's memory is read once and the sums of different right-hand sides
    /// overlap; each is still added term by term in the order of a solve on its own.
    pub fn solve<const N: usize>(&self, v: [&[f64]; N]) -> [Vec<f64>; N] {
        let split = self.split;
        let v_b: [Vec<f64>; N] = v.map(|v| split.b_cols.iter().map(|&g| v[g]).collect());
        let mut v_r: [Vec<f64>; N] = v.map(|v| split.r_cols.iter().map(|&g| v[g]).collect());
        for (k, (c, &d)) in split.c_rows.iter().zip(&split.d).enumerate() {
            let scaled: [f64; N] = std::array::from_fn(|n| v_b[n][k] / (d + self.alpha));
            for &(i, ci) in c {
                for n in 0..N {
                    v_r[n][i] -= ci * scaled[n];
                }
            }
        }
        let z_r = cholesky_solve_many(&self.schur_factor, v_r);
        let mut z: [Vec<f64>; N] = std::array::from_fn(|n| vec![0.0; v[n].len()]);
        for (k, (c, (&d, &g))) in split
            .c_rows
            .iter()
            .zip(split.d.iter().zip(&split.b_cols))
            .enumerate()
        {
            // `Iterator::sum` starts from -0.0; so does this, for the same signed zeros.
            let mut cz = [-0.0; N];
            for &(i, ci) in c {
                for n in 0..N {
                    cz[n] += ci * z_r[n][i];
                }
            }
            for n in 0..N {
                z[n][g] = (v_b[n][k] - cz[n]) / (d + self.alpha);
            }
        }
        for n in 0..N {
            for (&g, &zr) in split.r_cols.iter().zip(&z_r[n]) {
                z[n][g] = zr;
            }
        }
        z
    }
}

pub fn solve_ridge(
    gram: &Gram,
    split: &BlockSplit,
    alpha: f64,
) -> Result<LinearSolution, SolveError> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(SolveError::Parameter(format!(
            "ridge needs alpha > 0 (got {alpha}); alpha = 0 is ordinary least squares"
        )));
    }
    let system = RidgeSystem::new(split, alpha)?;
    let n = gram.n_rows;
    let mean = gram.col_mean();
    let q = gram.centred_xty();
    let [z_q, z_m] = system.solve([&q, &mean]);
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let denominator = 1.0 - n * dot(&mean, &z_m);
    if denominator.is_nan() || denominator <= 0.0 {
        return Err(SolveError::Numerical(
            "alpha is too small for a stable ridge solve; use OLS or a larger alpha".to_string(),
        ));
    }
    let factor = n * dot(&mean, &z_q) / denominator;
    let coefficients: Vec<f64> = z_q.iter().zip(&z_m).map(|(a, b)| a + factor * b).collect();
    let intercept = gram.mean_y() - dot(&mean, &coefficients);
    Ok(LinearSolution {
        intercept,
        coefficients,
        iterations: 0,
        converged: true,
    })
}
