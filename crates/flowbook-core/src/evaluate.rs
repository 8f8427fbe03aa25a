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

use crate::data::TripTable;
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
