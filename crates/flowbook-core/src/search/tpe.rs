//! The Tree-structured Parzen Estimator (Bergstra et al., 2011) as hyperopt's `tpe.suggest`
//! computes it, with its defaults: the first 20 trials from the priors, then for each
//! dimension the observed values split at the best `ceil(0.25·√n)` trials (at most 25),
//! an adaptive Parzen mixture over each side (prior weight 1, linear forgetting after
//! 25 observations), 24 candidates drawn from the good side's mixture, and the candidate
//! with the largest log-likelihood ratio good/bad kept.
//!
//! Written here rather than taken from a crate: the Rust TPE crates implement Optuna's
//! variant (other split, other bandwidths, no quantised or nested dimensions), and the
//! search is measured against hyperopt's.

use super::domain::{Dist, Domain, Point, SearchRng};

/// hyperopt's `EPS`.
const EPS: f64 = 1e-12;
/// hyperopt's `DEFAULT_LF`: observations beyond the newest 25 weigh less.
const LINEAR_FORGETTING: usize = 25;

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TpeSettings {
    pub n_startup_trials: usize,
    pub gamma: f64,
    pub n_ei_candidates: usize,
    pub prior_weight: f64,
}

impl Default for TpeSettings {
    fn default() -> Self {
        TpeSettings {
            n_startup_trials: 20,
            gamma: 0.25,
            n_ei_candidates: 24,
            prior_weight: 1.0,
        }
    }
}

/// A finished trial as TPE sees it: its point and its loss (infinite when it failed).
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub point: Point,
    pub loss: f64,
}

/// The next point after `history` (in suggestion order).
pub fn suggest(
    domain: &Domain,
    history: &[Observation],
    settings: &TpeSettings,
    rng: &mut SearchRng,
) -> Point {
    if history.len() < settings.n_startup_trials.max(1) {
        return domain.sample(rng);
    }
    let (below, _above) = split(history, settings.gamma);
    let mut is_below = vec![false; history.len()];
    for &t in &below {
        is_below[t] = true;
    }
    let mut point: Point = Vec::with_capacity(domain.len());
    for (i, dimension) in domain.dimensions.iter().enumerate() {
        if !domain.is_active(&point, i) {
            point.push(None);
            continue;
        }
        let (mut good, mut bad) = (Vec::new(), Vec::new());
        for (t, observation) in history.iter().enumerate() {
            if let Some(value) = observation.point.get(i).copied().flatten() {
                if is_below[t] {
                    good.push(value);
                } else {
                    bad.push(value);
                }
            }
        }
        point.push(Some(best_candidate(
            &dimension.dist,
            &good,
            &bad,
            settings,
            rng,
        )));
    }
    point
}

/// The trials (by position) on the good side: the `ceil(gamma·√n)` lowest losses, at most
/// 25; ties keep suggestion order.
fn split(history: &[Observation], gamma: f64) -> (Vec<usize>, Vec<usize>) {
    let n_below = ((gamma * (history.len() as f64).sqrt()).ceil() as usize).min(LINEAR_FORGETTING);
    let mut order: Vec<usize> = (0..history.len()).collect();
    order.sort_by(|&a, &b| history[a].loss.total_cmp(&history[b].loss));
    let above = order.split_off(n_below.min(order.len()));
    (order, above)
}

fn best_candidate(
    dist: &Dist,
    good: &[f64],
    bad: &[f64],
    settings: &TpeSettings,
    rng: &mut SearchRng,
) -> f64 {
    let below = Posterior::new(dist, good, settings.prior_weight);
    let above = Posterior::new(dist, bad, settings.prior_weight);
    let mut best = (f64::NEG_INFINITY, f64::NAN);
    for _ in 0..settings.n_ei_candidates.max(1) {
        let candidate = below.sample(rng);
        let score = below.log_pdf(candidate) - above.log_pdf(candidate);
        // The first of equal scores wins, as NumPy's argmax does.
        if score > best.0 || best.1.is_nan() {
            best = (score, candidate);
        }
    }
    best.1
}

/// One side's density over one dimension.
enum Posterior {
    /// Option probabilities (choice) or value probabilities from `offset` (randint).
    Categorical { p: Vec<f64>, offset: i64 },
    /// A truncated Gaussian mixture on the value (uniform, quniform) or on its log
    /// (loguniform, qloguniform), bounds on the same scale.
    Mixture {
        weights: Vec<f64>,
        mus: Vec<f64>,
        sigmas: Vec<f64>,
        low: f64,
        high: f64,
        q: Option<f64>,
        log: bool,
        /// The mixture's mass inside [low, high], computed once.
        p_accept: f64,
        /// log(w) of each component, computed once.
        log_weights: Vec<f64>,
    },
}

