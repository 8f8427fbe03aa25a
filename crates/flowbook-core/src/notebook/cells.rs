//! What each kind of cell holds: its settings, as saved in a notebook file, and their
//! conversions to the engine's own types.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::features::{FeatureSpec, PrepareSpec};
use crate::pipeline::TrainRequest;
use crate::solve::ModelKind;
use crate::trees::TreeParams;

/// A dataset a Data cell loads: the file's name, where to fetch it from when it is not
/// bundled, and its content digest so that a notebook names exactly the bytes it used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetRef {
    pub file_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// SHA-256 of the file's bytes, lowercase hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl DatasetRef {
    pub fn file(file_name: &str) -> DatasetRef {
        DatasetRef {
            file_name: file_name.to_string(),
            url: None,
            sha256: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataSettings {
    pub train: DatasetRef,
    pub validation: DatasetRef,
}

/// The Prepare cell: the engine's own specs, flattened into the cell's fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrepareSettings {
    #[serde(flatten)]
    pub prepare: PrepareSpec,
    #[serde(flatten)]
    pub features: FeatureSpec,
}

impl Default for PrepareSettings {
    fn default() -> Self {
        PrepareSettings {
            prepare: PrepareSpec::default(),
            features: FeatureSpec::pu_do_distance(),
        }
    }
}

/// The Train cell. The model is kept by name with its numbers beside it (rather than as a
/// [`ModelKind`]) so that switching models in the editor keeps the alpha the user typed,
/// and a model name from a newer Flowbook still opens (it fails when run, not when read).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainSettings {
    /// `ols`, `ridge`, `lasso` or `elasticnet`, as [`ModelKind::parse`] reads them.
    pub model: String,
    pub alpha: f64,
    pub l1_ratio: f64,
    /// When set, one model per alpha instead of one model at `alpha`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep_alphas: Option<Vec<f64>>,
    /// The boosting settings of model `gbdt` (kept when another model is chosen, so that
    /// switching back finds them); [`TreeParams::workshop`] when none were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trees: Option<TreeParams>,
}

/// The model name of gradient-boosted trees.
pub const TREES_MODEL: &str = "gbdt";

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings::from_kind(ModelKind::Ols)
    }
}

impl TrainSettings {
    pub fn from_kind(kind: ModelKind) -> TrainSettings {
        let l1_ratio = match kind {
            ModelKind::ElasticNet { l1_ratio, .. } => l1_ratio,
            _ => 0.5,
        };
        TrainSettings {
            model: kind.short_name().to_string(),
            alpha: kind.alpha().unwrap_or(1.0),
            l1_ratio,
            sweep_alphas: None,
            trees: None,
        }
    }

    /// A cell training gradient-boosted trees with `params`.
    pub fn trees(params: TreeParams) -> TrainSettings {
        TrainSettings {
            model: TREES_MODEL.to_string(),
            trees: Some(params),
            ..TrainSettings::default()
        }
    }

    /// The boosting settings when the cell trains trees.
    pub fn tree_params(&self) -> Option<TreeParams> {
        (self.model == TREES_MODEL).then(|| self.trees.unwrap_or_else(TreeParams::workshop))
    }

    pub fn model_kind(&self) -> Result<ModelKind, String> {
        ModelKind::parse(&self.model, Some(self.alpha), Some(self.l1_ratio))
    }

    /// What the engine's pipeline trains for this cell, given the Prepare cell above it.
    /// For trees, the request carries the rows and features; its kind is unused.
    pub fn request(&self, prepare: &PrepareSettings) -> Result<TrainRequest, String> {
        let kind = match self.tree_params() {
            Some(params) => {
                params.validate().map_err(|e| e.to_string())?;
                ModelKind::Ols
            }
            None => self.model_kind()?,
        };
        Ok(TrainRequest {
            prepare: prepare.prepare.clone(),
            features: prepare.features.clone(),
            kind,
        })
    }
}

/// A chart the Evaluate cell draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Chart {
    PredictedVsActual,
    ResidualHistogram,
    DurationDistribution,
}

impl Chart {
    pub const ALL: [Chart; 3] = [
        Chart::PredictedVsActual,
        Chart::ResidualHistogram,
        Chart::DurationDistribution,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Chart::PredictedVsActual => "predicted_vs_actual",
            Chart::ResidualHistogram => "residual_histogram",
            Chart::DurationDistribution => "duration_distribution",
        }
    }

    pub fn from_name(name: &str) -> Option<Chart> {
        Chart::ALL.into_iter().find(|c| c.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluateSettings {
    pub charts: Vec<Chart>,
}

impl Default for EvaluateSettings {
    fn default() -> Self {
        EvaluateSettings {
            charts: Chart::ALL.to_vec(),
        }
    }
}

/// The Compare cell: which runs to list and in what order, in MLflow's search syntax
/// (read by the run store's filter and sort parsers when the cell runs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareSettings {
    /// e.g. `metrics.val_rmse < 7 and params.model = 'ridge'`; empty keeps every run.
    pub filter: String,
    /// e.g. `metrics.val_rmse ASC`.
    pub sort: String,
}

impl Default for CompareSettings {
    fn default() -> Self {
        CompareSettings {
            filter: String::new(),
            sort: "metrics.val_rmse ASC".to_string(),
        }
    }
}

/// The Predict cell: one trip, described the way the model's features see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictSettings {
    /// Taxi zone ids (`PULocationID`, `DOLocationID`).
    pub pickup_zone: i64,
    pub dropoff_zone: i64,
    pub trip_distance: f64,
}

