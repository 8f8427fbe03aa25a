//! The notebook's Prepare → Train → Evaluate steps as one call, shared by the browser
//! app and the `flowbook` command.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::{DataError, TripTable};
use crate::features::{prepare_rows, Encoder, FeatureError, FeatureSpec, PrepareSpec};
use crate::metrics::RegressionMetrics;
use crate::model::LinearModel;
use linfa::traits::Fit;

use crate::solve::{
    fit, fit_path, Gram, LinearParams, LinearSolution, ModelKind, OneHotRecords, SolveError,
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
}

impl PreparedTraining {
    pub fn new(
        train: &TripTable,
        validation: &TripTable,
        prepare: &PrepareSpec,
        features: &FeatureSpec,
    ) -> Result<PreparedTraining, PipelineError> {
        let train_rows = prepare_rows(train, prepare, features)?;
        let val_rows = prepare_rows(validation, prepare, features)?;
        let encoder = Encoder::fit(features, train, &train_rows)?;
        let train_design = encoder.encode(train, &train_rows)?;
        let val_design = encoder.encode(validation, &val_rows)?;
        let layout = encoder.layout();
        let gram = Gram::accumulate(&train_design, &layout);
        Ok(PreparedTraining {
            encoder,
            train: train_design,
            validation: val_design,
            gram,
            train_sha256: train.sha256_hex.clone(),
        })
    }

    /// Evaluates one solution on both sets.
    pub fn report(&self, kind: ModelKind, solution: &LinearSolution) -> TrainReport {
        let model = LinearModel::new(kind, self.encoder.clone(), solution, &self.train_sha256);
        let train = RegressionMetrics::compute(&self.train.target, &model.predict(&self.train));
        let validation =
            RegressionMetrics::compute(&self.validation.target, &model.predict(&self.validation));
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
        let solutions = fit_path(&self.gram, kind, alphas)?;
        Ok(solutions
            .iter()
            .zip(alphas)
            .map(|(solution, &alpha)| self.report(kind.with_alpha(alpha), solution))
            .collect())
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
