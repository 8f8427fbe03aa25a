//! Drift statistics between a reference sample and a current one, computed as Evidently
//! 0.7 computes them (its `legacy.calculations.stattests` on SciPy and NumPy), so that a
//! team moving between the two sees the same numbers and the same drift decisions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How a column's values are compared: by their order (numbers) or by their identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Numerical,
    Categorical,
}

/// The statistics Evidently picks by default, plus PSI (which Flowbook reports beside the
/// default for every numerical column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatTest {
    /// Wasserstein distance divided by the reference's standard deviation.
    Wasserstein,
    /// Population stability index.
    Psi,
    /// Jensen–Shannon distance (natural logarithm).
    JensenShannon,
    /// Two-sample Kolmogorov–Smirnov p-value.
    Ks,
    /// Chi-square goodness-of-fit p-value of the current counts against the reference's.
    ChiSquare,
    /// Two-proportion z-test p-value (two categories).
    Z,
}

impl DriftTest {
    /// How close the value is to drifting, as a share of the way to the threshold (1 at
    /// the threshold): value ÷ threshold for distances, threshold ÷ p-value for p-values.
    pub fn severity(&self) -> f64 {
        if !self.stat_test.is_p_value() {
            self.value / self.threshold
        } else if self.value > 0.0 {
            self.threshold / self.value
        } else {
            f64::INFINITY
        }
    }
}

impl StatTest {
    /// The name Evidently gives the method (`stattest` in its reports).
    pub fn name(self) -> &'static str {
        match self {
            StatTest::Wasserstein => "wasserstein",
            StatTest::Psi => "psi",
            StatTest::JensenShannon => "jensenshannon",
            StatTest::Ks => "ks",
            StatTest::ChiSquare => "chisquare",
            StatTest::Z => "z",
        }
    }

    /// What a person reads: "Wasserstein distance (normed)", as Evidently shows it.
    pub fn display_name(self) -> &'static str {
        match self {
            StatTest::Wasserstein => "Wasserstein distance (normed)",
            StatTest::Psi => "PSI",
            StatTest::JensenShannon => "Jensen-Shannon distance",
            StatTest::Ks => "K-S p_value",
            StatTest::ChiSquare => "chi-square p_value",
            StatTest::Z => "Z-test p_value",
        }
    }

    /// Evidently's default threshold.
    pub fn default_threshold(self) -> f64 {
        match self {
            StatTest::Wasserstein | StatTest::Psi | StatTest::JensenShannon => 0.1,
            StatTest::Ks | StatTest::ChiSquare | StatTest::Z => 0.05,
        }
    }

    /// Whether the value is a p-value (small means drift) rather than a distance.
    pub fn is_p_value(self) -> bool {
        matches!(self, StatTest::Ks | StatTest::ChiSquare | StatTest::Z)
    }

    /// Evidently's decision: distances drift at or above the threshold; the K-S p-value at
    /// or below it; chi-square and z p-values strictly below it.
    pub fn drifted(self, value: f64, threshold: f64) -> bool {
        match self {
            StatTest::Wasserstein | StatTest::Psi | StatTest::JensenShannon => value >= threshold,
            StatTest::Ks => value <= threshold,
            StatTest::ChiSquare | StatTest::Z => value < threshold,
        }
    }
}

/// One column's values in both samples, as the statistics read them: numbers sorted
/// ascending, categories as keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Samples {
    Numerical {
        reference: Vec<f64>,
        current: Vec<f64>,
    },
    Categorical {
        reference: Vec<(i64, i64)>,
        current: Vec<(i64, i64)>,
    },
}

impl Samples {
    /// Numbers, sorted here; values that are not finite are dropped, as Evidently drops
    /// NaN and ±inf before testing.
    pub fn numerical(mut reference: Vec<f64>, mut current: Vec<f64>) -> Samples {
        for values in [&mut reference, &mut current] {
            values.retain(|v| v.is_finite());
            values.sort_by(f64::total_cmp);
        }
        Samples::Numerical { reference, current }
    }

    pub fn categorical(reference: Vec<(i64, i64)>, current: Vec<(i64, i64)>) -> Samples {
        Samples::Categorical { reference, current }
    }

    pub fn column_type(&self) -> ColumnType {
        match self {
            Samples::Numerical { .. } => ColumnType::Numerical,
            Samples::Categorical { .. } => ColumnType::Categorical,
        }
    }

