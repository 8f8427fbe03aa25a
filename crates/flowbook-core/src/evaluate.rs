//! What the Evaluate cell and the charts show, computed from a trained model and prepared rows.
//!
//! Everything here is data, not drawing: `flowbook-charts` draws it, and the numbers are
//! checked natively against the pipeline that produced the model.

mod coefficients;
mod distributions;
mod runs;

pub use coefficients::{column_labels, largest_coefficients, Coefficient};
pub use distributions::{
    overlaid_distributions, residuals, ResidualSummary, Residuals, WITHIN_MINUTES,
};
pub use runs::{rmse_per_run, sweep_curve, RunRmse, SweepPoint};

use serde::{Deserialize, Serialize};

use crate::data::{Histogram, TripTable, ZoneLookup};
use crate::features::{prepare_rows, Design, PrepareSpec};
use crate::model::LinearModel;
use crate::pipeline::PipelineError;

/// Actual and predicted durations (minutes) of the same rows, in row order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Predictions {
    pub actual: Vec<f64>,
    pub predicted: Vec<f64>,
}

impl Predictions {
    pub fn len(&self) -> usize {
        self.actual.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actual.is_empty()
    }
}

/// The model's predictions for rows already encoded (e.g. `PreparedTraining::validation`).
pub fn predictions(model: &LinearModel, design: &Design) -> Predictions {
    Predictions {
        actual: design.target.clone(),
        predicted: model.predict(design),
    }
}

/// The model's predictions for a trip file, prepared with the same `prepare` spec as in
/// training: the rows the training report's validation metrics were computed on.
pub fn table_predictions(
    model: &LinearModel,
    table: &TripTable,
    prepare: &PrepareSpec,
) -> Result<Predictions, PipelineError> {
    let rows = prepare_rows(table, prepare, &model.encoder.spec)?;
    let design = model.encoder.encode(table, &rows)?;
    Ok(predictions(model, &design))
}

/// Coefficients the evaluation lists: enough to see which zone pairs matter most.
pub const EVALUATION_COEFFICIENTS: usize = 15;

/// The durations (minutes) the predicted-vs-actual chart covers, one bin per minute.
const DURATION_RANGE_MIN: (f64, f64, usize) = (0.0, 60.0, 60);

/// Everything the evaluation shows of one model on its validation rows: what the page's
/// Evaluate view draws and what a run keeps as chart files, computed once per training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Actual durations on the predicted-vs-actual chart's bins.
    pub actual: Histogram,
    /// Predicted durations on the same bins.
    pub predicted: Histogram,
    pub residuals: Residuals,
    /// The `EVALUATION_COEFFICIENTS` largest, labelled with zone names when known.
    pub coefficients: Vec<Coefficient>,
}

/// Evaluates `model` on `table`, prepared with the spec it was trained with.
pub fn evaluate(
    model: &LinearModel,
    table: &TripTable,
    prepare: &PrepareSpec,
    zones: Option<&ZoneLookup>,
) -> Result<Evaluation, PipelineError> {
    let predictions = table_predictions(model, table, prepare)?;
    let (lo, hi, bins) = DURATION_RANGE_MIN;
    let (actual, predicted) =
        overlaid_distributions(&predictions.actual, &predictions.predicted, lo, hi, bins);
    Ok(Evaluation {
        actual,
        predicted,
        residuals: residuals(&predictions.actual, &predictions.predicted),
        coefficients: largest_coefficients(model, EVALUATION_COEFFICIENTS, zones),
    })
}
