//! The boosted model as a file: settings, encoder, trees, lineage; and what the trees
//! say about the features (total gain per one-hot column, with zone names).

use serde::{Deserialize, Serialize};

use super::ensemble::{Test, TreeEnsemble};
use super::params::TreeParams;
use crate::data::ZoneLookup;
use crate::evaluate::{column_labels, Coefficient, EffectMeasure};
use crate::features::{Design, Encoder, PrepareSpec};
use crate::model::{ModelFileError, TripModel};
use crate::solve::Layout;

/// Version of the tree model file; readers accept this and older versions.
pub const TREE_MODEL_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeModel {
    pub format_version: u32,
    /// Always `"gbdt"`: tells a tree model file from a linear one.
    pub model: String,
    pub params: TreeParams,
    /// The rows the model was trained on: its target range and filters.
    #[serde(default)]
    pub prepare: PrepareSpec,
    pub encoder: Encoder,
    pub ensemble: TreeEnsemble,
    /// The round whose trees the model keeps (0-based): the last with the lowest
    /// validation RMSE when early stopping is on, the last round otherwise.
    pub best_iteration: u32,
    /// SHA-256 of the training file, for lineage.
    pub train_sha256: String,
}

/// One one-hot column's share in the trees' splits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureImportance {
    /// Position in `Encoder::column_names()` order.
    pub column: usize,
    pub label: String,
    /// Sum of the loss reductions of the splits on this column (XGBoost's `total_gain`).
    pub total_gain: f64,
    pub splits: usize,
}

impl TreeModel {
    pub fn new(
        params: TreeParams,
        prepare: PrepareSpec,
        encoder: Encoder,
        ensemble: TreeEnsemble,
        best_iteration: u32,
        train_sha256: &str,
    ) -> TreeModel {
        TreeModel {
            format_version: TREE_MODEL_FORMAT_VERSION,
            model: "gbdt".to_string(),
            params,
            prepare,
            encoder,
            ensemble,
            best_iteration,
            train_sha256: train_sha256.to_string(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<TreeModel, ModelFileError> {
        let model: TreeModel =
            serde_json::from_str(text).map_err(|e| ModelFileError::Malformed(e.to_string()))?;
        model.checked()
    }

    /// The model as read from elsewhere (a file, the training worker): its version and
    /// trees checked, its vocabularies' lookups (which are not serialized) rebuilt.
    pub fn checked(self) -> Result<TreeModel, ModelFileError> {
        let mut model = self;
        if model.model != "gbdt" {
            return Err(ModelFileError::Malformed(format!(
                "expected a gradient-boosted tree model, found {:?}",
                model.model
            )));
        }
        if model.format_version > TREE_MODEL_FORMAT_VERSION {
            return Err(ModelFileError::TooNew {
                found: model.format_version,
                supported: TREE_MODEL_FORMAT_VERSION,
            });
        }
        for vocabulary in &mut model.encoder.vocabularies {
            vocabulary.rebuild_index();
        }
        let (k, m) = (
            model.encoder.vocabularies.len(),
            model.encoder.spec.numerical.len(),
        );
        for (i, tree) in model.ensemble.trees.iter().enumerate() {
            tree.check(k, m)
                .map_err(|e| ModelFileError::Inconsistent(format!("tree {i}: {e}")))?;
        }
        Ok(model)
    }

    /// Predicted duration (minutes) for each row of an encoded design.
    pub fn predict(&self, design: &Design) -> Vec<f64> {
        self.ensemble.predict(design)
    }

    /// The one-hot column a split tests, in the encoder's layout.
    fn column_of(layout: &Layout, test: &Test) -> Option<usize> {
        match *test {
            Test::Leaf => None,
            Test::Category { feature, code } => {
                Some(layout.block_offset(feature as usize) + code as usize)
            }
            Test::Below { feature, .. } => Some(layout.numeric_offset() + feature as usize),
        }
    }

    /// The `n` columns with the largest total gain, largest first (ties in column order).
    pub fn importance(&self, n: usize, zones: Option<&ZoneLookup>) -> Vec<FeatureImportance> {
        let mut gain = vec![0.0; self.encoder.n_columns()];
        let mut splits = vec![0usize; gain.len()];
        let layout = self.encoder.layout();
        for tree in &self.ensemble.trees {
            for (test, &g) in tree.tests.iter().zip(&tree.gain) {
                if let Some(column) = Self::column_of(&layout, test).filter(|&c| c < gain.len()) {
                    gain[column] += g;
                    splits[column] += 1;
                }
            }
        }
        let mut columns: Vec<usize> = (0..gain.len()).filter(|&c| splits[c] > 0).collect();
        columns.sort_by(|&a, &b| gain[b].total_cmp(&gain[a]));
        columns.truncate(n);
        let labels = column_labels(&self.encoder, zones);
        columns
            .into_iter()
            .map(|column| FeatureImportance {
                column,
                label: labels
                    .get(column)
                    .cloned()
                    .unwrap_or_else(|| format!("column {column}")),
                total_gain: gain[column],
                splits: splits[column],
            })
            .collect()
    }
}

impl TripModel for TreeModel {
    fn encoder(&self) -> &Encoder {
        &self.encoder
    }
    fn predict_design(&self, design: &Design) -> Vec<f64> {
        self.predict(design)
    }
    fn description(&self) -> String {
        format!(
            "gbdt {} trees max_depth={} learning_rate={}",
            self.ensemble.trees.len(),
            self.params.max_depth,
            self.params.learning_rate
        )
    }
    fn train_sha256(&self) -> &str {
        &self.train_sha256
    }
    fn largest_effects(
        &self,
        n: usize,
        zones: Option<&ZoneLookup>,
    ) -> (EffectMeasure, Vec<Coefficient>) {
        let bars = self
            .importance(n, zones)
            .into_iter()
            .map(|feature| Coefficient {
                column: feature.column,
                label: feature.label,
                value: feature.total_gain,
            })
            .collect();
        (EffectMeasure::TotalGain, bars)
    }
}