    pub fn lens(&self) -> (usize, usize) {
        match self {
            Samples::Numerical { reference, current } => (reference.len(), current.len()),
            Samples::Categorical { reference, current } => (reference.len(), current.len()),
        }
    }

    /// Per value seen in either sample: (count in reference, count in current).
    fn paired_counts(&self) -> Vec<(u64, u64)> {
        match self {
            Samples::Numerical { reference, current } => pair_counts(
                reference.iter().map(|&v| order_key(v)),
                current.iter().map(|&v| order_key(v)),
            ),
            Samples::Categorical { reference, current } => {
                pair_counts(reference.iter().copied(), current.iter().copied())
            }
        }
    }

    /// Distinct values over both samples: for numbers, a walk over the two sorted lists
    /// (no table of counts, which only the binned tests need).
    fn distinct(&self) -> usize {
        match self {
            Samples::Numerical { reference, current } => merged_values(reference, current).count(),
            Samples::Categorical { .. } => self.paired_counts().len(),
        }
    }

    /// Distinct values in the reference alone.
    fn reference_unique(&self) -> usize {
        match self {
            Samples::Numerical { reference, .. } => distinct_sorted(reference),
            Samples::Categorical { reference, .. } => {
                let mut keys = reference.clone();
                keys.sort_unstable();
                keys.dedup();
                keys.len()
            }
        }
    }
}

/// What a statistic says about one column.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DriftTest {
    pub stat_test: StatTest,
    pub value: f64,
    pub threshold: f64,
    pub drifted: bool,
}

