//! A trained model that stands on its own: features, vocabularies, coefficients and the
//! digest of the data it was trained on. Serialises to JSON and predicts from a loaded copy.

use serde::{Deserialize, Serialize};

use crate::data::ZoneLookup;
use crate::evaluate::{largest_coefficients, Coefficient, EffectMeasure};
use crate::features::{Design, Encoder};
use crate::solve::{predict_rows, Layout, LinearSolution, ModelKind};

/// Version of the model file format; readers accept this and older versions.
pub const MODEL_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    pub format_version: u32,
    pub kind: ModelKind,
    pub encoder: Encoder,
    pub intercept: f64,
    /// One per column of `encoder.column_names()`.
    pub coefficients: Vec<f64>,
    /// SHA-256 of the training file, for lineage.
    pub train_sha256: String,
}

/// What every trip-duration model offers the code that exports, evaluates or describes
/// it, whatever its family (linear or trees).
pub trait TripModel {
    /// The features and vocabularies the model reads.
    fn encoder(&self) -> &Encoder;
    /// Predicted duration (minutes) for each row of an encoded design.
    fn predict_design(&self, design: &Design) -> Vec<f64>;
    /// A short description for people and metadata, e.g. `ridge alpha=1` or `gbdt 100 trees`.
    fn description(&self) -> String;
    /// SHA-256 of the training file.
    fn train_sha256(&self) -> &str;
    /// The `n` features that matter most, largest first, labelled with zone names when
    /// `zones` is given: a linear model's coefficients, the trees' total gains.
    fn largest_effects(
        &self,
        n: usize,
        zones: Option<&ZoneLookup>,
    ) -> (EffectMeasure, Vec<Coefficient>);
}

impl TripModel for LinearModel {
    fn encoder(&self) -> &Encoder {
        &self.encoder
    }
    fn predict_design(&self, design: &Design) -> Vec<f64> {
        self.predict(design)
    }
    fn description(&self) -> String {
        self.kind.to_string()
    }
    fn train_sha256(&self) -> &str {
        &self.train_sha256
    }
    fn largest_effects(
        &self,
        n: usize,
        zones: Option<&ZoneLookup>,
    ) -> (EffectMeasure, Vec<Coefficient>) {
        (
            EffectMeasure::Coefficient,
            largest_coefficients(self, n, zones),
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    #[error("this is not a Flowbook model file: {0}")]
    Malformed(String),
    #[error("this model file has format version {found}; this Flowbook reads up to {supported}. Update Flowbook.")]
    TooNew { found: u32, supported: u32 },
    #[error("the model file is inconsistent: {0}")]
    Inconsistent(String),
}

impl LinearModel {
    pub fn new(
        kind: ModelKind,
        encoder: Encoder,
        solution: &LinearSolution,
        train_sha256: &str,
    ) -> Self {
        LinearModel {
            format_version: MODEL_FORMAT_VERSION,
            kind,
            encoder,
            intercept: solution.intercept,
            coefficients: solution.coefficients.clone(),
            train_sha256: train_sha256.to_string(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<LinearModel, ModelFileError> {
        let mut model: LinearModel =
            serde_json::from_str(text).map_err(|e| ModelFileError::Malformed(e.to_string()))?;
        if model.format_version > MODEL_FORMAT_VERSION {
            return Err(ModelFileError::TooNew {
                found: model.format_version,
                supported: MODEL_FORMAT_VERSION,
            });
        }
        for vocabulary in &mut model.encoder.vocabularies {
            vocabulary.rebuild_index();
        }
        if model.coefficients.len() != model.encoder.n_columns() {
            return Err(ModelFileError::Inconsistent(format!(
                "{} coefficients for {} columns",
                model.coefficients.len(),
                model.encoder.n_columns()
            )));
        }
        Ok(model)
    }

    /// Column layout: the categorical blocks, then the numbers.
    pub fn layout(&self) -> Layout {
        self.encoder.layout()
    }

    /// Predicted duration (minutes) for each row of an encoded design.
    pub fn predict(&self, design: &Design) -> Vec<f64> {
        predict_rows(&self.layout(), self.intercept, &self.coefficients, design)
    }
}
