//! Known test functions with hyperopt's spaces (from its own test domains), used to
//! measure the search algorithms against each other and against hyperopt itself.

use std::f64::consts::PI;

use super::domain::{Condition, Dist, Domain, Point};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestFunction {
    /// Branin–Hoo on x ∈ [-5, 10], y ∈ [0, 15]; minimum 0.397887 (three of them).
    Branin,
    /// hyperopt's `distractor`: x ∈ [-15, 15], an easy asymptote to the right and the
    /// true minimum −2 in a narrow bump at x = −10.
    Distractor,
    /// A nested space using every distribution: a choice between two branches, one with
    /// quniform and loguniform parameters, the other with qloguniform and randint.
    Nested,
}

impl TestFunction {
    pub const ALL: [TestFunction; 3] = [
        TestFunction::Branin,
        TestFunction::Distractor,
        TestFunction::Nested,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TestFunction::Branin => "branin",
            TestFunction::Distractor => "distractor",
            TestFunction::Nested => "nested",
        }
    }

    pub fn parse(name: &str) -> Option<TestFunction> {
        TestFunction::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn domain(self) -> Domain {
        let mut d = Domain::default();
        match self {
            TestFunction::Branin => {
                d.push(
                    "x",
                    Dist::Uniform {
                        low: -5.0,
                        high: 10.0,
                    },
                    None,
                );
                d.push(
                    "y",
                    Dist::Uniform {
                        low: 0.0,
                        high: 15.0,
                    },
                    None,
                );
            }
            TestFunction::Distractor => {
                d.push(
                    "x",
                    Dist::Uniform {
                        low: -15.0,
                        high: 15.0,
                    },
                    None,
                );
            }
            TestFunction::Nested => {
                let branch = d.push("branch", Dist::Choice { options: 2 }, None);
                let a = Some(Condition {
                    dimension: branch,
                    option: 0,
                });
                let b = Some(Condition {
                    dimension: branch,
                    option: 1,
                });
                d.push(
                    "a.x",
                    Dist::QUniform {
                        low: -10.0,
                        high: 10.0,
                        q: 1.0,
                    },
                    a,
                );
                d.push(
                    "a.y",
                    Dist::LogUniform {
                        low: -5.0,
                        high: 2.0,
                    },
                    a,
                );
                d.push(
                    "b.z",
                    Dist::QLogUniform {
                        low: 0.0,
                        high: 5.0,
                        q: 1.0,
                    },
                    b,
                );
                d.push("b.w", Dist::RandInt { low: 0, high: 10 }, b);
            }
        }
        d
    }

    pub fn loss(self, point: &Point) -> f64 {
        let v = |i: usize| point[i].unwrap_or(f64::NAN);
        match self {
            TestFunction::Branin => {
                let (x, y) = (v(0), v(1));
                let a = y - 5.1 / (4.0 * PI * PI) * x * x + 5.0 * x / PI - 6.0;
                a * a + 10.0 * (1.0 - 1.0 / (8.0 * PI)) * libm::cos(x) + 10.0
            }
            TestFunction::Distractor => {
                let x = v(0);
                let f1 = 1.0 / (1.0 + libm::exp(-x));
                let f2 = 2.0 * libm::exp(-((x + 10.0) * (x + 10.0)));
                -f1 - f2
            }
            TestFunction::Nested => {
                if v(0) == 0.0 {
                    let (x, y) = (v(1), v(2));
                    (x - 3.0) * (x - 3.0) / 10.0 + libm::log(y).powi(2) / 4.0
                } else {
                    let (z, w) = (v(3), v(4));
                    0.5 + (libm::log(z.max(1e-12)) - 2.0).powi(2) + (w - 7.0) * (w - 7.0) / 10.0
                }
            }
        }
    }
}