/// Why a column could not be tested.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DriftError {
    #[error("the {which} sample has no values")]
    Empty { which: &'static str },
    #[error("{test} compares numbers; this column holds categories")]
    WrongType { test: &'static str },
}

/// Evidently's default test for a column: with more than 1,000 reference values,
/// Wasserstein for numbers with more than five distinct values and Jensen–Shannon
/// otherwise; with fewer, K-S for such numbers, chi-square for more than two values and
/// the z-test for two.
pub fn default_stat_test(samples: &Samples) -> StatTest {
    let distinct = samples.distinct();
    let (reference_len, _) = samples.lens();
    let numerical = samples.column_type() == ColumnType::Numerical;
    if reference_len <= 1000 {
        if numerical && distinct > 5 {
            StatTest::Ks
        } else if distinct > 2 {
            StatTest::ChiSquare
        } else {
            StatTest::Z
        }
    } else if numerical && distinct > 5 {
        StatTest::Wasserstein
    } else {
        StatTest::JensenShannon
    }
}

/// Runs `test` with `threshold` (Evidently's default when `None`).
pub fn drift_test(
    samples: &Samples,
    test: StatTest,
    threshold: Option<f64>,
) -> Result<DriftTest, DriftError> {
    let (reference_len, current_len) = samples.lens();
    if reference_len == 0 {
        return Err(DriftError::Empty { which: "reference" });
    }
    if current_len == 0 {
        return Err(DriftError::Empty { which: "current" });
    }
    let value = match test {
        StatTest::Wasserstein => match samples {
            Samples::Numerical { reference, current } => wasserstein_normed(reference, current),
            Samples::Categorical { .. } => {
                return Err(DriftError::WrongType {
                    test: "Wasserstein distance",
                })
            }
        },
        StatTest::Ks => match samples {
            Samples::Numerical { reference, current } => {
                super::ks::ks_2samp_p_value(reference, current)
            }
            Samples::Categorical { .. } => return Err(DriftError::WrongType { test: "K-S" }),
        },
        StatTest::Psi => {
            let (reference, current) = binned_shares(samples, true);
            reference
                .iter()
                .zip(&current)
                .map(|(r, c)| (r - c) * (r / c).ln())
                .sum()
        }
        StatTest::JensenShannon => {
            let (reference, current) = binned_shares(samples, false);
            jensen_shannon(&reference, &current)
        }
        StatTest::ChiSquare => {
            chi_square_p_value(&samples.paired_counts(), reference_len, current_len)
        }
        StatTest::Z => z_test_p_value(samples),
    };
    let threshold = threshold.unwrap_or_else(|| test.default_threshold());
    Ok(DriftTest {
        stat_test: test,
        value,
        threshold,
        drifted: test.drifted(value, threshold),
    })
}

/// A total order on finite numbers as an integer key (0.0 and -0.0 are one value, as
/// pandas counts them).
fn order_key(value: f64) -> (i64, i64) {
    let value = if value == 0.0 { 0.0 } else { value };
    let bits = value.to_bits() as i64;
    (bits ^ (((bits >> 63) as u64) >> 1) as i64, 0)
}

fn distinct_sorted(values: &[f64]) -> usize {
    let mut distinct = 0;
    let mut last = None;
    for &v in values {
        if last != Some(v) {
            distinct += 1;
            last = Some(v);
        }
    }
    distinct
}

fn pair_counts<K: Ord>(
    reference: impl Iterator<Item = K>,
    current: impl Iterator<Item = K>,
) -> Vec<(u64, u64)> {
    let mut counts: BTreeMap<K, (u64, u64)> = BTreeMap::new();
    for key in reference {
        counts.entry(key).or_default().0 += 1;
    }
    for key in current {
        counts.entry(key).or_default().1 += 1;
    }
    counts.into_values().collect()
}

/// SciPy's `wasserstein_distance` (the area between the two empirical CDFs) divided by
/// the reference's population standard deviation, at least 0.001. Both sorted.
pub fn wasserstein_normed(reference: &[f64], current: &[f64]) -> f64 {
    let n = reference.len() as f64;
    let mean = reference.iter().sum::<f64>() / n;
    let variance = reference
        .iter()
        .map(|v| (v - mean) * (v - mean))
        .sum::<f64>()
        / n;
    let norm = variance.sqrt().max(0.001);
    wasserstein(reference, current) / norm
}

/// ∫|F_u − F_v| over the merged sorted values (SciPy's `_cdf_distance` with p = 1).
pub fn wasserstein(u: &[f64], v: &[f64]) -> f64 {
    let (nu, nv) = (u.len() as f64, v.len() as f64);
    let mut total = 0.0;
    let mut previous: Option<(f64, usize, usize)> = None;
    // Between one merged value and the next, the CDFs stay at the shares ≤ the first.
    for (value, below_u, below_v) in merged_values(u, v) {
        if let Some((prev, at_u, at_v)) = previous {
            total += ((at_u as f64 / nu) - (at_v as f64 / nv)).abs() * (value - prev);
        }
        previous = Some((value, below_u, below_v));
    }
    total
}

/// The distinct values of two sorted samples in order, each with how many values of
/// `u` and of `v` are ≤ it.
fn merged_values<'a>(u: &'a [f64], v: &'a [f64]) -> impl Iterator<Item = (f64, usize, usize)> + 'a {
    let (mut i, mut j) = (0usize, 0usize);
    std::iter::from_fn(move || {
        let next = match (u.get(i), v.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => return None,
        };
        while u.get(i) == Some(&next) {
            i += 1;
        }
        while v.get(j) == Some(&next) {
            j += 1;
        }
        Some((next, i, j))
    })
}

/// Evidently's `get_binned_data`: for numbers with more than 20 distinct reference values,
/// the shares of each sample in NumPy's Sturges bins over both samples together; otherwise
/// the share of each value. With `fill_zeros`, an empty bin gets a small share (a
/// millionth of the smallest share when that is at most 0.0001, else 0.0001) so that
/// PSI's logarithm stays finite.
fn binned_shares(samples: &Samples, fill_zeros: bool) -> (Vec<f64>, Vec<f64>) {
    let (reference_len, current_len) = samples.lens();
    let counts = match samples {
        Samples::Numerical { reference, current } if samples.reference_unique() > 20 => {
            let edges = sturges_edges(reference, current);
            let r = histogram(reference, &edges);
            let c = histogram(current, &edges);
            r.into_iter().zip(c).collect()
        }
        _ => samples.paired_counts(),
    };
    let mut reference: Vec<f64> = counts
        .iter()
        .map(|&(r, _)| r as f64 / reference_len as f64)
        .collect();
    let mut current: Vec<f64> = counts
        .iter()
        .map(|&(_, c)| c as f64 / current_len as f64)
        .collect();
    if fill_zeros {
        fill_empty(&mut reference);
        fill_empty(&mut current);
    }
    (reference, current)
}

fn fill_empty(shares: &mut [f64]) {
    let smallest = shares
        .iter()
        .copied()
        .filter(|&s| s != 0.0)
        .fold(f64::INFINITY, f64::min);
    if !smallest.is_finite() {
        return;
    }
    let fill = if smallest <= 0.0001 {
        smallest / 1e6
    } else {
        0.0001
    };
    for share in shares.iter_mut().filter(|s| **s == 0.0) {
        *share = fill;
    }
}

/// `np.histogram_bin_edges(both, bins="sturges")`: ⌈range / width⌉ equal bins, the width
/// being range / (log2(n) + 1), edges placed as `np.linspace` places them.
fn sturges_edges(reference: &[f64], current: &[f64]) -> Vec<f64> {
    let first = reference[0].min(current[0]);
    let last = reference[reference.len() - 1].max(current[current.len() - 1]);
    let n = (reference.len() + current.len()) as f64;
    let (first, last, bins) = if last > first {
        let width = (last - first) / (n.log2() + 1.0);
        (first, last, ((last - first) / width).ceil() as usize)
    } else {
        (first - 0.5, last + 0.5, 1)
    };
    let step = (last - first) / bins as f64;
    let mut edges: Vec<f64> = (0..=bins).map(|i| i as f64 * step + first).collect();
    edges[bins] = last;
    edges
}

/// `np.histogram(sorted, edges)`: [e_i, e_{i+1}) except the last bin, which holds its
/// right edge too.
fn histogram(sorted: &[f64], edges: &[f64]) -> Vec<u64> {
    let below = |edge: f64| sorted.partition_point(|&v| v < edge);
    let mut cumulative: Vec<usize> = edges[..edges.len() - 1].iter().map(|&e| below(e)).collect();
    cumulative.push(sorted.partition_point(|&v| v <= edges[edges.len() - 1]));
    cumulative
        .windows(2)
        .map(|w| (w[1] - w[0]) as u64)
        .collect()
}

/// SciPy's `distance.jensenshannon` with the natural logarithm.
fn jensen_shannon(p: &[f64], q: &[f64]) -> f64 {
    let (sp, sq) = (p.iter().sum::<f64>(), q.iter().sum::<f64>());
    let rel_entr = |x: f64, y: f64| {
        if x > 0.0 && y > 0.0 {
            x * (x / y).ln()
        } else if x == 0.0 && y >= 0.0 {
            0.0
        } else {
            f64::INFINITY
        }
    };
    let (mut left, mut right) = (0.0, 0.0);
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a / sp, b / sq);
        let m = (a + b) / 2.0;
        left += rel_entr(a, m);
        right += rel_entr(b, m);
    }
    ((left + right) / 2.0).sqrt()
}

