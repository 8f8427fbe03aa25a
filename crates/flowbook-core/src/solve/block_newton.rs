//! A starting point for lasso and elastic net that coordinate descent then only has to
//! certify: the largest one-hot block B (PU_DO's thousands of zone pairs) is eliminated
//! in closed form, and proximal Newton runs on the few remaining columns.
//!
//! Why: B's columns never share a row, so for fixed other coefficients v (and intercept)
//! each of B's coefficients is one soft-threshold. Cyclic descent alternates between B
//! and the rest and converges slowly when they are correlated (hundreds of sweeps at
//! small alpha); the reduced problem in v has a few dozen unknowns, is convex and piecewise
//! quadratic, so Newton's method ends in a handful of steps.
//!
//! With z_j = X_jᵀ(y − X_V v), u_j = S(z_j, l1)/(d_j + l2) and the reduced objective is
//!   φ(v) = ½‖y − X_V v‖² + ½l2‖v̂‖² + l1‖v̂‖₁ − Σ_j (|z_j| − l1)₊² / (2(d_j + l2)),
//! where V holds the other columns and the intercept (v̂: v without the intercept, which
//! is not penalised). Its gradient is G_VV·v − X_Vᵀy + l2·v̂ + Σ_j u_j·C_j and its
//! generalised Hessian G_VV + l2·Î − Σ_{|z_j| > l1} C_j C_jᵀ / (d_j + l2), C_j = X_Vᵀx_j.

use ndarray::Array2;

use super::blocks::BlockSplit;
use super::dense::{cholesky, cholesky_solve};
use super::gram::Gram;

/// Newton steps at most; a piecewise-quadratic objective usually needs fewer than ten.
const MAX_STEPS: usize = 50;
/// Columns outside the block beyond which the dense steps cost more than they save (the
/// PU+DO sets, two blocks of a few hundred zones, stay with coordinate descent alone).
const MAX_REST: usize = 64;
/// Sweeps of the small subproblem at most.
const MAX_SUB_SWEEPS: usize = 5_000;

/// The problem in the rest's coefficients (the last one is the intercept).
struct Reduced<'a> {
    split: &'a BlockSplit,
    /// X_Bᵀy.
    c: Vec<f64>,
    /// G_VV, row-major, k × k.
    g: Vec<f64>,
    /// X_Vᵀy.
    xvy: Vec<f64>,
    yy: f64,
    l1: f64,
    l2: f64,
    k: usize,
}

/// φ(v) and what the step needs from the same pass over B.
struct Local {
    value: f64,
    gradient: Vec<f64>,
    hessian: Vec<f64>,
}