impl Posterior {
    fn new(dist: &Dist, observed: &[f64], prior_weight: f64) -> Posterior {
        let mixture = |values: Vec<f64>, low: f64, high: f64, q: Option<f64>, log: bool| {
            let (weights, mus, sigmas) =
                adaptive_parzen_normal(&values, prior_weight, 0.5 * (high + low), high - low);
            let p_accept: f64 = components(&weights, &mus, &sigmas)
                .map(|(w, mu, s)| w * (normal_cdf(high, mu, s) - normal_cdf(low, mu, s)))
                .sum();
            Posterior::Mixture {
                p_accept,
                log_weights: weights.iter().map(|&w| libm::log(w)).collect(),
                weights,
                mus,
                sigmas,
                low,
                high,
                q,
                log,
            }
        };
        match *dist {
            Dist::Choice { options } => categorical(observed, options, 0, prior_weight),
            Dist::RandInt { low, high } => {
                categorical(observed, (high - low) as usize, low, prior_weight)
            }
            Dist::Uniform { low, high } => mixture(observed.to_vec(), low, high, None, false),
            Dist::QUniform { low, high, q } => {
                mixture(observed.to_vec(), low, high, Some(q), false)
            }
            Dist::LogUniform { low, high } => mixture(
                observed.iter().map(|&v| libm::log(v)).collect(),
                low,
                high,
                None,
                true,
            ),
            Dist::QLogUniform { low, high, q } => {
                // Observations quantised below exp(low), 0 in particular, count at exp(low).
                let floor = EPS.max(libm::exp(low));
                mixture(
                    observed.iter().map(|&v| libm::log(v.max(floor))).collect(),
                    low,
                    high,
                    Some(q),
                    true,
                )
            }
        }
    }

    fn sample(&self, rng: &mut SearchRng) -> f64 {
        match self {
            Posterior::Categorical { p, offset } => {
                let u = rng.unit();
                let mut acc = 0.0;
                for (i, &pi) in p.iter().enumerate() {
                    acc += pi;
                    if u < acc {
                        return (i as i64 + offset) as f64;
                    }
                }
                (p.len() as i64 - 1 + offset) as f64
            }
            Posterior::Mixture {
                weights,
                mus,
                sigmas,
                low,
                high,
                q,
                log,
                ..
            } => {
                // Rejection sampling inside [low, high), as hyperopt's GMM1 and LGMM1.
                let draw = loop {
                    let component = pick(weights, rng.unit());
                    let x = mus[component] + sigmas[component] * rng.normal();
                    if *low <= x && x < *high {
                        break x;
                    }
                };
                let value = if *log { libm::exp(draw) } else { draw };
                match q {
                    Some(q) => super::domain::quantize(value, *q),
                    None => value,
                }
            }
        }
    }

    fn log_pdf(&self, x: f64) -> f64 {
        match self {
            Posterior::Categorical { p, offset } => {
                let i = (x as i64 - offset) as usize;
                libm::log(p.get(i).copied().unwrap_or(0.0))
            }
            Posterior::Mixture {
                weights,
                mus,
                sigmas,
                low,
                high,
                q,
                log,
                p_accept,
                log_weights,
            } => {
                let p_accept = *p_accept;
                match (q, log) {
                    (None, false) => {
                        let terms: Vec<f64> = components(weights, mus, sigmas)
                            .map(|(w, mu, s)| {
                                let z = (x - mu) / s.max(EPS);
                                let norm = libm::sqrt(2.0 * std::f64::consts::PI * s * s);
                                -0.5 * z * z + libm::log(w / norm / p_accept)
                            })
                            .collect();
                        log_sum_exp(&terms)
                    }
                    // hyperopt's LGMM1_lpdf leaves the truncation out here; so does Flowbook.
                    (None, true) => {
                        // log(x) and each log(w) are the same for every component and
                        // candidate: computed once, the same bits as term by term.
                        let log_x = libm::log(x);
                        let terms: Vec<f64> = log_weights
                            .iter()
                            .zip(mus.iter().zip(sigmas))
                            .map(|(&log_w, (&mu, &s))| lognormal_log_pdf(x, log_x, mu, s) + log_w)
                            .collect();
                        log_sum_exp(&terms)
                    }
                    (Some(q), false) => {
                        let upper = (x + q / 2.0).min(*high);
                        let lower = (x - q / 2.0).max(*low);
                        let prob: f64 = components(weights, mus, sigmas)
                            .map(|(w, mu, s)| {
                                w * normal_cdf(upper, mu, s) - w * normal_cdf(lower, mu, s)
                            })
                            .sum();
                        libm::log(prob) - libm::log(p_accept)
                    }
                    (Some(q), true) => {
                        let upper = (x + q / 2.0).min(libm::exp(*high));
                        let lower = (x - q / 2.0).max(libm::exp(*low)).max(0.0);
                        let prob: f64 = components(weights, mus, sigmas)
                            .map(|(w, mu, s)| {
                                w * lognormal_cdf(upper, mu, s) - w * lognormal_cdf(lower, mu, s)
                            })
                            .sum();
                        libm::log(prob) - libm::log(p_accept)
                    }
                }
            }
        }
    }
}