/// SciPy's `chisquare(observed, expected)` p-value, where the expected counts are the
/// reference's scaled to the current sample's size.
fn chi_square_p_value(counts: &[(u64, u64)], reference_len: usize, current_len: usize) -> f64 {
    let scale = current_len as f64 / reference_len as f64;
    let statistic: f64 = counts
        .iter()
        .map(|&(r, c)| {
            let expected = r as f64 * scale;
            let difference = c as f64 - expected;
            difference * difference / expected
        })
        .sum();
    let freedom = counts.len().saturating_sub(1) as f64;
    if freedom == 0.0 {
        return f64::NAN;
    }
    if statistic.is_infinite() {
        return 0.0;
    }
    statrs::function::gamma::gamma_ur(freedom / 2.0, statistic / 2.0)
}

/// Evidently's two-proportion z-test: the share of rows not equal to the smallest value.
fn z_test_p_value(samples: &Samples) -> f64 {
    let counts = samples.paired_counts();
    let (reference_len, current_len) = samples.lens();
    let (n1, n2) = (reference_len as f64, current_len as f64);
    // Both samples hold one and the same value: nothing moved.
    if counts.len() == 1 {
        return 1.0;
    }
    let first = counts[0];
    let p1 = (reference_len as u64 - first.0) as f64 / n1;
    let p2 = (current_len as u64 - first.1) as f64 / n2;
    let pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    let z = (p1 - p2) / (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    // 2 · (1 − Φ(|z|)), written as SciPy evaluates it.
    2.0 * (1.0 - 0.5 * libm::erfc(-z.abs() / std::f64::consts::SQRT_2))
}

#[cfg(test)]
#[path = "stattests_tests.rs"]
mod tests;
