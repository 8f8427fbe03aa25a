//! The survival function of the two-sided one-sample Kolmogorov–Smirnov statistic `D_n`,
//! `P(D_n > x)`, computed as SciPy's `kstwo.sf` does: Simard & L'Ecuyer's (2011) choice of
//! method by `n` and `n·x²` — Ruben–Gambino's closed forms at the ends, the Durbin matrix
//! (Marsaglia–Tsang–Wang), Pomeranz's recursion, Pelz–Good's expansion, and twice the
//! one-sided Smirnov tail where the two sides cannot both be crossed. `ks_2samp` answers
//! this with `n = round(n1·n2 / (n1 + n2))` once a sample has more than 10,000 values.
//!
//! Each method is accurate to far better than the 1e-6 that Flowbook's drift values are
//! held to against Evidently; the Smirnov tail sums Birnbaum and Tingey's terms in logs
//! (SciPy sums the same terms in double-double arithmetic).

use std::f64::consts::PI;

/// 2^128 and 2^-128: how the long products are kept inside f64's range.
const EP128: f64 = 3.402_823_669_209_385e38;
const EM128: f64 = 1.0 / EP128;
const E128: i32 = 128;
const MIN_LOG: f64 = -708.0;

/// `P(D_n > x)` for a sample of `n` values.
pub fn kstwo_sf(n: u64, x: f64) -> f64 {
    if n == 0 || x.is_nan() {
        return f64::NAN;
    }
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let t = nf * x;
    if t <= 1.0 {
        // Ruben–Gambino: 1/2n < x <= 1/n.
        if t <= 0.5 {
            return 1.0;
        }
        let cdf = if n <= 140 {
            (1..=n)
                .map(|i| i as f64 * (1.0 / nf) * (2.0 * t - 1.0))
                .product()
        } else {
            (log_nfactorial_div_n_pow_n(nf) + nf * (2.0 * t - 1.0).ln()).exp()
        };
        return clip(1.0 - cdf);
    }
    if t >= nf - 1.0 {
        return clip(2.0 * (1.0 - x).powf(nf));
    }
    if x >= 0.5 {
        return clip(2.0 * smirnov_sf(n, x));
    }
    let nxsquared = t * x;
    if n <= 140 {
        if nxsquared <= 0.754693 {
            return clip(1.0 - durbin_cdf(n, x));
        }
        if nxsquared <= 4.0 {
            return clip(1.0 - pomeranz_cdf(n, x));
        }
        return clip(2.0 * smirnov_sf(n, x));
    }
    if nxsquared >= 370.0 {
        return 0.0;
    }
    if nxsquared >= 2.2 {
        return clip(2.0 * smirnov_sf(n, x));
    }
    let cdf = if nxsquared >= 18.0 {
        1.0
    } else if n <= 100_000 && nf * x.powf(1.5) <= 1.4 {
        durbin_cdf(n, x)
    } else {
        pelz_good_cdf(n, x)
    };
    clip(1.0 - cdf)
}

fn clip(p: f64) -> f64 {
    p.clamp(0.0, 1.0)
}

/// `p · 2^exponent`, without overflowing on the way.
fn ldexp(mut p: f64, mut exponent: i32) -> f64 {
    while exponent > 1000 {
        p *= 2f64.powi(1000);
        exponent -= 1000;
    }
    while exponent < -1000 {
        p *= 2f64.powi(-1000);
        exponent += 1000;
    }
    p * 2f64.powi(exponent)
}

/// ln(n! / n^n) by Stirling's series.
fn log_nfactorial_div_n_pow_n(n: f64) -> f64 {
    const STIRLING: [f64; 8] = [
        -2.955_065_359_477_124e-2,
        6.410_256_410_256_41e-3,
        -1.917_526_917_526_917_5e-3,
        8.417_508_417_508_417e-4,
        -5.952_380_952_380_952e-4,
        7.936_507_936_507_937e-4,
        -2.777_777_777_777_778e-3,
        8.333_333_333_333_333e-2,
    ];
    let rn = 1.0 / n;
    let series = STIRLING.iter().fold(0.0, |acc, c| acc * (rn / n) + c);
    n.ln() / 2.0 - n + (2.0 * PI).ln() / 2.0 + rn * series
}