impl Reduced<'_> {
    fn z(&self, j: usize, v: &[f64]) -> f64 {
        let intercept = v[self.k - 1];
        let cv: f64 = self.split.c_rows[j].iter().map(|&(i, c)| c * v[i]).sum();
        self.c[j] - cv - self.split.d[j] * intercept
    }

    /// φ alone (for the line search).
    fn value(&self, v: &[f64]) -> f64 {
        let k = self.k;
        let mut value = 0.5 * self.yy;
        for a in 0..k {
            let ga: f64 = (0..k).map(|b| self.g[a * k + b] * v[b]).sum();
            value += 0.5 * v[a] * ga - self.xvy[a] * v[a];
        }
        for &x in &v[..k - 1] {
            value += 0.5 * self.l2 * x * x + self.l1 * x.abs();
        }
        for j in 0..self.split.d.len() {
            let excess = (self.z(j, v).abs() - self.l1).max(0.0);
            value -= excess * excess / (2.0 * (self.split.d[j] + self.l2));
        }
        value
    }

    fn local(&self, v: &[f64]) -> Local {
        let k = self.k;
        let mut gradient: Vec<f64> = (0..k)
            .map(|a| (0..k).map(|b| self.g[a * k + b] * v[b]).sum::<f64>() - self.xvy[a])
            .collect();
        let mut hessian = self.g.clone();
        for a in 0..k - 1 {
            gradient[a] += self.l2 * v[a];
            hessian[a * k + a] += self.l2;
        }
        let mut column = Vec::with_capacity(k);
        for (j, (c_row, &d)) in self.split.c_rows.iter().zip(&self.split.d).enumerate() {
            let z = self.z(j, v);
            let excess = z.abs() - self.l1;
            if excess <= 0.0 {
                continue;
            }
            let denominator = d + self.l2;
            let u = excess.copysign(z) / denominator;
            column.clear();
            column.extend(c_row.iter().copied());
            column.push((k - 1, d));
            for &(a, ca) in &column {
                gradient[a] += u * ca;
                let scaled = ca / denominator;
                for &(b, cb) in &column {
                    hessian[a * k + b] -= scaled * cb;
                }
            }
        }
        Local {
            value: self.value(v),
            gradient,
            hessian,
        }
    }

    /// Minimises gᵀ(x − v) + ½(x − v)ᵀH(x − v) + l1‖x̂‖₁ (a small lasso): coordinate
    /// descent finds the nonzero set and signs, then one exact solve on that set polishes.
    fn step_target(&self, v: &[f64], local: &Local) -> Vec<f64> {
        let k = self.k;
        let h = &local.hessian;
        // A whisper of damping keeps exactly collinear directions (the hours summing to the
        // intercept) solvable; the line search and the final certificate decide anyway.
        let trace: f64 = (0..k).map(|a| h[a * k + a].abs()).sum();
        let damping = 1e-12 * trace / k as f64;
        let b: Vec<f64> = (0..k)
            .map(|a| {
                (0..k).map(|c| h[a * k + c] * v[c]).sum::<f64>() - local.gradient[a]
                    + damping * v[a]
            })
            .collect();
        let threshold = |a: usize| if a + 1 < k { self.l1 } else { 0.0 };
        let mut x = v.to_vec();
        for sweep in 0..MAX_SUB_SWEEPS {
            let mut change = 0.0_f64;
            let mut largest = 0.0_f64;
            for a in 0..k {
                let haa = h[a * k + a] + damping;
                if haa <= 0.0 {
                    continue;
                }
                let off: f64 = (0..k)
                    .filter(|&c| c != a)
                    .map(|c| h[a * k + c] * x[c])
                    .sum();
                let new = soft_threshold(b[a] - off, threshold(a)) / haa;
                change = change.max((new - x[a]).abs());
                largest = largest.max(new.abs());
                x[a] = new;
            }
            if change <= 1e-15 * largest.max(1.0) {
                break;
            }
            if sweep % 10 == 9 {
                if let Some(exact) = self.polish(h, damping, &b, &x) {
                    return exact;
                }
            }
        }
        x
    }

    /// The subproblem's exact minimiser if `x`'s nonzero set and signs are right: solves
    /// the linear system on that set and checks the optimality conditions off it.
    fn polish(&self, h: &[f64], damping: f64, b: &[f64], x: &[f64]) -> Option<Vec<f64>> {
        let k = self.k;
        let on: Vec<usize> = (0..k).filter(|&a| a + 1 == k || x[a] != 0.0).collect();
        let m = on.len();
        let mut system = Array2::<f64>::zeros((m, m));
        let mut rhs = vec![0.0; m];
        for (i, &a) in on.iter().enumerate() {
            for (j, &c) in on.iter().enumerate() {
                system[[i, j]] = h[a * k + c];
            }
            system[[i, i]] += damping;
            let penalty = if a + 1 < k {
                self.l1 * x[a].signum()
            } else {
                0.0
            };
            rhs[i] = b[a] - penalty;
        }
        let solved = cholesky_solve(&cholesky(system).ok()?, &rhs);
        let mut exact = vec![0.0; k];
        for (&a, &value) in on.iter().zip(&solved) {
            if a + 1 < k && value * x[a] <= 0.0 {
                return None;
            }
            exact[a] = value;
        }
        let slack = 1e-9 * self.l1.max(f64::MIN_POSITIVE);
        for a in (0..k - 1).filter(|&a| x[a] == 0.0) {
            let pull: f64 = b[a] - (0..k).map(|c| h[a * k + c] * exact[c]).sum::<f64>();
            if pull.abs() > self.l1 + slack {
                return None;
            }
        }
        exact.iter().all(|e| e.is_finite()).then_some(exact)
    }

    fn l1_part(&self, v: &[f64]) -> f64 {
        self.l1 * v[..self.k - 1].iter().map(|x| x.abs()).sum::<f64>()
    }
}

