//! The experiment file: one versioned JSON document with an experiment, its runs and the
//! registry entries that point at them, for moving work between browsers or keeping it.
//!
//! Artifacts are written as base64 strings (`bytes_base64`), not as the run record's array
//! of numbers: a byte costs 1.33 characters instead of up to 4, the file stays valid for
//! any binary artifact (ONNX, parquet), and parsing one string is much faster than parsing
//! one number per byte. Readers ignore fields they do not know, so newer Flowbooks can add
//! fields without bumping the version; a higher version means "not readable here".

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::store::registry::{RegisteredModel, Registry};
use crate::store::{Lifecycle, StoredRun};

use super::file_run::{run_from_value, run_to_value};
use super::Experiment;

pub const EXPERIMENT_FILE_FORMAT: &str = "flowbook-experiment";
pub const EXPERIMENT_FILE_VERSION: u32 = 1;

/// A parsed, validated experiment file.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentFile {
    pub exported_time_ms: i64,
    pub experiment: Experiment,
    pub registry: Vec<RegisteredModel>,
    /// Runs that appeared more than once in the file (same client id); the first is kept.
    pub duplicate_runs_in_file: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExperimentFileError {
    #[error("this is not a Flowbook experiment file: {0}")]
    NotAnExperimentFile(String),
    #[error("this experiment file has format version {found}; this Flowbook reads up to version {supported}. Update Flowbook to import it.")]
    TooNew { found: u64, supported: u32 },
    #[error("run {index} in this experiment file has record version {found}; this Flowbook reads up to version {supported}. Update Flowbook to import it.")]
    RunTooNew {
        index: usize,
        found: u32,
        supported: u32,
    },
    #[error("this experiment file is damaged at {at}: {problem}")]
    Damaged { at: String, problem: String },
}

/// The experiment without its runs, as the file stores it.
#[derive(Serialize, Deserialize)]
struct ExperimentHeader {
    id: String,
    name: String,
    #[serde(default)]
    description: String,
    created_time_ms: i64,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    lifecycle: Lifecycle,
}

/// The experiment file for `experiment`, with the registry entries pointing at its runs.
pub fn export_experiment(
    experiment: &Experiment,
    registry: &Registry,
    exported_time_ms: i64,
) -> String {
    let header = ExperimentHeader {
        id: experiment.id.clone(),
        name: experiment.name.clone(),
        description: experiment.description.clone(),
        created_time_ms: experiment.created_time_ms,
        tags: experiment.tags.clone(),
        lifecycle: experiment.lifecycle,
    };
    let run_ids: BTreeSet<&str> = experiment
        .runs
        .iter()
        .map(|s| s.run.client_id.as_str())
        .collect();
    let document = json!({
        "format": EXPERIMENT_FILE_FORMAT,
        "format_version": EXPERIMENT_FILE_VERSION,
        "exported_time_ms": exported_time_ms,
        "experiment": header,
        "runs": experiment.runs.iter().map(run_to_value).collect::<Vec<_>>(),
        "registry": registry.pointing_at(&run_ids),
    });
    document.to_string()
}

pub(super) fn damaged(at: impl Into<String>, problem: impl ToString) -> ExperimentFileError {
    ExperimentFileError::Damaged {
        at: at.into(),
        problem: problem.to_string(),
    }
}

fn field<T: serde::de::DeserializeOwned>(
    object: &mut Map<String, Value>,
    name: &str,
) -> Result<T, ExperimentFileError> {
    let value = object
        .remove(name)
        .ok_or_else(|| damaged(name, "this field is missing"))?;
    serde_json::from_value(value).map_err(|e| damaged(name, e))
}

/// Parses and checks an experiment file. Never panics on bad input: every problem is an
/// [`ExperimentFileError`] saying what is wrong and where.
pub fn parse_experiment_file(text: &str) -> Result<ExperimentFile, ExperimentFileError> {
    let not_ours = |reason: String| ExperimentFileError::NotAnExperimentFile(reason);
    if text.trim().is_empty() {
        return Err(not_ours("it is empty".into()));
    }
    let document: Value =
        serde_json::from_str(text).map_err(|e| not_ours(format!("it is not valid JSON ({e})")))?;
    let Value::Object(mut object) = document else {
        return Err(not_ours(
            "it is JSON but not an object with a \"format\" field".into(),
        ));
    };
    match object.get("format") {
        Some(Value::String(format)) if format == EXPERIMENT_FILE_FORMAT => {}
        Some(Value::String(format)) => {
            return Err(not_ours(format!(
                "its format is '{format}', expected '{EXPERIMENT_FILE_FORMAT}'"
            )))
        }
        _ => return Err(not_ours("it has no \"format\" field".into())),
    }
    let version = object
        .get("format_version")
        .and_then(Value::as_u64)
        .ok_or_else(|| damaged("format_version", "expected a whole number"))?;
    if version > u64::from(EXPERIMENT_FILE_VERSION) {
        return Err(ExperimentFileError::TooNew {
            found: version,
            supported: EXPERIMENT_FILE_VERSION,
        });
    }
    let header: ExperimentHeader = field(&mut object, "experiment")?;
    let exported_time_ms = object
        .get("exported_time_ms")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let runs = match object.remove("runs") {
        Some(Value::Array(runs)) => runs,
        None => Vec::new(),
        Some(_) => return Err(damaged("runs", "expected a list of runs")),
    };
    let mut stored_runs: Vec<StoredRun> = Vec::with_capacity(runs.len());
    let mut duplicate_runs_in_file = 0;
    let mut seen = BTreeSet::new();
    for (index, value) in runs.into_iter().enumerate() {
        let stored = run_from_value(index, value)?;
        if seen.insert(stored.run.client_id.clone()) {
            stored_runs.push(stored);
        } else {
            duplicate_runs_in_file += 1;
        }
    }
    let registry = match object.remove("registry") {
        Some(Value::Array(models)) => models
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                serde_json::from_value(m).map_err(|e| damaged(format!("registry[{i}]"), e))
            })
            .collect::<Result<Vec<RegisteredModel>, _>>()?,
        None => Vec::new(),
        Some(_) => return Err(damaged("registry", "expected a list of registered models")),
    };
    let experiment = Experiment {
        id: header.id,
        name: header.name,
        description: header.description,
        created_time_ms: header.created_time_ms,
        tags: header.tags,
        lifecycle: header.lifecycle,
        runs: stored_runs,
    };
    Ok(ExperimentFile {
        exported_time_ms,
        experiment,
        registry,
        duplicate_runs_in_file,
    })
}
