//! A search's dimensions in hyperopt's vocabulary, independent of what is being tuned:
//! each dimension is a distribution, possibly active only when an earlier `choice` takes
//! one option (hyperopt's nested `choice`). A point gives each active dimension a value.
//!
//! All floating-point functions come from `libm`, so that one seed gives the same points,
//! to the bit, natively and in the browser.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// A prior distribution, as hyperopt's `hp.*` functions define it. Log-scale bounds are
/// on the log scale, as in hyperopt: `loguniform(low, high)` draws `exp(uniform(low, high))`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase")]
pub enum Dist {
    /// An option index in `0..options`, each equally likely.
    Choice {
        options: usize,
    },
    Uniform {
        low: f64,
        high: f64,
    },
    /// `round(uniform(low, high) / q) * q`
    QUniform {
        low: f64,
        high: f64,
        q: f64,
    },
    LogUniform {
        low: f64,
        high: f64,
    },
    /// `round(exp(uniform(low, high)) / q) * q`
    QLogUniform {
        low: f64,
        high: f64,
        q: f64,
    },
    /// A whole number in `low..high` (high excluded).
    RandInt {
        low: i64,
        high: i64,
    },
}

impl Dist {
    pub fn name(&self) -> &'static str {
        match self {
            Dist::Choice { .. } => "choice",
            Dist::Uniform { .. } => "uniform",
            Dist::QUniform { .. } => "quniform",
            Dist::LogUniform { .. } => "loguniform",
            Dist::QLogUniform { .. } => "qloguniform",
            Dist::RandInt { .. } => "randint",
        }
    }

    /// A draw from the prior.
    pub fn sample(&self, rng: &mut SearchRng) -> f64 {
        match *self {
            Dist::Choice { options } => rng.below(options as u64) as f64,
            Dist::Uniform { low, high } => low + (high - low) * rng.unit(),
            Dist::QUniform { low, high, q } => quantize(low + (high - low) * rng.unit(), q),
            Dist::LogUniform { low, high } => libm::exp(low + (high - low) * rng.unit()),
            Dist::QLogUniform { low, high, q } => {
                quantize(libm::exp(low + (high - low) * rng.unit()), q)
            }
            Dist::RandInt { low, high } => (low + rng.below((high - low) as u64) as i64) as f64,
        }
    }

    /// The smallest and largest value a draw can take.
    pub fn extremes(&self) -> (f64, f64) {
        match *self {
            Dist::Choice { options } => (0.0, options.saturating_sub(1) as f64),
            Dist::Uniform { low, high } => (low, high),
            Dist::QUniform { low, high, q } => (quantize(low, q), quantize(high, q)),
            Dist::LogUniform { low, high } => (libm::exp(low), libm::exp(high)),
            Dist::QLogUniform { low, high, q } => {
                (quantize(libm::exp(low), q), quantize(libm::exp(high), q))
            }
            Dist::RandInt { low, high } => (low as f64, (high - 1) as f64),
        }
    }

    /// Every value a grid visits: all options or whole steps, or `points` evenly spaced
    /// values (on the log scale for the log distributions) for the continuous ones.
    pub fn grid_values(&self, points: usize) -> Vec<f64> {
        let even = |low: f64, high: f64| -> Vec<f64> {
            if points <= 1 {
                return vec![0.5 * (low + high)];
            }
            (0..points)
                .map(|i| low + (high - low) * i as f64 / (points - 1) as f64)
                .collect()
        };
        let mut values: Vec<f64> = match *self {
            Dist::Choice { options } => (0..options).map(|i| i as f64).collect(),
            Dist::RandInt { low, high } => (low..high).map(|v| v as f64).collect(),
            Dist::Uniform { low, high } => even(low, high),
            Dist::LogUniform { low, high } => even(low, high).into_iter().map(libm::exp).collect(),
            Dist::QUniform { q, .. } | Dist::QLogUniform { q, .. } => {
                let (lo, hi) = self.extremes();
                let steps = ((hi - lo) / q).round() as usize;
                if steps < points.max(2) {
                    (0..=steps).map(|i| lo + q * i as f64).collect()
                } else {
                    let spaced = match *self {
                        Dist::QUniform { low, high, .. } => even(low, high),
                        Dist::QLogUniform { low, high, .. } => {
                            even(low, high).into_iter().map(libm::exp).collect()
                        }
                        _ => unreachable!("matched above"),
                    };
                    spaced.into_iter().map(|v| quantize(v, q)).collect()
                }
            }
        };
        values.dedup();
        values
    }
}