/// The one-sided tail `P(D+_n > x)`, Birnbaum and Tingey's sum
/// `x · Σ_{v ≤ n(1−x)} C(n, v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v)`, each term in logs.
fn smirnov_sf(n: u64, x: f64) -> f64 {
    let nf = n as f64;
    let last = (nf * (1.0 - x)).floor() as u64;
    let mut log_choose = 0.0;
    let mut sum = 0.0;
    for v in 0..=last {
        let vf = v as f64;
        let at = x + vf / nf;
        let rest = 1.0 - at;
        if rest > 0.0 {
            let log_term = log_choose + (vf - 1.0) * at.ln() + (nf - vf) * rest.ln();
            if log_term > MIN_LOG {
                sum += log_term.exp();
            }
        }
        log_choose += ((nf - vf) / (vf + 1.0)).ln();
    }
    sum * x
}

/// `P(D_n <= d)` by Durbin's matrix, its power taken by squaring (Marsaglia, Tsang and
/// Wang 2003), rescaled by 2^128 whenever it grows past it.
fn durbin_cdf(n: u64, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nd = n as f64 * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut v: Vec<f64> = (1..=m).map(|i| 1.0 - h.powf(i as f64)).collect();
    let mut w = vec![0.0; m];
    let mut fac = 1.0;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] *= fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powf(m as f64) - 2.0 * h.powf(m as f64);
    v[m - 1] = (1.0 + tt) * fac;
    let mut matrix = vec![0.0; m * m];
    for i in 1..m {
        for row in (i - 1)..m {
            matrix[row * m + i] = w[row - (i - 1)];
        }
    }
    for row in 0..m {
        matrix[row * m] = v[row];
    }
    for column in 0..m {
        matrix[(m - 1) * m + column] = v[m - 1 - column];
    }
    let mut power = vec![0.0; m * m];
    for i in 0..m {
        power[i * m + i] = 1.0;
    }
    let (mut nn, mut exponent, mut matrix_exponent) = (n, 0i32, 0i32);
    while nn > 0 {
        if nn % 2 == 1 {
            power = matmul(&power, &matrix, m);
            exponent += matrix_exponent;
        }
        matrix = matmul(&matrix, &matrix, m);
        matrix_exponent *= 2;
        if matrix[(k - 1) * m + (k - 1)].abs() > EP128 {
            matrix.iter_mut().for_each(|x| *x /= EP128);
            matrix_exponent += E128;
        }
        nn /= 2;
    }
    let mut p = power[(k - 1) * m + (k - 1)];
    for i in 1..=n {
        p = i as f64 * p / n as f64;
        if p.abs() < EM128 {
            p *= EP128;
            exponent -= E128;
        }
    }
    clip(ldexp(p, exponent))
}

fn matmul(a: &[f64], b: &[f64], m: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * m];
    for i in 0..m {
        for l in 0..m {
            let a_il = a[i * m + l];
            if a_il == 0.0 {
                continue;
            }
            for j in 0..m {
                out[i * m + j] += a_il * b[l * m + j];
            }
        }
    }
    out
}

/// The band of row `i` in Pomeranz's recursion.
fn pomeranz_band(i: i64, n: i64, ll: i64, ceilf: i64, roundf: i64) -> (i64, i64) {
    let (j1, j2) = if i == 0 {
        (-ll - ceilf - 1, ll + ceilf - 1)
    } else {
        let (half, odd) = ((i + 1) / 2, (i + 1) % 2);
        if odd == 0 {
            if half == n + 1 {
                (n - ll - ceilf - 1, n + ll + ceilf - 1)
            } else {
                (half - 1 - ll - roundf - 1, half + ll - 1 + ceilf - 1)
            }
        } else {
            (half - 1 - ll - 1, half + ll + roundf - 1)
        }
    };
    ((j1 + 2).max(0), j2.min(n))
}

