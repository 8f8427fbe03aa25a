//! Small dense linear algebra on the reduced systems (at most a few thousand unknowns).

use linfa_linalg::eigh::EighInto;
use ndarray::Array2;

use super::SolveError;

/// Cholesky factor `L` (lower) of a symmetric positive definite matrix.
pub fn cholesky(mut a: Array2<f64>) -> Result<Array2<f64>, SolveError> {
    let n = a.nrows();
    for j in 0..n {
        let mut d = a[[j, j]];
        for k in 0..j {
            d -= a[[j, k]] * a[[j, k]];
        }
        if !(d.is_finite() && d > 0.0) {
            return Err(SolveError::Numerical(format!(
                "the regularised system is not positive definite at column {j}"
            )));
        }
        let d = d.sqrt();
        a[[j, j]] = d;
        for i in (j + 1)..n {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= a[[i, k]] * a[[j, k]];
            }
            a[[i, j]] = s / d;
        }
        for i in 0..j {
            a[[i, j]] = 0.0;
        }
    }
    Ok(a)
}

/// Solves `L Lᵀ x = b` given the Cholesky factor.
pub fn cholesky_solve(l: &Array2<f64>, b: &[f64]) -> Vec<f64> {
    let n = l.nrows();
    let mut x: Vec<f64> = b.to_vec();
    for i in 0..n {
        let mut s = x[i];
        for k in 0..i {
            s -= l[[i, k]] * x[k];
        }
        x[i] = s / l[[i, i]];
    }
    for i in (0..n).rev() {
        let mut s = x[i];
        for k in (i + 1)..n {
            s -= l[[k, i]] * x[k];
        }
        x[i] = s / l[[i, i]];
    }
    x
}

/// Eigenvalues below this fraction of the largest are numerically zero. The matrices
/// are Gram matrices scaled to unit diagonal, so exact zeros come out near 1e-15.
pub const RANK_CUTOFF: f64 = 1e-11;

/// Solution and null space of a symmetric positive semi-definite system `S x = b`.
pub struct PseudoSolve {
    /// A solution of least norm in the scaled coordinates (any solution will do for
    /// the callers, which fix the null-space component themselves).
    pub x: Vec<f64>,
    /// Basis of the null space of `S`, one vector per entry.
    pub null_basis: Vec<Vec<f64>>,
}

/// Solves a singular symmetric PSD system through the eigendecomposition of its
/// unit-diagonal scaling, which makes the rank decision independent of column units.
pub fn pseudo_solve(
    s: &Array2<f64>,
    b: &[f64],
    reference_diag: &[f64],
) -> Result<PseudoSolve, SolveError> {
    let r = s.nrows();
    let mut null_basis = Vec::new();
    let mut active = Vec::with_capacity(r);
    let mut scale = vec![0.0; r];
    for j in 0..r {
        let d = s[[j, j]];
        let reference = reference_diag
            .get(j)
            .copied()
            .unwrap_or(1.0)
            .abs()
            .max(f64::MIN_POSITIVE);
        if d > 1e-12 * reference {
            scale[j] = 1.0 / d.sqrt();
            active.push(j);
        } else {
            let mut e = vec![0.0; r];
            e[j] = 1.0;
            null_basis.push(e);
        }
    }
    let mut x = vec![0.0; r];
    let a = active.len();
    if a > 0 {
        let scaled = Array2::from_shape_fn((a, a), |(i, j)| {
            let (gi, gj) = (active[i], active[j]);
            s[[gi, gj]] * scale[gi] * scale[gj]
        });
        let (values, vectors) = scaled
            .eigh_into()
            .map_err(|e| SolveError::Numerical(format!("eigendecomposition failed: {e}")))?;
        let largest = values.iter().fold(0.0_f64, |m, &v| m.max(v));
        let cutoff = largest * RANK_CUTOFF;
        let scaled_b: Vec<f64> = active.iter().map(|&g| b[g] * scale[g]).collect();
        for (l, &value) in values.iter().enumerate() {
            let u = vectors.column(l);
            if value > cutoff {
                let coef = u.iter().zip(&scaled_b).map(|(a, b)| a * b).sum::<f64>() / value;
                for (i, &g) in active.iter().enumerate() {
                    x[g] += coef * u[i] * scale[g];
                }
            } else {
                let mut v = vec![0.0; r];
                for (i, &g) in active.iter().enumerate() {
                    v[g] = u[i] * scale[g];
                }
                null_basis.push(v);
            }
        }
    }
    Ok(PseudoSolve { x, null_basis })
}