/// hyperopt's quantisation: `round(x / q) * q` (NumPy rounds half to even).
pub fn quantize(x: f64, q: f64) -> f64 {
    libm::rint(x / q) * q
}

/// When a dimension is used: always, or only when an earlier choice takes one option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub dimension: usize,
    pub option: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dimension {
    /// hyperopt's label, e.g. `gbdt.max_depth`.
    pub label: String,
    pub dist: Dist,
    pub condition: Option<Condition>,
}

/// The dimensions of a search, conditions pointing only backwards.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Domain {
    pub dimensions: Vec<Dimension>,
}

/// A value per dimension; `None` where the dimension is inactive.
pub type Point = Vec<Option<f64>>;

impl Domain {
    pub fn push(
        &mut self,
        label: impl Into<String>,
        dist: Dist,
        condition: Option<Condition>,
    ) -> usize {
        debug_assert!(condition.is_none_or(|c| c.dimension < self.dimensions.len()));
        self.dimensions.push(Dimension {
            label: label.into(),
            dist,
            condition,
        });
        self.dimensions.len() - 1
    }

    pub fn len(&self) -> usize {
        self.dimensions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dimensions.is_empty()
    }

    /// Whether dimension `i` is active given the values chosen before it.
    pub fn is_active(&self, point: &[Option<f64>], i: usize) -> bool {
        match self.dimensions[i].condition {
            None => true,
            Some(c) => point[c.dimension] == Some(c.option as f64),
        }
    }

    /// A point drawn from the priors (random search, and TPE's first trials).
    pub fn sample(&self, rng: &mut SearchRng) -> Point {
        let mut point: Point = Vec::with_capacity(self.len());
        for (i, dimension) in self.dimensions.iter().enumerate() {
            let value = self
                .is_active(&point, i)
                .then(|| dimension.dist.sample(rng));
            point.push(value);
        }
        point
    }

    /// Every point of the grid, in order (the last dimension varying fastest), with
    /// inactive dimensions left out, so each distinct configuration appears once.
    pub fn grid(&self, points: usize, limit: usize) -> Vec<Point> {
        let mut out: Vec<Point> = vec![Vec::new()];
        for (i, dimension) in self.dimensions.iter().enumerate() {
            let values = dimension.dist.grid_values(points);
            let mut next = Vec::new();
            for partial in &out {
                if self.is_active(partial, i) {
                    for &v in &values {
                        let mut p = partial.clone();
                        p.push(Some(v));
                        next.push(p);
                    }
                } else {
                    let mut p = partial.clone();
                    p.push(None);
                    next.push(p);
                }
                if next.len() > limit {
                    break;
                }
            }
            next.truncate(limit.max(1));
            out = next;
        }
        out
    }
}

/// The generator behind every draw: ChaCha8, seeded per trial, so that a trial's draws
/// depend only on the search's seed and the trial's number.
pub struct SearchRng(ChaCha8Rng);

impl SearchRng {
    /// The generator of trial `trial` of a search seeded with `seed`.
    pub fn for_trial(seed: u64, trial: usize) -> SearchRng {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(trial as u64);
        SearchRng(rng)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (`n` ≥ 1), without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        let n = n.max(1);
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.0.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }

    /// A standard normal draw (Box–Muller with libm, the same on every target).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
    }
}