fn soft_threshold(x: f64, threshold: f64) -> f64 {
    (x.abs() - threshold).max(0.0).copysign(x)
}

/// Coefficients (global column order) near the minimiser of the n-scaled objective
/// ½‖y − Xw − b‖² + l1‖w‖₁ + ½l2‖w‖², or `None` when there is no block to eliminate or
/// the steps fail to make progress (coordinate descent then starts from zero).
pub fn block_newton_start(gram: &Gram, split: &BlockSplit, l1: f64, l2: f64) -> Option<Vec<f64>> {
    if split.b_cols.is_empty() || split.r_cols.len() > MAX_REST {
        return None;
    }
    let r = split.r_cols.len();
    let k = r + 1;
    let mut g = vec![0.0; k * k];
    for a in 0..r {
        for b in 0..r {
            g[a * k + b] = split.g_r[[a, b]];
        }
        let sum = gram.col_sum[split.r_cols[a]];
        g[a * k + r] = sum;
        g[r * k + a] = sum;
    }
    g[r * k + r] = gram.n_rows;
    let mut xvy: Vec<f64> = split.r_cols.iter().map(|&col| gram.xty[col]).collect();
    xvy.push(gram.sum_y);
    let reduced = Reduced {
        split,
        c: split.b_cols.iter().map(|&col| gram.xty[col]).collect(),
        g,
        xvy,
        yy: gram.sum_yy,
        l1,
        l2,
        k,
    };
    let mut v = vec![0.0; k];
    v[r] = gram.mean_y();
    let mut rounding_steps = 0;
    for _ in 0..MAX_STEPS {
        let local = reduced.local(&v);
        let target = reduced.step_target(&v, &local);
        let direction: Vec<f64> = target.iter().zip(&v).map(|(t, x)| t - x).collect();
        let step = direction.iter().fold(0.0_f64, |m, d| m.max(d.abs()));
        let size = v.iter().fold(1.0_f64, |m, x| m.max(x.abs()));
        if !step.is_finite() {
            return None;
        }
        if step <= 1e-13 * size {
            break;
        }
        let decrease = direction
            .iter()
            .zip(&local.gradient)
            .map(|(d, g)| d * g)
            .sum::<f64>()
            + reduced.l1_part(&target)
            - reduced.l1_part(&v);
        // φ sums thousands of terms: once the predicted decrease is down to its rounding,
        // the values cannot judge a step, and the full Newton step is taken (the objective
        // is piecewise quadratic, so near the optimum that step is exact). Two such steps
        // end it: beyond them, a zone pair at its threshold may flip back and forth.
        if decrease.abs() <= 1e-12 * local.value.abs() {
            v = target;
            rounding_steps += 1;
            if rounding_steps == 2 {
                break;
            }
            continue;
        }
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            let trial: Vec<f64> = v.iter().zip(&direction).map(|(x, d)| x + t * d).collect();
            if reduced.value(&trial) <= local.value + 1e-4 * t * decrease {
                v = trial;
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            break;
        }
    }
    let mut w = vec![0.0; gram.n_columns()];
    for (j, &col) in split.b_cols.iter().enumerate() {
        let z = reduced.z(j, &v);
        w[col] = soft_threshold(z, l1) / (split.d[j] + l2);
    }
    for (a, &col) in split.r_cols.iter().enumerate() {
        w[col] = v[a];
    }
    w.iter().all(|x| x.is_finite()).then_some(w)
}
