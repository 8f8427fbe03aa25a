//! A trained model of either family as the app keeps it: the run's model file
//! ([`MODEL_ARTIFACT`]), what the registry's versions point at and what Predict asks. The
//! file says its family (`"model": "gbdt"` for trees), so one reader opens both.

use crate::data::ZoneLookup;
use crate::evaluate::{Coefficient, EffectMeasure};
use crate::features::{Design, Encoder, PrepareSpec};
use crate::model::{LinearModel, ModelFileError, TripModel};
use crate::trees::TreeModel;

/// The run artifact holding the trained model (either family's JSON).
pub const MODEL_ARTIFACT: &str = "flowbook_model.json";

#[derive(Debug, Clone, PartialEq)]
pub enum SavedModel {
    Linear(LinearModel),
    Trees(TreeModel),
}

impl SavedModel {
    /// Reads either family's model file.
    pub fn from_json(text: &str) -> Result<SavedModel, ModelFileError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ModelFileError::Malformed(e.to_string()))?;
        if value.get("model").and_then(serde_json::Value::as_str) == Some("gbdt") {
            TreeModel::from_json(text).map(SavedModel::Trees)
        } else {
            LinearModel::from_json(text).map(SavedModel::Linear)
        }
    }

    pub fn to_json(&self) -> String {
        match self {
            SavedModel::Linear(model) => model.to_json(),
            SavedModel::Trees(model) => model.to_json(),
        }
    }

    /// The filters of the rows it was trained on. A linear model's file predates them
    /// being kept, and its trainings always used the defaults' target range.
    pub fn prepare(&self) -> PrepareSpec {
        match self {
            SavedModel::Linear(_) => PrepareSpec::default(),
            SavedModel::Trees(model) => model.prepare.clone(),
        }
    }

    pub fn encoder(&self) -> &crate::features::Encoder {
        match self {
            SavedModel::Linear(model) => &model.encoder,
            SavedModel::Trees(model) => &model.encoder,
        }
    }

    /// The digest of the training file the model learnt from.
    pub fn train_sha256(&self) -> &str {
        match self {
            SavedModel::Linear(model) => &model.train_sha256,
            SavedModel::Trees(model) => &model.train_sha256,
        }
    }

    /// `ols`, `ridge`, …, or `gbdt`.
    pub fn family_name(&self) -> &'static str {
        match self {
            SavedModel::Linear(model) => model.kind.short_name(),
            SavedModel::Trees(_) => "gbdt",
        }
    }

    pub fn as_trip_model(&self) -> &dyn TripModel {
        match self {
            SavedModel::Linear(model) => model,
            SavedModel::Trees(model) => model,
        }
    }
}

impl TripModel for SavedModel {
    fn encoder(&self) -> &Encoder {
        self.as_trip_model().encoder()
    }
    fn predict_design(&self, design: &Design) -> Vec<f64> {
        self.as_trip_model().predict_design(design)
    }
    fn description(&self) -> String {
        self.as_trip_model().description()
    }
    fn train_sha256(&self) -> &str {
        self.as_trip_model().train_sha256()
    }
    fn largest_effects(
        &self,
        n: usize,
        zones: Option<&ZoneLookup>,
    ) -> (EffectMeasure, Vec<Coefficient>) {
        self.as_trip_model().largest_effects(n, zones)
    }
}

#[cfg(test)]
mod tests;