fn categorical(observed: &[f64], n: usize, offset: i64, prior_weight: f64) -> Posterior {
    let weights = linear_forgetting_weights(observed.len(), LINEAR_FORGETTING);
    let mut counts = vec![prior_weight; n.max(1)];
    for (&value, w) in observed.iter().zip(weights) {
        let i = (value as i64 - offset) as usize;
        if let Some(c) = counts.get_mut(i) {
            *c += w;
        }
    }
    let total: f64 = counts.iter().sum();
    Posterior::Categorical {
        p: counts.into_iter().map(|c| c / total).collect(),
        offset,
    }
}

/// A mixture's components as (weight, mean, sigma).
fn components<'a>(
    weights: &'a [f64],
    mus: &'a [f64],
    sigmas: &'a [f64],
) -> impl Iterator<Item = (f64, f64, f64)> + 'a {
    weights
        .iter()
        .zip(mus.iter().zip(sigmas))
        .map(|(&w, (&mu, &s))| (w, mu, s))
}

fn pick(weights: &[f64], u: f64) -> usize {
    let mut acc = 0.0;
    for (i, w) in weights.iter().enumerate() {
        acc += w;
        if u < acc {
            return i;
        }
    }
    weights.len() - 1
}

fn normal_cdf(x: f64, mu: f64, sigma: f64) -> f64 {
    let z = (x - mu) / (std::f64::consts::SQRT_2 * sigma).max(EPS);
    0.5 * (1.0 + libm::erf(z))
}

fn lognormal_cdf(x: f64, mu: f64, sigma: f64) -> f64 {
    let z = (libm::log(x.max(EPS)) - mu) / (std::f64::consts::SQRT_2 * sigma).max(EPS);
    0.5 + 0.5 * libm::erf(z)
}

/// `log_x` = log(x), passed in because it is the same for every component.
fn lognormal_log_pdf(x: f64, log_x: f64, mu: f64, sigma: f64) -> f64 {
    let sigma = sigma.max(EPS);
    let z = sigma * x * libm::sqrt(2.0 * std::f64::consts::PI);
    let e = 0.5 * ((log_x - mu) / sigma).powi(2);
    -e - libm::log(z)
}

fn log_sum_exp(terms: &[f64]) -> f64 {
    let m = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    // exp of anything below -745.2 is exactly 0, which leaves the sum as it is: the terms
    // of far components (most of them, late in a search) are skipped, not exponentiated.
    let sum = terms
        .iter()
        .map(|t| t - m)
        .filter(|&d| d >= EXP_UNDERFLOW || d.is_nan())
        .map(libm::exp)
        .fold(-0.0, |a, b| a + b);
    libm::log(sum) + m
}

/// Below this, `exp` is 0.0 (the smallest subnormal is e^-744.44).
const EXP_UNDERFLOW: f64 = -746.0;

/// hyperopt's `linear_forgetting_weights`: 1 for the newest `lf` observations, a ramp
/// from 1/n up to 1 for the older ones.
fn linear_forgetting_weights(n: usize, lf: usize) -> Vec<f64> {
    if n < lf {
        return vec![1.0; n];
    }
    let ramp = n - lf;
    let mut weights: Vec<f64> = (0..ramp)
        .map(|i| {
            if ramp == 1 {
                1.0 / n as f64
            } else {
                1.0 / n as f64 + (1.0 - 1.0 / n as f64) * i as f64 / (ramp - 1) as f64
            }
        })
        .collect();
    weights.extend(std::iter::repeat_n(1.0, lf));
    weights
}