/// `P(D_n <= x)` by Pomeranz's (1974) recursion, for n <= 140.
fn pomeranz_cdf(n: u64, x: f64) -> f64 {
    let (ni, nf) = (n as i64, n as f64);
    let t = nf * x;
    let ll = t.floor() as i64;
    let f = t - ll as f64;
    let g = f.min(1.0 - f);
    let ceilf = i64::from(f > 0.0);
    let roundf = i64::from(f > 0.5);
    let powers = (2 * (ll + 1)) as usize;
    let series = |ratio: f64| {
        let mut out = vec![1.0; powers];
        for m in 1..powers {
            out[m] = out[m - 1] * ratio / m as f64;
        }
        out
    };
    let g_power = series(g / nf);
    let two_g_power = series(2.0 * g / nf);
    let one_minus_two_g_power = series((1.0 - 2.0 * g) / nf);
    let mut v0 = vec![0.0; powers];
    let mut v1 = vec![0.0; powers];
    v1[0] = 1.0;
    let (mut v0_start, mut v1_start) = (0i64, 0i64);
    let mut exponent = 0i32;
    let mut j1 = pomeranz_band(0, ni, ll, ceilf, roundf).0;
    for i in 1..(2 * ni + 2) {
        let k1 = j1;
        std::mem::swap(&mut v0, &mut v1);
        std::mem::swap(&mut v0_start, &mut v1_start);
        v1.fill(0.0);
        let (band_start, j2) = pomeranz_band(i, ni, ll, ceilf, roundf);
        j1 = band_start;
        let weights = if i == 1 || i == 2 * ni + 1 {
            &g_power
        } else if i % 2 == 1 {
            &two_g_power
        } else {
            &one_minus_two_g_power
        };
        let len = j2 - k1 + 1;
        if len > 0 {
            // The bands stay inside the rows; out-of-range parts count as empty, as
            // NumPy's slices do, rather than stopping the page.
            let from = usize::try_from(k1 - v0_start).unwrap_or(0).min(v0.len());
            let len = len as usize;
            let row = &v0[from..(from + len).min(v0.len())];
            let weights = &weights[..len.min(weights.len())];
            let conv_start = usize::try_from(j1 - k1).unwrap_or(0);
            let conv_len = usize::try_from(j2 - j1 + 1).unwrap_or(0);
            // Entries conv_start.. of the full convolution of `row` and `weights`.
            for (out, slot) in v1.iter_mut().take(conv_len).enumerate() {
                let at = conv_start + out;
                *slot = row
                    .iter()
                    .enumerate()
                    .take(at + 1)
                    .filter_map(|(a, r)| weights.get(at - a).map(|w| r * w))
                    .sum();
            }
            let max = v1.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if 0.0 < max && max < EM128 {
                v1.iter_mut().for_each(|x| *x *= EP128);
                exponent -= E128;
            }
            v1_start = v0_start + j1 - k1;
        }
    }
    let mut answer = usize::try_from(ni - v1_start)
        .ok()
        .and_then(|at| v1.get(at).copied())
        .unwrap_or(0.0);
    for m in 1..=n {
        if answer.abs() > EP128 {
            answer *= EM128;
            exponent += E128;
        }
        answer *= m as f64;
    }
    clip(ldexp(answer, exponent))
}

