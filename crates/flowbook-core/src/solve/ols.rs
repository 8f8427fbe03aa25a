//! Ordinary least squares with an intercept, solved exactly. When the design is rank
//! deficient (one-hot blocks plus an intercept always are) the answer is the minimum-norm
//! solution of the centred problem, the one LSQR converges to from zero.
//!
//! Method: absorb the largest one-hot block B as per-category effects f (a fixed-effects
//! regression), solve the small dense reduced system for the rest R by eigendecomposition,
//! then choose, among all optimal solutions, the one of least norm. The freedom is
//! (a) the split of f into intercept + coefficients, settled by centring f, and (b) any
//! null space of the reduced system, settled by a small least-squares problem.

use ndarray::Array2;

use super::blocks::BlockSplit;
use super::dense::{cholesky, cholesky_solve, pseudo_solve};
use super::gram::Gram;
use super::{LinearSolution, SolveError};

pub fn solve_ols(gram: &Gram) -> Result<LinearSolution, SolveError> {
    let mut split = BlockSplit::largest(gram)?;
    let has_block = !split.b_cols.is_empty();
    let rhs_b: Vec<f64> = if has_block {
        split.b_cols.iter().map(|&g| gram.xty[g]).collect()
    } else {
        // No one-hot block: the intercept column plays its part.
        split.d = vec![gram.n_rows];
        split.c_rows = vec![split
            .r_cols
            .iter()
            .enumerate()
            .map(|(i, &g)| (i, gram.col_sum[g]))
            .collect()];
        vec![gram.sum_y]
    };
    let rhs_r: Vec<f64> = split.r_cols.iter().map(|&g| gram.xty[g]).collect();
    let (s, reduced) = split.reduce(0.0, &rhs_b, &rhs_r);
    let reference_diag: Vec<f64> = (0..split.g_r.nrows()).map(|i| split.g_r[[i, i]]).collect();
    let solved = pseudo_solve(&s, &reduced, &reference_diag)?;
    let mut w_r = solved.x;

    let effects = |w_r: &[f64]| -> Vec<f64> {
        split
            .c_rows
            .iter()
            .zip(&split.d)
            .zip(&rhs_b)
            .map(|((c, &d), &rb)| (rb - c.iter().map(|&(i, v)| v * w_r[i]).sum::<f64>()) / d)
            .collect()
    };
    let mut f = effects(&w_r);

    let q = solved.null_basis.len();
    if q > 0 {
        // Effects move by −D⁻¹C·n for a null direction n of the reduced system.
        let shifts: Vec<Vec<f64>> = solved
            .null_basis
            .iter()
            .map(|n| {
                split
                    .c_rows
                    .iter()
                    .zip(&split.d)
                    .map(|(c, &d)| -c.iter().map(|&(i, v)| v * n[i]).sum::<f64>() / d)
                    .collect()
            })
            .collect();
        let centred = |v: &[f64]| -> Vec<f64> {
            if !has_block {
                return vec![0.0; v.len()];
            }
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            v.iter().map(|x| x - mean).collect()
        };
        let a = centred(&f);
        let m: Vec<Vec<f64>> = shifts.iter().map(|s| centred(s)).collect();
        let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
        // Minimise ||a + M t||² + ||w_r + N t||² over t.
        let normal = Array2::from_shape_fn((q, q), |(i, j)| {
            dot(&m[i], &m[j]) + dot(&solved.null_basis[i], &solved.null_basis[j])
        });
        let rhs: Vec<f64> = (0..q)
            .map(|i| -dot(&m[i], &a) - dot(&solved.null_basis[i], &w_r))
            .collect();
        let t = cholesky_solve(&cholesky(normal)?, &rhs);
        for (tl, n) in t.iter().zip(&solved.null_basis) {
            for (w, nv) in w_r.iter_mut().zip(n) {
                *w += tl * nv;
            }
        }
        f = effects(&w_r);
    }

    let p = gram.n_columns();
    let mut coefficients = vec![0.0; p];
    for (&g, &w) in split.r_cols.iter().zip(&w_r) {
        coefficients[g] = w;
    }
    let intercept = f.iter().sum::<f64>() / f.len() as f64;
    if has_block {
        for (&g, &fk) in split.b_cols.iter().zip(&f) {
            coefficients[g] = fk - intercept;
        }
    }
    Ok(LinearSolution {
        intercept,
        coefficients,
        iterations: 0,
        converged: true,
    })
}
