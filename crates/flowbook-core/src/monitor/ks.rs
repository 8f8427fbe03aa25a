//! The two-sample Kolmogorov–Smirnov p-value (two-sided) as SciPy's `ks_2samp` computes
//! it by default: exactly, by counting lattice paths, when neither sample has more than
//! 10,000 values; beyond that from the Kolmogorov distribution `kstwo` at
//! `n = round(n1·n2 / (n1 + n2))`, as does an exact count that fails. Evidently picks
//! K-S for references of at most 1,000 values, and a later month may have many more.

use super::kolmogorov::kstwo_sf;

/// SciPy's `MAX_AUTO_N`: the largest sample counted exactly.
const MAX_EXACT_N: usize = 10_000;

/// Both samples sorted ascending and not empty.
pub fn ks_2samp_p_value(reference: &[f64], current: &[f64]) -> f64 {
    let (n1, n2) = (reference.len(), current.len());
    let d = ks_statistic(reference, current);
    if n1.max(n2) > MAX_EXACT_N {
        return asymptotic_p_value(n1, n2, d);
    }
    let g = gcd(n1, n2);
    let lcm = (n1 / g) * n2;
    let h = (d * lcm as f64).round() as usize;
    if h == 0 {
        return 1.0;
    }
    let p = if n1 == n2 {
        prob_outside_square(n1, h)
    } else {
        outer_prob_inside(n1, n2, g, h)
    };
    if (0.0..=1.0).contains(&p) {
        p
    } else {
        // SciPy's exact count gave up: it answers from the distribution at the lattice's d.
        asymptotic_p_value(n1, n2, h as f64 / lcm as f64)
    }
}

fn asymptotic_p_value(n1: usize, n2: usize, d: f64) -> f64 {
    let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
    let en = m * n / (m + n);
    kstwo_sf(en.round_ties_even() as u64, d).clamp(0.0, 1.0)
}

/// The largest distance between the two empirical CDFs.
fn ks_statistic(a: &[f64], b: &[f64]) -> f64 {
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut d: f64 = 0.0;
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    d.max((i as f64 / na - j as f64 / nb).abs())
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// SciPy's `_compute_prob_outside_square`: equal sizes.
fn prob_outside_square(n: usize, h: usize) -> f64 {
    let mut p = 0.0;
    let mut k = (n / h) as i64;
    let (n, h) = (n as f64, h as i64);
    while k >= 0 {
        let mut p1 = 1.0;
        for j in 0..h {
            let (kh, j) = ((k * h) as f64, j as f64);
            p1 = (n - kh - j) * p1 / (n + kh + j + 1.0);
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// SciPy's `_compute_outer_prob_inside_method`: the share of lattice paths from (0, 0)
/// to (m, n) that leave the band |x/m − y/n| < h/lcm, one column at a time over a
/// sliding window, each entry already divided by its binomial coefficient.
fn outer_prob_inside(m: usize, n: usize, g: usize, h: usize) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = ((m / g) as i64, (n / g) as i64);
    let (n_i, h) = (n as i64, h as i64);
    let mut minj: i64 = 0;
    let mut maxj: i64 = ((h as f64 / mg as f64).ceil() as i64).min(n_i + 1);
    let mut curlen = maxj - minj;
    let len_a = ((2 * maxj + 2) as usize).min(n + 1);
    let mut a = vec![1.0f64; len_a];
    for slot in a.iter_mut().take(maxj as usize).skip(minj as usize) {
        *slot = 0.0;
    }
    for i in 1..=m as i64 {
        let (last_minj, last_len) = (minj, curlen);
        minj = (((ng * i - h) as f64 / mg as f64).floor() as i64 + 1)
            .max(0)
            .min(n_i);
        maxj = (((ng * i + h) as f64 / mg as f64).ceil() as i64).min(n_i + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = jj + minj;
            val =
                (a[(jj + minj - last_minj) as usize] * i as f64 + val * j as f64) / (i + j) as f64;
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if last_len > curlen {
            let from = (maxj - minj) as usize;
            let to = (from + (last_len - curlen) as usize).min(a.len());
            for slot in &mut a[from..to] {
                *slot = 1.0;
            }
        }
    }
    a[(maxj - minj - 1) as usize]
}