impl Default for PredictSettings {
    fn default() -> Self {
        PredictSettings {
            pickup_zone: 74,
            dropoff_zone: 75,
            trip_distance: 1.5,
        }
    }
}

/// The Search cell: a search space (the JSON of `examples/search/*.json`) and how to
/// search it. Its trials train on the Data cell's files with their own features and rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchCellSettings {
    pub space: serde_json::Value,
    pub algorithm: crate::search::Algorithm,
    pub max_evals: usize,
    pub seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patience: Option<usize>,
}

/// The linear space the default notebook's Search cell starts with.
pub const LINEAR_SEARCH_SPACE: &str = include_str!("../../../../examples/search/linear.json");
/// A few seconds per trial in a browser: the workshop's tree preset.
pub const QUICK_TREES_SEARCH_SPACE: &str =
    include_str!("../../../../examples/search/quick_trees.json");
/// The course's XGBoost space, offered as a preset.
pub const COURSE_SEARCH_SPACE: &str =
    include_str!("../../../../examples/search/course_xgboost.json");

impl Default for SearchCellSettings {
    fn default() -> Self {
        SearchCellSettings {
            space: serde_json::from_str(LINEAR_SEARCH_SPACE).unwrap_or_default(),
            algorithm: crate::search::Algorithm::Tpe,
            max_evals: 50,
            seed: 42,
            patience: None,
        }
    }
}

impl SearchCellSettings {
    /// The space and settings the engine searches with, or what is wrong with them.
    pub fn plan(
        &self,
    ) -> Result<(crate::search::SearchSpace, crate::search::SearchSettings), String> {
        let space = crate::search::SearchSpace::from_value(self.space.clone())
            .map_err(|e| e.to_string())?;
        let settings = crate::search::SearchSettings {
            algorithm: self.algorithm,
            max_evals: self.max_evals,
            seed: self.seed,
            patience: self.patience,
            batch: crate::search::PARALLEL_BATCH,
            ..crate::search::SearchSettings::default()
        };
        settings.validate()?;
        Ok((space, settings))
    }
}

/// The Monitor cell: a model on later months against its reference. Each month is the
/// name of a file opened in the page or an address to fetch (relative to the page, or a
/// full URL).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorSettings {
    /// Which model: empty for the Train cell above it (the reference is then the Data
    /// cell's training file); else a registered version (`name@alias`, `name/3`, `name`)
    /// or a run's id, whose training file (found by its digest among the open files) is
    /// the reference.
    pub model: String,
    pub months: Vec<String>,
    pub thresholds: crate::monitor::Thresholds,
}

/// The bundled month after the samples' training month: a first month to check.
pub const DEFAULT_MONITOR_MONTH: &str = "data/green_tripdata_2021-02.parquet";

impl Default for MonitorSettings {
    fn default() -> Self {
        MonitorSettings {
            model: String::new(),
            months: vec![DEFAULT_MONITOR_MONTH.to_string()],
            thresholds: crate::monitor::Thresholds::default(),
        }
    }
}

/// A cell's kind and settings. Saved with a `"kind"` field beside the settings' fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CellKind {
    Markdown {
        source: String,
    },
    Data(DataSettings),
    Prepare(PrepareSettings),
    Train(TrainSettings),
    Evaluate(EvaluateSettings),
    Compare(CompareSettings),
    Predict(PredictSettings),
    Search(SearchCellSettings),
    Monitor(MonitorSettings),
    /// A kind this Flowbook does not know (written by a newer one). Kept whole, so that
    /// opening and saving the notebook here does not lose it; it never runs.
    #[serde(skip)]
    Unknown {
        kind: String,
        fields: Map<String, Value>,
    },
}

impl CellKind {
    /// The name written in the file's `"kind"` field.
    pub fn name(&self) -> &str {
        match self {
            CellKind::Markdown { .. } => "markdown",
            CellKind::Data(_) => "data",
            CellKind::Prepare(_) => "prepare",
            CellKind::Train(_) => "train",
            CellKind::Evaluate(_) => "evaluate",
            CellKind::Compare(_) => "compare",
            CellKind::Predict(_) => "predict",
            CellKind::Search(_) => "search",
            CellKind::Monitor(_) => "monitor",
            CellKind::Unknown { kind, .. } => kind,
        }
    }

    /// The name people read: "Train", "Prepare", ….
    pub fn label(&self) -> String {
        kind_label(self.name())
    }
}

/// The name people read for a kind's file name: `train` → "Train".
pub fn kind_label(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
