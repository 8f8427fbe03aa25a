//! The notebook's Prepare → Train → Evaluate steps as one call, shared by the browser
//! app and the `flowbook` command.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::{DataError, TripTable};
use crate::features::{prepare_rows, Design, Encoder, FeatureError, FeatureSpec, PrepareSpec};
use crate::metrics::{RegressionMetrics, TargetSums};
use crate::model::LinearModel;
use linfa::traits::Fit;

use crate::trees::{boost_binned, BinnedRows, Round, TreeError, TreeModel, TreeParams};

mod job;
pub use job::{train_job, TrainSummary, Trained};

use crate::solve::{
    fit, fit_path_with_progress, score_rows, Gram, LinearParams, LinearSolution, ModelKind,
    OneHotRecords, SolveError,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRequest {
    pub prepare: PrepareSpec,
    pub features: FeatureSpec,
    pub kind: ModelKind,
}

impl TrainRequest {
    /// Numerical columns to decode from the files for this request.
    pub fn numeric_columns(&self) -> Vec<String> {
        let mut columns = self.features.numerical.clone();
        if self.prepare.min_distance_exclusive.is_some()
            && !columns.iter().any(|c| c == "trip_distance")
        {
            columns.push("trip_distance".to_string());
        }
        columns
    }
}

#[derive(Debug, Error)]
pub enum PipelineError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Features(#[from] FeatureError),
    #[error("training failed: {0}")]
    Solve(#[from] SolveError),
    #[error(transparent)]
    Trees(#[from] TreeError),
}

/// Outcome of one training: metrics on both sets and the model itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    pub kind: ModelKind,
    pub train_rows: usize,
    pub val_rows: usize,
    pub n_features: usize,
    pub train: RegressionMetrics,
    pub validation: RegressionMetrics,
    pub iterations: usize,
    pub converged: bool,
    pub model: LinearModel,
}

/// Training rows, encoded, with their sufficient statistics: everything a model needs.
pub struct PreparedTraining {
    pub encoder: Encoder,
    pub train: crate::features::Design,
    pub validation: crate::features::Design,
    pub gram: Gram,
    pub train_sha256: String,
    /// The train and validation targets' sums about their means (R²'s denominator).
    target_sums: (TargetSums, TargetSums),
}

impl PreparedTraining {
    pub fn new(
        train: &TripTable,
        validation: &TripTable,
        prepare: &PrepareSpec,
        features: &FeatureSpec,
    ) -> Result<PreparedTraining, PipelineError> {
        let (encoder, train_design, val_design) =
            prepare_designs(train, validation, prepare, features)?;
        let layout = encoder.layout();
        let gram = Gram::accumulate(&train_design, &layout);
        let target_sums = (
            TargetSums::of(&train_design.target),
            TargetSums::of(&val_design.target),
        );
        Ok(PreparedTraining {
            encoder,
            train: train_design,
            validation: val_design,
            gram,
            train_sha256: train.sha256_hex.clone(),
            target_sums,
        })
    }

    /// The train and validation metrics of one solution, without making its model file
    /// (a search scores many solutions and keeps one model): the same predictions as
    /// the model's own.
    pub fn metrics(&self, solution: &LinearSolution) -> (RegressionMetrics, RegressionMetrics) {
        let layout = self.encoder.layout();
        let on = |design: &Design, target: &TargetSums| {
            score_rows(
                &layout,
                solution.intercept,
                &solution.coefficients,
                design,
                target,
            )
        };
        (
            on(&self.train, &self.target_sums.0),
            on(&self.validation, &self.target_sums.1),
        )
    }

    /// Evaluates one solution on both sets.
    pub fn report(&self, kind: ModelKind, solution: &LinearSolution) -> TrainReport {
        let model = LinearModel::new(kind, self.encoder.clone(), solution, &self.train_sha256);
        let (train, validation) = self.metrics(solution);
        TrainReport {
            kind,
            train_rows: self.train.n_rows,
            val_rows: self.validation.n_rows,
            n_features: self.encoder.n_columns(),
            train,
            validation,
            iterations: solution.iterations,
            converged: solution.converged,
            model,
        }
    }

    pub fn train(&self, kind: ModelKind) -> Result<TrainReport, PipelineError> {
        let solution = fit(&self.gram, kind)?;
        Ok(self.report(kind, &solution))
    }

    /// The same training through linfa's `Fit` API (rebuilds the statistics from the
    /// dataset it is given); used where a caller composes Flowbook with linfa.
    pub fn train_with_linfa(&self, kind: ModelKind) -> Result<TrainReport, PipelineError> {
        let records = OneHotRecords {
            design: self.train.clone(),
            layout: self.encoder.layout(),
        };
        let targets = ndarray::Array1::from(self.train.target.clone());
        let dataset = linfa::DatasetBase::new(records, targets);
        let fitted = LinearParams(kind).fit(&dataset)?;
        Ok(self.report(kind, &fitted.solution))
    }

    /// One report per alpha, in the order given.
    pub fn sweep(
        &self,
        kind: ModelKind,
        alphas: &[f64],
    ) -> Result<Vec<TrainReport>, PipelineError> {
        self.sweep_with_progress(kind, alphas, &mut |_| {})
    }

    /// `sweep`, telling `progress` after each model fitted and each model evaluated
    /// (steps 2..=2n+1 of a `Progress` whose step 1 is the preparation).
    pub fn sweep_with_progress(
        &self,
        kind: ModelKind,
        alphas: &[f64],
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Vec<TrainReport>, PipelineError> {
        let total = Progress::total_steps(alphas.len());
        let solutions = fit_path_with_progress(&self.gram, kind, alphas, &mut |fitted| {
            progress(Progress {
                phase: Phase::Fitting,
                done: 1 + fitted,
                total,
            })
        })?;
        let fitted = solutions.len();
        Ok(solutions
            .iter()
            .zip(alphas)
            .enumerate()
            .map(|(i, (solution, &alpha))| {
                let report = self.report(kind.with_alpha(alpha), solution);
                progress(Progress {
                    phase: Phase::Evaluating,
                    done: 1 + fitted + i + 1,
                    total,
                });
                report
            })
            .collect())
    }
}

/// What a training is doing, for a progress bar: `done` of `total` steps, never
/// decreasing within one training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub phase: Phase,
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Filtering and encoding the rows, accumulating their statistics.
    Preparing,
    /// Solving for one model per alpha.
    Fitting,
    /// Scoring each model on both sets.
    Evaluating,
    /// Growing the trees, one step per boosting round.
    Boosting,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Phase::Preparing => "Preparing the rows",
            Phase::Fitting => "Fitting",
            Phase::Evaluating => "Evaluating",
            Phase::Boosting => "Boosting round",
        }
    }
}

