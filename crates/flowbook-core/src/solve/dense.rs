//! Small dense linear algebra on the reduced systems (at most a few thousand unknowns).

use linfa_linalg::eigh::EighInto;
use ndarray::Array2;

use super::SolveError;

/// Cholesky factor `L` (lower) of a symmetric positive definite matrix. Only the lower
/// triangle of `a` is read, so callers may leave the upper one stale.
///
/// The loops run over row slices (the matrix is row-major) rather than indexing each
/// entry: a search factors a thousand of these, and the sums are still taken one term
/// at a time in ascending order, so the factor is the same to the last bit.
pub fn cholesky(a: Array2<f64>) -> Result<Array2<f64>, SolveError> {
    let n = a.nrows();
    let mut a = a.as_standard_layout().into_owned();
    let data = a
        .as_slice_mut()
        .ok_or_else(|| SolveError::Numerical("the system is not a contiguous matrix".into()))?;
    for j in 0..n {
        let (above, rest) = data.split_at_mut(j * n);
        let (row_j, below) = rest.split_at_mut(n);
        let d = row_j[..j].iter().fold(row_j[j], |d, &x| d - x * x);
        if !(d.is_finite() && d > 0.0) {
            return Err(SolveError::Numerical(format!(
                "the regularised system is not positive definite at column {j}"
            )));
        }
        let d = d.sqrt();
        row_j[j] = d;
        let row_j = &row_j[..j];
        // Four rows at a time: four independent sums keep the multiplier busy where one
        // would wait on each subtraction.
        let mut groups = below.chunks_exact_mut(4 * n);
        for group in &mut groups {
            let (r0, rest) = group.split_at_mut(n);
            let (r1, rest) = rest.split_at_mut(n);
            let (r2, r3) = rest.split_at_mut(n);
            let mut s = [r0[j], r1[j], r2[j], r3[j]];
            let (a0, a1, a2, a3) = (&r0[..j], &r1[..j], &r2[..j], &r3[..j]);
            for (k, &y) in row_j.iter().enumerate() {
                s[0] -= a0[k] * y;
                s[1] -= a1[k] * y;
                s[2] -= a2[k] * y;
                s[3] -= a3[k] * y;
            }
            r0[j] = s[0] / d;
            r1[j] = s[1] / d;
            r2[j] = s[2] / d;
            r3[j] = s[3] / d;
        }
        for row_i in groups.into_remainder().chunks_exact_mut(n) {
            let s = row_i[..j]
                .iter()
                .zip(row_j)
                .fold(row_i[j], |s, (&x, &y)| s - x * y);
            row_i[j] = s / d;
        }
        for row_i in above.chunks_exact_mut(n) {
            row_i[j] = 0.0;
        }
    }
    Ok(a)
}

/// Solves `L Lᵀ x = b` given the Cholesky factor.
pub fn cholesky_solve(l: &Array2<f64>, b: &[f64]) -> Vec<f64> {
    let [x] = cholesky_solve_many(l, [b.to_vec()]);
    x
}

/// `cholesky_solve` for several right-hand sides at once: each is solved with the same
/// operations in the same order as on its own, but their sums run side by side.
pub fn cholesky_solve_many<const N: usize>(l: &Array2<f64>, b: [Vec<f64>; N]) -> [Vec<f64>; N] {
    let n = l.nrows();
    let l = l.as_standard_layout();
    let rows: Vec<&[f64]> = l
        .as_slice()
        .map_or(Vec::new(), |d| d.chunks_exact(n.max(1)).collect());
    let mut x = b;
    if rows.len() != n || x.iter().any(|x| x.len() < n) {
        return x.map(|b| vec![f64::NAN; b.len()]);
    }
    for (i, row) in rows.iter().enumerate() {
        let mut s: [f64; N] = std::array::from_fn(|m| x[m][i]);
        for (k, &l_ik) in row[..i].iter().enumerate() {
            for m in 0..N {
                s[m] -= l_ik * x[m][k];
            }
        }
        for m in 0..N {
            x[m][i] = s[m] / row[i];
        }
    }
    for i in (0..n).rev() {
        let mut s: [f64; N] = std::array::from_fn(|m| x[m][i]);
        for (k, row) in rows.iter().enumerate().skip(i + 1) {
            for m in 0..N {
                s[m] -= row[i] * x[m][k];
            }
        }
        for m in 0..N {
            x[m][i] = s[m] / rows[i][i];
        }
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
