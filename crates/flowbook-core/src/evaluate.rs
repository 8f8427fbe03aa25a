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
pub use runs::{best_linear_run_like, rmse_per_run, sweep_curve, RunRmse, SweepPoint};

use serde::{Deserialize, Serialize};

use crate::data::{Histogram, TripTable, ZoneLookup};
use crate::features::{prepare_rows, Design, PrepareSpec};
use crate::model::TripModel;
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
pub fn predictions<M: TripModel + ?Sized>(model: &M, design: &Design) -> Predictions {
    Predictions {
        actual: design.target.clone(),
        predicted: model.predict_design(design),
    }
}

/// The model's predictions for a trip file, prepared with the same `prepare` spec as in
/// training: the rows the training report's validation metrics were computed on.
pub fn table_predictions<M: TripModel + ?Sized>(
    model: &M,
    table: &TripTable,
    prepare: &PrepareSpec,
) -> Result<Predictions, PipelineError> {
    let rows = prepare_rows(table, prepare, &model.encoder().spec)?;
    let design = model.encoder().encode(table, &rows)?;
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
    /// What `coefficients` holds: a linear model's coefficients or the trees' gains.
    #[serde(default)]
    pub effect: EffectMeasure,
    /// The `EVALUATION_COEFFICIENTS` largest, labelled with zone names when known.
    pub coefficients: Vec<Coefficient>,
}

/// What the evaluation's bar chart measures of each feature.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectMeasure {
    /// Minutes per unit (a one-hot column: the minutes its category adds).
    #[default]
    Coefficient,
    /// Total loss reduction of the trees' splits on the column (XGBoost's `total_gain`).
    TotalGain,
}

impl EffectMeasure {
    /// The bar chart's axis.
    pub fn axis_label(self) -> &'static str {
        match self {
            EffectMeasure::Coefficient => "effect on predicted duration (min per unit)",
            EffectMeasure::TotalGain => "total gain of the splits on the feature",
        }
    }

    /// The chart's caption.
    pub fn caption(self) -> &'static str {
        match self {
            EffectMeasure::Coefficient => {
                "The largest coefficients: minutes added (or taken off) by each feature."
            }
            EffectMeasure::TotalGain => {
                "Feature importance: the total gain of the trees' splits on each feature (XGBoost's total_gain)."
            }
        }
    }
}

/// Evaluates `model` on `table`, prepared with the spec it was trained with.
pub fn evaluate<M: TripModel + ?Sized>(
    model: &M,
    table: &TripTable,
    prepare: &PrepareSpec,
    zones: Option<&ZoneLookup>,
) -> Result<Evaluation, PipelineError> {
    let predictions = table_predictions(model, table, prepare)?;
    let (lo, hi, bins) = DURATION_RANGE_MIN;
    let (actual, predicted) =
        overlaid_distributions(&predictions.actual, &predictions.predicted, lo, hi, bins);
    let (effect, coefficients) = model.largest_effects(EVALUATION_COEFFICIENTS, zones);
    Ok(Evaluation {
        actual,
        predicted,
        residuals: residuals(&predictions.actual, &predictions.predicted),
        effect,
        coefficients,
    })
}