impl Progress {
    /// Steps of a training of `models` models: preparing, then fitting and evaluating each.
    pub fn total_steps(models: usize) -> usize {
        1 + 2 * models
    }
}

/// The Train step as the app runs it: one model at `request.kind`, or, when `sweep_alphas`
/// is given and not empty, one per alpha (reports in the alphas' order). The same code
/// runs on the page and in its training worker, so both give the same numbers.
pub fn train_or_sweep(
    train: &TripTable,
    validation: &TripTable,
    request: &TrainRequest,
    sweep_alphas: Option<&[f64]>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<TrainReport>, PipelineError> {
    let alphas = sweep_alphas.filter(|alphas| !alphas.is_empty());
    let models = alphas.map_or(1, <[f64]>::len);
    let total = Progress::total_steps(models);
    progress(Progress {
        phase: Phase::Preparing,
        done: 0,
        total,
    });
    let prepared = PreparedTraining::new(train, validation, &request.prepare, &request.features)?;
    progress(Progress {
        phase: Phase::Preparing,
        done: 1,
        total,
    });
    match alphas {
        Some(alphas) => prepared.sweep_with_progress(request.kind, alphas, progress),
        None => {
            let solution = fit(&prepared.gram, request.kind)?;
            progress(Progress {
                phase: Phase::Fitting,
                done: 2,
                total,
            });
            let report = prepared.report(request.kind, &solution);
            progress(Progress {
                phase: Phase::Evaluating,
                done: 3,
                total,
            });
            Ok(vec![report])
        }
    }
}

/// Prepare, train and evaluate in one call.
pub fn train(
    train: &TripTable,
    validation: &TripTable,
    request: &TrainRequest,
) -> Result<TrainReport, PipelineError> {
    PreparedTraining::new(train, validation, &request.prepare, &request.features)?
        .train(request.kind)
}

/// The rows both sets keep after the filters, encoded with a vocabulary learnt from the
/// training set.
pub fn prepare_designs(
    train: &TripTable,
    validation: &TripTable,
    prepare: &PrepareSpec,
    features: &FeatureSpec,
) -> Result<(Encoder, Design, Design), PipelineError> {
    let train_rows = prepare_rows(train, prepare, features)?;
    let val_rows = prepare_rows(validation, prepare, features)?;
    let encoder = Encoder::fit(features, train, &train_rows)?;
    let train_design = encoder.encode(train, &train_rows)?;
    let val_design = encoder.encode(validation, &val_rows)?;
    Ok((encoder, train_design, val_design))
}

/// Outcome of one gradient-boosted tree training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeReport {
    pub train_rows: usize,
    pub val_rows: usize,
    /// One-hot columns, as DictVectorizer counts them.
    pub n_features: usize,
    /// Metrics of the model as kept (up to `best_iteration`).
    pub train: RegressionMetrics,
    pub validation: RegressionMetrics,
    pub best_iteration: u32,
    /// Rounds boosted, including those after the best one.
    pub rounds_trained: u32,
    pub stopped_early: bool,
    /// Train and validation RMSE after each round: the run's metric history.
    pub curve: Vec<Round>,
    pub model: TreeModel,
}

