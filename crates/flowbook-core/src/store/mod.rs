//! The local run store's logic: experiments, run search with MLflow's filter syntax, the model registry, and experiment files.
//!
//! The browser app persists these types (in IndexedDB) and renders them; everything that
//! decides something lives here so it is tested natively. Like `tracking`, nothing here
//! reads a clock: times come in as arguments, in epoch milliseconds.

pub(crate) mod base64;
pub mod compare;
pub mod detached;
pub mod experiment;
pub mod filter;
pub mod registry;
pub mod run_edit;
pub mod table;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::tracking::{MetricPoint, Run};

pub use detached::{
    attach_artifacts, detach_record, read_record, ArtifactRef, Blob, DetachedRecord,
};
pub use experiment::{
    create_experiment, export_experiment, import_experiment, parse_experiment_file,
    rename_experiment, stored_run_from_json, stored_run_to_json, Experiment, ExperimentFile,
    ExperimentFileError, MergeSummary, StoreError, EXPERIMENT_FILE_FORMAT, EXPERIMENT_FILE_VERSION,
};
pub use filter::{Attribute, DatasetField, FilterError, FilterKey, RunFilter};
pub use registry::{
    ModelVersion, RegisteredModel, Registry, RegistryError, Stage, StageTransition, VersionSelector,
};
pub use run_edit::{
    edit_run, experiment_names, experiment_of, move_runs, RunEdit, DEFAULT_EXPERIMENT,
};
pub use table::{
    cell, column_label, columns, listed_count, nest_trials, parse_order_by, row_cells, select,
    select_in_experiment, sort_rows, sort_rows_by, CellValue, Column, SortSpec,
};

/// Whether a run or an experiment is live or soft-deleted (restorable), as in MLflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    #[default]
    Active,
    Deleted,
}

/// A run as the store keeps it: the record plus what only the store knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRun {
    pub run: Run,
    #[serde(default)]
    pub lifecycle: Lifecycle,
}

impl StoredRun {
    pub fn new(run: Run) -> StoredRun {
        StoredRun {
            run,
            lifecycle: Lifecycle::Active,
        }
    }

    pub fn is_deleted(&self) -> bool {
        self.lifecycle == Lifecycle::Deleted
    }

    /// A live run not yet on the tracking server at `server` (pending, failed last time,
    /// or synced to another server).
    pub fn needs_push_to(&self, server: &str) -> bool {
        !self.is_deleted() && !self.run.sync.is_synced_to(server)
    }
}

/// The value MLflow shows and filters on for a metric: the point with the highest step,
/// then the latest timestamp, then the largest value (MLflow's own tie-break).
pub fn latest_metric(run: &Run, key: &str) -> Option<f64> {
    run.metrics
        .iter()
        .filter(|point| point.key == key)
        .max_by(|a, b| later_point(a, b))
        .map(|point| point.value)
}

/// [`latest_metric`] of every metric the run has, in one pass over its points (a table
/// row shows them all: asking each key in turn would read the points once per key).
pub fn latest_metrics(run: &Run) -> BTreeMap<&str, f64> {
    let mut latest: BTreeMap<&str, &MetricPoint> = BTreeMap::new();
    for point in &run.metrics {
        let entry = latest.entry(point.key.as_str()).or_insert(point);
        if later_point(point, entry).is_gt() {
            *entry = point;
        }
    }
    latest.into_iter().map(|(key, p)| (key, p.value)).collect()
}

fn later_point(a: &MetricPoint, b: &MetricPoint) -> std::cmp::Ordering {
    (a.step, a.timestamp_ms)
        .cmp(&(b.step, b.timestamp_ms))
        .then(a.value.total_cmp(&b.value))
}

/// Checks a param or tag key against MLflow's rules, so a run edited here still syncs:
/// at most 250 characters of letters, digits, `_ - . space / :`, and no `..`.
pub fn check_key(key: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_alphanumeric() || "_-. /:".contains(c);
    if key.trim().is_empty() {
        return Err("a key cannot be empty".into());
    }
    if key.chars().count() > 250 {
        return Err(format!("key '{key}' is longer than 250 characters"));
    }
    if let Some(bad) = key.chars().find(|&c| !allowed(c)) {
        return Err(format!(
            "key '{key}' contains '{bad}': use letters, digits, _ - . space / or :"
        ));
    }
    if key.contains("..") {
        return Err(format!("key '{key}' contains '..'"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_metric_takes_highest_step_then_latest_time() {
        let mut run = Run::new("r", "r", "e", 0);
        run.log_metric("rmse", 9.0, 500, 0);
        run.log_metric("rmse", 7.0, 100, 2);
        run.log_metric("rmse", 8.0, 200, 2);
        run.log_metric("rmse", 1.0, 900, 1);
        assert_eq!(latest_metric(&run, "rmse"), Some(8.0));
        assert_eq!(latest_metric(&run, "mae"), None);
    }

    #[test]
    fn latest_metrics_agree_with_latest_metric_for_every_key() {
        let mut run = Run::new("r", "r", "e", 0);
        for (i, key) in ["rmse", "mae", "rmse", "r2", "mae", "rmse"]
            .iter()
            .enumerate()
        {
            let i = i as i64;
            run.log_metric(key, (i * 7 % 5) as f64, 100 * (i % 3), i % 2);
        }
        run.log_metric("r2", 0.5, 0, 1);
        run.log_metric("r2", 0.25, 0, 1);
        let all = latest_metrics(&run);
        assert_eq!(
            all.keys().copied().collect::<Vec<_>>(),
            ["mae", "r2", "rmse"]
        );
        for (key, value) in all {
            assert_eq!(Some(value), latest_metric(&run, key), "{key}");
        }
    }

    #[test]
    fn keys_follow_mlflow_rules() {
        assert!(check_key("val rmse/2:x-y.z").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("a..b").unwrap_err().contains(".."));
        assert!(check_key("a=b").unwrap_err().contains("'='"));
        assert!(check_key(&"k".repeat(251)).is_err());
    }
}