/// `P(D_n <= x)` by Pelz and Good's (1976) expansion in 1/sqrt(n), for large n.
fn pelz_good_cdf(n: u64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let (pi2, pi4, pi6) = (PI * PI, PI.powi(4), PI.powi(6));
    let sqrt2pi = (2.0 * PI).sqrt();
    let z = (n as f64).sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z.powi(3), z.powi(4), z.powi(6));
    let qlog = -pi2 / 8.0 / z2;
    if qlog < MIN_LOG {
        return 0.0;
    }
    let q = qlog.exp();
    let (k1a, k1b) = (-z2, pi2 / 4.0);
    let k2a = 6.0 * z6 + 2.0 * z4;
    let k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut terms = [0.0f64; 4];
    let max_k = (16.0 * z / PI).ceil() as i64;
    for k in (1..=max_k).rev() {
        let m = (2 * k - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let q_power = q.powf(8.0 * k as f64);
        let coefficients = [
            1.0,
            k1a + k1b * m2,
            k2a + k2b * m2 + k2c * m4,
            k3a + k3b * m2 + k3c * m4 + k3d * m6,
        ];
        for (term, c) in terms.iter_mut().zip(coefficients) {
            *term = *term * q_power + c;
        }
    }
    let divisors = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for (term, divisor) in terms.iter_mut().zip(divisors) {
        *term = *term * q * sqrt2pi / divisor;
    }
    let q = (-pi2 / 2.0 / z2).exp();
    let sqrt3z = 3f64.sqrt() * z;
    let (mut k2_extra, mut k3_extra) = (0.0, 0.0);
    for k in (1..=max_k).rev() {
        let kf = k as f64;
        let k2 = kf * kf;
        let q_power = q.powf(k2);
        k2_extra += k2 * q_power;
        k3_extra += (sqrt3z + PI * kf) * (sqrt3z - PI * kf) * k2 * q_power;
    }
    terms[2] += k2_extra * pi2 * sqrt2pi / (-36.0 * z3);
    terms[3] += k3_extra * pi2 * sqrt2pi / (216.0 * z6);
    terms
        .iter()
        .enumerate()
        .map(|(i, term)| term / (n as f64).powf(i as f64 / 2.0))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where two methods meet, they agree: each is exact or accurate far past 1e-6, so a
    /// wrong port of one shows as a jump at its boundary.
    #[test]
    fn the_methods_agree_where_they_meet() {
        for n in [30u64, 100, 140] {
            for x in [0.08, 0.1, 0.15, 0.2, 0.25] {
                let (durbin, pomeranz) = (durbin_cdf(n, x), pomeranz_cdf(n, x));
                assert!(
                    (durbin - pomeranz).abs() < 1e-10,
                    "n {n} x {x}: {durbin} {pomeranz}"
                );
            }
        }
        for (n, x) in [(500u64, 0.06), (2000, 0.03), (800, 0.05)] {
            let (durbin, pelz) = (durbin_cdf(n, x), pelz_good_cdf(n, x));
            assert!((durbin - pelz).abs() < 1e-6, "n {n} x {x}: {durbin} {pelz}");
            let two_tails = 2.0 * smirnov_sf(n, x + 0.02);
            let exact = 1.0 - durbin_cdf(n, x + 0.02);
            assert!(
                (two_tails - exact).abs() < 1e-6,
                "n {n}: {two_tails} {exact}"
            );
        }
    }

    #[test]
    fn the_ends_and_a_known_value() {
        assert_eq!(kstwo_sf(100, 0.0), 1.0);
        assert_eq!(kstwo_sf(100, 1.0), 0.0);
        assert_eq!(kstwo_sf(100, 0.004), 1.0);
        // n = 1: D_1 = max(U, 1 − U) with U uniform, so P(D_1 > x) = 2(1 − x) for x >= 1/2.
        assert!((kstwo_sf(1, 0.7) - 0.6).abs() < 1e-15);
        // Kolmogorov's limit: P(sqrt(n) D_n > 1.36) is about 0.0494 for large n.
        let p = kstwo_sf(100_000, 1.36 / (100_000f64).sqrt());
        assert!((p - 0.0494).abs() < 2e-3, "{p}");
        let mut last = 1.0;
        for step in 1..200 {
            let p = kstwo_sf(837, step as f64 / 400.0);
            assert!(
                p <= last + 1e-12,
                "falls as x grows: {p} after {last} at step {step}"
            );
            last = p;
        }
    }
}