/// Prepare, boost and evaluate. `on_round` sees each round and may stop the training, in
/// which case the result is `Ok(None)`.
pub fn train_trees(
    train: &TripTable,
    validation: &TripTable,
    prepare: &PrepareSpec,
    features: &FeatureSpec,
    params: &TreeParams,
    on_round: &mut dyn FnMut(&Round) -> std::ops::ControlFlow<()>,
) -> Result<Option<TreeReport>, PipelineError> {
    params.validate()?;
    let (encoder, train_design, val_design) =
        prepare_designs(train, validation, prepare, features)?;
    let binned = BinnedRows::new(
        &train_design,
        &encoder.layout().block_sizes,
        params.max_bin as usize,
    );
    let designs = EncodedSets {
        encoder: &encoder,
        train: &train_design,
        validation: &val_design,
        prepare,
        train_sha256: &train.sha256_hex,
    };
    boost_report(&designs, &binned, params, on_round)
}

/// Encoded training and validation rows, as a tree training reads them.
pub struct EncodedSets<'a> {
    pub encoder: &'a Encoder,
    pub train: &'a Design,
    pub validation: &'a Design,
    pub prepare: &'a PrepareSpec,
    pub train_sha256: &'a str,
}

/// Boosts on rows already encoded and binned (with `params.max_bin` bins) and evaluates
/// the model on both sets; `Ok(None)` when `on_round` stopped it.
pub fn boost_report(
    sets: &EncodedSets<'_>,
    binned: &BinnedRows,
    params: &TreeParams,
    on_round: &mut dyn FnMut(&Round) -> std::ops::ControlFlow<()>,
) -> Result<Option<TreeReport>, PipelineError> {
    let Some(boosted) = boost_binned(sets.train, sets.validation, binned, params, on_round)? else {
        return Ok(None);
    };
    let model = TreeModel::new(
        *params,
        sets.prepare.clone(),
        sets.encoder.clone(),
        boosted.ensemble,
        boosted.best_iteration,
        sets.train_sha256,
    );
    // Boosting summed the model's trees for every row as it went: `model.predict`'s numbers.
    let train_metrics = RegressionMetrics::compute(&sets.train.target, &boosted.train_predictions);
    let val_metrics = RegressionMetrics::compute(&sets.validation.target, &boosted.val_predictions);
    Ok(Some(TreeReport {
        train_rows: sets.train.n_rows,
        val_rows: sets.validation.n_rows,
        n_features: sets.encoder.n_columns(),
        train: train_metrics,
        validation: val_metrics,
        best_iteration: boosted.best_iteration,
        rounds_trained: boosted.curve.len() as u32,
        stopped_early: boosted.stopped_early,
        curve: boosted.curve,
        model,
    }))
}
