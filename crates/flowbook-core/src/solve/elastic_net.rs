//! Lasso and elastic net by cyclic coordinate descent on the Gram matrix, scikit-learn's
//! objective: (1/2n)||y − Xw − b||² + α·ρ||w||₁ + ½α(1−ρ)||w||², ρ = l1_ratio.
//!
//! The centred Gram A = XᵀX − n·x̄x̄ᵀ is never formed (it is dense): A·w is kept as
//! XᵀX·w (sparse updates) minus n·x̄·(x̄ᵀw). Convergence is judged by the duality gap,
//! as scikit-learn does, but run to a much tighter tolerance by default. Every few sweeps
//! the iterates are extrapolated (Anderson, see `anderson.rs`), and the extrapolated point
//! is taken when it lowers the objective.

use super::anderson::History;
use super::gram::Gram;
use super::{LinearSolution, SolveError};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoordinateDescentOptions {
    /// Stop when the duality gap falls below `tol · ycᵀyc`.
    pub tol: f64,
    pub max_sweeps: usize,
}

impl Default for CoordinateDescentOptions {
    fn default() -> Self {
        CoordinateDescentOptions {
            tol: 1e-10,
            max_sweeps: 100_000,
        }
    }
}

pub fn solve_elastic_net(
    gram: &Gram,
    alpha: f64,
    l1_ratio: f64,
    warm_start: Option<&[f64]>,
    options: CoordinateDescentOptions,
) -> Result<LinearSolution, SolveError> {
    check_parameters(alpha, l1_ratio)?;
    let n = gram.n_rows;
    let p = gram.n_columns();
    let mean = gram.col_mean();
    let q = gram.centred_xty();
    let yy = gram.centred_yy();
    let l1 = n * alpha * l1_ratio;
    let l2 = n * alpha * (1.0 - l1_ratio);
    let a_diag: Vec<f64> = (0..p)
        .map(|j| gram.diag[j] - n * mean[j] * mean[j])
        .collect();

    let mut w: Vec<f64> = match warm_start {
        Some(start) if start.len() == p => start.to_vec(),
        _ => vec![0.0; p],
    };
    // XᵀX·w and x̄ᵀw afresh; the sweeps keep both up to date incrementally in between.
    let products = |w: &[f64]| -> (Vec<f64>, f64) {
        (gram.times(w), mean.iter().zip(w).map(|(m, x)| m * x).sum())
    };
    let (mut gw, mut mean_dot_w) = products(&w);
    let mut sweeps = 0;
    let mut converged = false;
    let mut history = History::new();
    let problem = Problem {
        mean: &mean,
        q: &q,
        yy,
        n,
        l1,
        l2,
    };
    while sweeps < options.max_sweeps {
        sweeps += 1;
        let mut max_change = 0.0_f64;
        let mut max_w = 0.0_f64;
        for j in 0..p {
            let ajj = a_diag[j];
            if ajj <= 0.0 {
                continue;
            }
            let old = w[j];
            let aw_j = gw[j] - n * mean[j] * mean_dot_w;
            let rho = q[j] - aw_j + ajj * old;
            let new = soft_threshold(rho, l1) / (ajj + l2);
            let delta = new - old;
            if delta != 0.0 {
                w[j] = new;
                gw[j] += gram.diag[j] * delta;
                for &(row, value) in &gram.columns[j] {
                    gw[row as usize] += value * delta;
                }
                mean_dot_w += mean[j] * delta;
            }
            max_change = max_change.max(delta.abs());
            max_w = max_w.max(new.abs());
        }
        // Cheap test first, as scikit-learn does; the duality gap decides.
        if max_w == 0.0 || max_change / max_w < options.tol.sqrt() || sweeps == options.max_sweeps {
            (gw, mean_dot_w) = products(&w);
            let gap = problem.duality_gap(&w, &gw, mean_dot_w);
            if gap <= options.tol * yy {
                converged = true;
                break;
            }
        }
        if let Some(extrapolated) = history.push(&w) {
            let (g_extrapolated, m_extrapolated) = products(&extrapolated);
            if problem.primal(&extrapolated, &g_extrapolated, m_extrapolated)
                < problem.primal(&w, &gw, mean_dot_w)
            {
                w = extrapolated;
                gw = g_extrapolated;
                mean_dot_w = m_extrapolated;
            }
        }
    }
    let intercept = gram.mean_y() - mean.iter().zip(&w).map(|(m, x)| m * x).sum::<f64>();
    Ok(LinearSolution {
        intercept,
        coefficients: w,
        iterations: sweeps,
        converged,
    })
}

