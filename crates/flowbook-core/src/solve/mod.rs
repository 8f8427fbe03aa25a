//! Exact linear models on one-hot trip features, with scikit-learn's objectives.

mod anderson;
mod block_newton;
mod blocks;
mod dense;
mod elastic_net;
mod gram;
mod linfa_api;
mod ols;
mod ridge;
mod score;

pub use block_newton::block_newton_start;
pub use blocks::{BlockSplit, MAX_DENSE};
pub use elastic_net::{solve_elastic_net, CoordinateDescentOptions};
pub use gram::{Gram, Layout};
pub use linfa_api::{predict_rows, row_predictions, FittedLinear, LinearParams, OneHotRecords};
pub use ols::solve_ols;
pub use ridge::solve_ridge;
pub use score::score_rows;

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Which model to fit. All fit an unpenalised intercept.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum ModelKind {
    /// min ||y − Xw − b||²
    Ols,
    /// min ||y − Xw − b||² + α||w||²
    Ridge { alpha: f64 },
    /// min (1/2n)||y − Xw − b||² + α||w||₁
    Lasso { alpha: f64 },
    /// min (1/2n)||y − Xw − b||² + αρ||w||₁ + ½α(1−ρ)||w||²
    ElasticNet { alpha: f64, l1_ratio: f64 },
}

/// The elastic net's l1 ratio when none is given (scikit-learn's default).
pub const DEFAULT_L1_RATIO: f64 = 0.5;

impl ModelKind {
    /// Builds a kind from the CLI's words: `ols`, `ridge`, `lasso`, `elasticnet`.
    pub fn parse(name: &str, alpha: Option<f64>, l1_ratio: Option<f64>) -> Result<Self, String> {
        let need_alpha =
            || alpha.ok_or_else(|| format!("the {name} model needs a value for alpha"));
        match name.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "ols" | "linear" | "linearregression" => Ok(ModelKind::Ols),
            "ridge" => Ok(ModelKind::Ridge {
                alpha: need_alpha()?,
            }),
            "lasso" => Ok(ModelKind::Lasso {
                alpha: need_alpha()?,
            }),
            "elasticnet" | "enet" => Ok(ModelKind::ElasticNet {
                alpha: need_alpha()?,
                l1_ratio: l1_ratio.unwrap_or(DEFAULT_L1_RATIO),
            }),
            other => Err(format!(
                "unknown model {other:?}; choose ols, ridge, lasso or elasticnet"
            )),
        }
    }

    pub fn alpha(&self) -> Option<f64> {
        match *self {
            ModelKind::Ols => None,
            ModelKind::Ridge { alpha }
            | ModelKind::Lasso { alpha }
            | ModelKind::ElasticNet { alpha, .. } => Some(alpha),
        }
    }

    /// The same kind with another alpha (OLS has none and stays OLS).
    pub fn with_alpha(&self, alpha: f64) -> ModelKind {
        match *self {
            ModelKind::Ols => ModelKind::Ols,
            ModelKind::Ridge { .. } => ModelKind::Ridge { alpha },
            ModelKind::Lasso { .. } => ModelKind::Lasso { alpha },
            ModelKind::ElasticNet { l1_ratio, .. } => ModelKind::ElasticNet { alpha, l1_ratio },
        }
    }

    pub fn short_name(&self) -> &'static str {
        match self {
            ModelKind::Ols => "ols",
            ModelKind::Ridge { .. } => "ridge",
            ModelKind::Lasso { .. } => "lasso",
            ModelKind::ElasticNet { .. } => "elasticnet",
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ModelKind::Ols => write!(f, "ols"),
            ModelKind::Ridge { alpha } => write!(f, "ridge alpha={alpha}"),
            ModelKind::Lasso { alpha } => write!(f, "lasso alpha={alpha}"),
            ModelKind::ElasticNet { alpha, l1_ratio } => {
                write!(f, "elasticnet alpha={alpha} l1_ratio={l1_ratio}")
            }
        }
    }
}

/// Intercept and coefficients in the encoder's column order.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearSolution {
    pub intercept: f64,
    pub coefficients: Vec<f64>,
    /// Coordinate-descent sweeps (0 for the direct solvers).
    pub iterations: usize,
    pub converged: bool,
}

#[derive(Debug, Error, Clone, PartialEq)]
pub enum SolveError {
    #[error("{0}")]
    Parameter(String),
    #[error("the model has {columns} columns outside its largest one-hot feature; Flowbook solves exactly up to {limit}. Use fewer features (e.g. PU_DO instead of PULocationID with DOLocationID and PU_DO together).")]
    TooLarge { columns: usize, limit: usize },
    #[error("numerical failure: {0}")]
    Numerical(String),
    #[error("no training rows")]
    NoRows,
}

