//! Ridge regression, scikit-learn's objective: min ||y − Xw − b||² + α||w||², b free.
//!
//! The centred normal equations are (XᵀX + αI − n·x̄x̄ᵀ) w = Xcᵀyc. XᵀX + αI is solved
//! by eliminating the largest one-hot block (diagonal) and factoring the small dense
//! Schur complement; the rank-one centring term is added by Sherman–Morrison.

use ndarray::Array2;

use super::blocks::BlockSplit;
use super::dense::{cholesky, cholesky_solve};
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
        let zeros_b = vec![0.0; split.b_cols.len()];
        let zeros_r = vec![0.0; split.r_cols.len()];
        let (schur, _) = split.reduce(alpha, &zeros_b, &zeros_r);
        Ok(RidgeSystem {
            split,
            alpha,
            schur_factor: cholesky(schur)?,
        })
    }

    /// Solves (XᵀX + αI) z = v, with `v` and `z` in global column order.
    pub fn solve(&self, v: &[f64]) -> Vec<f64> {
        let split = self.split;
        let v_b: Vec<f64> = split.b_cols.iter().map(|&g| v[g]).collect();
        let mut v_r: Vec<f64> = split.r_cols.iter().map(|&g| v[g]).collect();
        for ((c, &d), &vb) in split.c_rows.iter().zip(&split.d).zip(&v_b) {
            let scaled = vb / (d + self.alpha);
            for &(i, ci) in c {
                v_r[i] -= ci * scaled;
            }
        }
        let z_r = cholesky_solve(&self.schur_factor, &v_r);
        let mut z = vec![0.0; v.len()];
        for ((c, (&d, &vb)), &g) in split
            .c_rows
            .iter()
            .zip(split.d.iter().zip(&v_b))
            .zip(&split.b_cols)
        {
            let cz: f64 = c.iter().map(|&(i, ci)| ci * z_r[i]).sum();
            z[g] = (vb - cz) / (d + self.alpha);
        }
        for (&g, &zr) in split.r_cols.iter().zip(&z_r) {
            z[g] = zr;
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
    let z_q = system.solve(&q);
    let z_m = system.solve(&mean);
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