pub fn check_parameters(alpha: f64, l1_ratio: f64) -> Result<(), SolveError> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(SolveError::Parameter(format!(
            "lasso and elastic net need alpha > 0 (got {alpha})"
        )));
    }
    if !(0.0..=1.0).contains(&l1_ratio) {
        return Err(SolveError::Parameter(format!(
            "l1_ratio must lie in [0, 1] (got {l1_ratio})"
        )));
    }
    Ok(())
}

fn soft_threshold(x: f64, threshold: f64) -> f64 {
    if x > threshold {
        x - threshold
    } else if x < -threshold {
        x + threshold
    } else {
        0.0
    }
}

/// The n-scaled problem ½||r||² + l1||w||₁ + ½·l2||w||², r = yc − Xc w, as its
/// statistics give it: ||r||² = ycᵀyc − 2qᵀw + wᵀAw, A·w = XᵀX·w − n·x̄·(x̄ᵀw).
struct Problem<'a> {
    mean: &'a [f64],
    q: &'a [f64],
    yy: f64,
    n: f64,
    l1: f64,
    l2: f64,
}

/// One pass over the coefficients: what the objective and the duality gap are made of.
struct Sums {
    q_dot_w: f64,
    w_a_w: f64,
    w_norm2: f64,
    l1_norm: f64,
    /// max |Xcᵀr − l2·w|.
    dual_norm: f64,
}

impl Problem<'_> {
    /// `gw` = XᵀX·w (uncentred), `mean_dot_w` = x̄ᵀw.
    fn sums(&self, w: &[f64], gw: &[f64], mean_dot_w: f64) -> Sums {
        let mut sums = Sums {
            q_dot_w: 0.0,
            w_a_w: 0.0,
            w_norm2: 0.0,
            l1_norm: 0.0,
            dual_norm: 0.0,
        };
        for (((&w_j, &gw_j), &mean_j), &q_j) in w.iter().zip(gw).zip(self.mean).zip(self.q) {
            let aw_j = gw_j - self.n * mean_j * mean_dot_w;
            sums.q_dot_w += q_j * w_j;
            sums.w_a_w += w_j * aw_j;
            sums.w_norm2 += w_j * w_j;
            sums.l1_norm += w_j.abs();
            sums.dual_norm = sums.dual_norm.max((q_j - aw_j - self.l2 * w_j).abs());
        }
        sums
    }

    fn primal(&self, w: &[f64], gw: &[f64], mean_dot_w: f64) -> f64 {
        let s = self.sums(w, gw, mean_dot_w);
        0.5 * (self.yy - 2.0 * s.q_dot_w + s.w_a_w)
            + self.l1 * s.l1_norm
            + 0.5 * self.l2 * s.w_norm2
    }

    /// The duality gap, with the dual point scaled into the feasible set (scikit-learn's
    /// construction).
    fn duality_gap(&self, w: &[f64], gw: &[f64], mean_dot_w: f64) -> f64 {
        let s = self.sums(w, gw, mean_dot_w);
        let (yy, l1, l2) = (self.yy, self.l1, self.l2);
        let r_norm2 = (yy - 2.0 * s.q_dot_w + s.w_a_w).max(0.0);
        let r_dot_y = yy - s.q_dot_w;
        let (scale, mut gap) = if s.dual_norm > l1 {
            let scale = l1 / s.dual_norm;
            (scale, 0.5 * (r_norm2 + r_norm2 * scale * scale))
        } else {
            (1.0, r_norm2)
        };
        gap += l1 * s.l1_norm - scale * r_dot_y + 0.5 * l2 * (1.0 + scale * scale) * s.w_norm2;
        gap
    }
}