/// Fits one model from accumulated statistics.
pub fn fit(gram: &Gram, kind: ModelKind) -> Result<LinearSolution, SolveError> {
    let split = match kind {
        ModelKind::Ols => None,
        // Lasso and elastic net start from the block elimination when one is possible.
        ModelKind::Ridge { .. } => Some(BlockSplit::largest(gram)?),
        ModelKind::Lasso { .. } | ModelKind::ElasticNet { .. } => BlockSplit::largest(gram).ok(),
    };
    fit_with_split(gram, split.as_ref(), kind)
}

/// `fit` with the block split already made (a search makes it once per prepared set).
/// Ridge needs it; lasso and elastic net start from [`block_newton_start`] with it, which
/// coordinate descent then certifies by the same duality gap as from zero.
pub fn fit_with_split(
    gram: &Gram,
    split: Option<&BlockSplit>,
    kind: ModelKind,
) -> Result<LinearSolution, SolveError> {
    if gram.n_rows < 1.0 {
        return Err(SolveError::NoRows);
    }
    let (alpha, l1_ratio) = match kind {
        ModelKind::Ols => return solve_ols(gram),
        ModelKind::Ridge { alpha } => {
            let owned;
            let split = match split {
                Some(split) => split,
                None => {
                    owned = BlockSplit::largest(gram)?;
                    &owned
                }
            };
            return solve_ridge(gram, split, alpha);
        }
        ModelKind::Lasso { alpha } => (alpha, 1.0),
        ModelKind::ElasticNet { alpha, l1_ratio } => (alpha, l1_ratio),
    };
    elastic_net::check_parameters(alpha, l1_ratio)?;
    let n = gram.n_rows;
    let start = split.and_then(|split| {
        block_newton_start(
            gram,
            split,
            n * alpha * l1_ratio,
            n * alpha * (1.0 - l1_ratio),
        )
    });
    solve_elastic_net(
        gram,
        alpha,
        l1_ratio,
        start.as_deref(),
        CoordinateDescentOptions::default(),
    )
}

/// Fits one model per alpha. Ridge reuses the block split; lasso and elastic net walk
/// the alphas from largest to smallest, each warm-started from the previous solution.
pub fn fit_path(
    gram: &Gram,
    kind: ModelKind,
    alphas: &[f64],
) -> Result<Vec<LinearSolution>, SolveError> {
    fit_path_with_progress(gram, kind, alphas, &mut |_| {})
}

/// `fit_path`, calling `fitted(n)` after each of its `n`-th solution (in solving order).
pub fn fit_path_with_progress(
    gram: &Gram,
    kind: ModelKind,
    alphas: &[f64],
    fitted: &mut dyn FnMut(usize),
) -> Result<Vec<LinearSolution>, SolveError> {
    if gram.n_rows < 1.0 {
        return Err(SolveError::NoRows);
    }
    match kind {
        ModelKind::Ols => {
            let solution = solve_ols(gram)?;
            fitted(1);
            Ok(vec![solution])
        }
        ModelKind::Ridge { .. } => {
            let split = BlockSplit::largest(gram)?;
            alphas
                .iter()
                .enumerate()
                .map(|(i, &a)| {
                    let solution = solve_ridge(gram, &split, a);
                    fitted(i + 1);
                    solution
                })
                .collect()
        }
        ModelKind::Lasso { .. } | ModelKind::ElasticNet { .. } => {
            let l1_ratio = match kind {
                ModelKind::ElasticNet { l1_ratio, .. } => l1_ratio,
                _ => 1.0,
            };
            let mut order: Vec<usize> = (0..alphas.len()).collect();
            order.sort_by(|&a, &b| alphas[b].total_cmp(&alphas[a]));
            let mut out: Vec<Option<LinearSolution>> = vec![None; alphas.len()];
            let mut previous: Option<Vec<f64>> = None;
            for (n, i) in order.into_iter().enumerate() {
                let solution = solve_elastic_net(
                    gram,
                    alphas[i],
                    l1_ratio,
                    previous.as_deref(),
                    CoordinateDescentOptions::default(),
                )?;
                previous = Some(solution.coefficients.clone());
                out[i] = Some(solution);
                fitted(n + 1);
            }
            Ok(out.into_iter().flatten().collect())
        }
    }
}