/// hyperopt's `adaptive_parzen_normal`: one Gaussian per observation plus the prior's,
/// sorted; each bandwidth the larger gap to a neighbour, clipped to
/// [prior_sigma / min(100, 1 + n), prior_sigma]; the prior keeps its own sigma.
fn adaptive_parzen_normal(
    mus: &[f64],
    prior_weight: f64,
    prior_mu: f64,
    prior_sigma: f64,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (sorted, mut sigma, prior_pos, order): (Vec<f64>, Vec<f64>, usize, Vec<usize>) =
        match mus.len() {
            0 => (vec![prior_mu], vec![prior_sigma], 0, Vec::new()),
            1 if prior_mu < mus[0] => (
                vec![prior_mu, mus[0]],
                vec![prior_sigma, prior_sigma * 0.5],
                0,
                vec![0],
            ),
            1 => (
                vec![mus[0], prior_mu],
                vec![prior_sigma * 0.5, prior_sigma],
                1,
                vec![0],
            ),
            _ => {
                let mut order: Vec<usize> = (0..mus.len()).collect();
                order.sort_by(|&a, &b| mus[a].total_cmp(&mus[b]));
                let ordered: Vec<f64> = order.iter().map(|&i| mus[i]).collect();
                let prior_pos = ordered.partition_point(|&m| m < prior_mu);
                let mut sorted = ordered.clone();
                sorted.insert(prior_pos, prior_mu);
                let n = sorted.len();
                let mut sigma = vec![0.0; n];
                for i in 1..n - 1 {
                    sigma[i] = (sorted[i] - sorted[i - 1]).max(sorted[i + 1] - sorted[i]);
                }
                sigma[0] = sorted[1] - sorted[0];
                sigma[n - 1] = sorted[n - 1] - sorted[n - 2];
                (sorted, sigma, prior_pos, order)
            }
        };
    let mut weights = if mus.len() > LINEAR_FORGETTING {
        let unsorted = linear_forgetting_weights(mus.len(), LINEAR_FORGETTING);
        let mut w: Vec<f64> = order.iter().map(|&i| unsorted[i]).collect();
        w.insert(prior_pos, prior_weight);
        w
    } else {
        let mut w = vec![1.0; sorted.len()];
        w[prior_pos] = prior_weight;
        w
    };
    let max_sigma = prior_sigma;
    let min_sigma = prior_sigma / 100f64.min(1.0 + sorted.len() as f64);
    for s in &mut sigma {
        *s = s.clamp(min_sigma, max_sigma);
    }
    sigma[prior_pos] = prior_sigma;
    let total: f64 = weights.iter().sum();
    for w in &mut weights {
        *w /= total;
    }
    (weights, sorted, sigma)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parzen_matches_hyperopts_worked_values() {
        // hyperopt.tpe.adaptive_parzen_normal([1, 3, 7], 1.0, 5, 10):
        // weights [.25 .25 .25 .25], mus [1 3 5 7], sigmas [2 2 10 2].
        let (w, m, s) = adaptive_parzen_normal(&[1.0, 3.0, 7.0], 1.0, 5.0, 10.0);
        assert_eq!(w, vec![0.25; 4]);
        assert_eq!(m, vec![1.0, 3.0, 5.0, 7.0]);
        assert_eq!(s, vec![2.0, 2.0, 10.0, 2.0]);
    }

    #[test]
    fn forgetting_ramps_the_oldest_observations() {
        let w = linear_forgetting_weights(30, 25);
        assert_eq!(w.len(), 30);
        assert!((w[0] - 1.0 / 30.0).abs() < 1e-15);
        assert_eq!(w[4], 1.0);
        assert!(w[..5].windows(2).all(|p| p[0] < p[1]));
        assert_eq!(linear_forgetting_weights(3, 25), vec![1.0; 3]);
    }

    #[test]
    fn split_keeps_the_best_ceil_quarter_root() {
        let history: Vec<Observation> = (0..49)
            .map(|i| Observation {
                point: vec![Some(i as f64)],
                loss: (49 - i) as f64,
            })
            .collect();
        let (below, above) = split(&history, 0.25);
        assert_eq!(below, vec![48, 47]);
        assert_eq!(above.len(), 47);
    }
}
