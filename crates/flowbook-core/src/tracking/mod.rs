//! Runs as Flowbook records them: params, metric histories, tags, dataset inputs, artifacts.
//!
//! A [`Run`] is Flowbook's own record (it also backs the local run store); syncing it to an
//! MLflow server is the `mlflow` module's job. Nothing here reads a clock or a random
//! source, so the same code runs in the browser: ids and times come in as arguments.

mod from_monitoring;
mod from_search;
mod from_training;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use from_monitoring::{run_from_monitoring, MonitoringSummary, MONITORING_ARTIFACT};
pub use from_search::{
    run_from_search, run_from_trial, trial_client_id, SearchSummary, TrialRecord,
    SEARCH_SPACE_ARTIFACT,
};
pub use from_training::{
    run_from_training, run_from_trees, selected_report, RunMeta, FEATURE_VOCABULARY,
};

/// Version of the run record format; readers accept this and older versions.
pub const RUN_FORMAT_VERSION: u32 = 1;

/// The tag under which a run's client id is stored on the server, for exactly-once sync.
pub const CLIENT_ID_TAG: &str = "flowbook.client_id";
/// Who made a run: MLflow's "Created by" and `attributes.user_id`.
pub const USER_TAG: &str = "mlflow.user";
/// On a search's trial: the client id of the search's parent run. Pushing turns it into
/// MLflow's `mlflow.parentRunId`.
pub const PARENT_CLIENT_ID_TAG: &str = "flowbook.parent_client_id";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    #[default]
    Running,
    Finished,
    Failed,
    Killed,
}

impl RunStatus {
    /// MLflow's name for the status.
    pub fn mlflow_name(self) -> &'static str {
        match self {
            RunStatus::Running => "RUNNING",
            RunStatus::Finished => "FINISHED",
            RunStatus::Failed => "FAILED",
            RunStatus::Killed => "KILLED",
        }
    }
}

/// One value of a metric's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricPoint {
    pub key: String,
    pub value: f64,
    pub timestamp_ms: i64,
    pub step: i64,
}

/// What a dataset was used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetRole {
    Train,
    Validation,
    /// What a monitoring run compares against (by default the model's training data).
    Reference,
    /// A later month a monitoring run checks.
    Current,
    Other,
}

impl DatasetRole {
    /// Value of MLflow's `mlflow.data.context` input tag.
    pub fn context(self) -> &'static str {
        match self {
            DatasetRole::Train => "training",
            DatasetRole::Validation => "validation",
            DatasetRole::Reference => "reference",
            DatasetRole::Current => "current",
            DatasetRole::Other => "other",
        }
    }
}

/// A file a run read, identified by content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInput {
    pub name: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub digest: String,
    /// Where it came from: a URL or a file name.
    pub source: String,
    /// Rows decoded from the file.
    pub rows: u64,
    pub role: DatasetRole,
}

impl DatasetInput {
    /// The lineage of a decoded file: its name, digest and rows, read from `source`.
    pub fn from_table(table: &crate::data::TripTable, source: &str, role: DatasetRole) -> Self {
        DatasetInput {
            name: table.file_name.clone(),
            digest: table.sha256_hex.clone(),
            source: source.to_string(),
            rows: table.len() as u64,
            role,
        }
    }

    /// A later month a monitoring check read from `source`, as the check saw it (the
    /// month's trips are decoded where the check ran, not necessarily here).
    pub fn from_month_check(check: &crate::monitor::MonthCheck, source: &str) -> Self {
        DatasetInput {
            name: check.file_name.clone(),
            digest: check.digest.clone(),
            source: source.to_string(),
            rows: check.rows_in_file as u64,
            role: DatasetRole::Current,
        }
    }
}

/// A file a run produced, stored under `path` (relative, `/`-separated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Where a run stands with one tracking server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncState {
    #[default]
    Pending,
    Synced {
        server_run_id: String,
        experiment_id: String,
        url: String,
        /// The server's address (as in the MLflow settings). Empty in records made before
        /// Flowbook kept it: those count as synced to whichever server the user has.
        #[serde(default)]
        server: String,
    },
    Failed {
        reason: String,
    },
}

impl SyncState {
    /// Whether the run is on the server at `server` (a run imported from someone else's
    /// experiment file may be synced to their server, and is pending for any other).
    pub fn is_synced_to(&self, server: &str) -> bool {
        let same =
            |a: &str, b: &str| a.trim().trim_end_matches('/') == b.trim().trim_end_matches('/');
        matches!(self, SyncState::Synced { server: on, .. } if on.is_empty() || same(on, server))
    }

    /// The server's run id, when the run is on the server at `server`.
    pub fn server_run_id_on(&self, server: &str) -> Option<&str> {
        match self {
            SyncState::Synced { server_run_id, .. } if self.is_synced_to(server) => {
                Some(server_run_id)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub format_version: u32,
    /// Flowbook's id for the run, stable across retries (the server's run id is not).
    pub client_id: String,
    pub name: String,
    pub experiment: String,
    pub start_time_ms: i64,
    pub end_time_ms: Option<i64>,
    pub status: RunStatus,
    pub params: BTreeMap<String, String>,
    pub metrics: Vec<MetricPoint>,
    pub tags: BTreeMap<String, String>,
    pub description: String,
    pub inputs: Vec<DatasetInput>,
    pub artifacts: Vec<Artifact>,
    #[serde(default)]
    pub sync: SyncState,
}

#[derive(Debug, thiserror::Error)]
pub enum RunFileError {
    #[error("this is not a Flowbook run record: {0}")]
    Malformed(String),
    #[error("this run record has format version {found}; this Flowbook reads up to {supported}. Update Flowbook.")]
    TooNew { found: u32, supported: u32 },
}

impl Run {
    /// An empty running run.
    pub fn new(client_id: &str, name: &str, experiment: &str, start_time_ms: i64) -> Run {
        Run {
            format_version: RUN_FORMAT_VERSION,
            client_id: client_id.to_string(),
            name: name.to_string(),
            experiment: experiment.to_string(),
            start_time_ms,
            end_time_ms: None,
            status: RunStatus::Running,
            params: BTreeMap::new(),
            metrics: Vec::new(),
            tags: BTreeMap::new(),
            description: String::new(),
            inputs: Vec::new(),
            artifacts: Vec::new(),
            sync: SyncState::Pending,
        }
    }

    pub fn log_metric(&mut self, key: &str, value: f64, timestamp_ms: i64, step: i64) {
        self.metrics.push(MetricPoint {
            key: key.to_string(),
            value,
            timestamp_ms,
            step,
        });
    }

    /// Adds a file, replacing one already stored at the same path.
    pub fn add_artifact(&mut self, path: &str, bytes: Vec<u8>) {
        self.artifacts.retain(|a| a.path != path);
        self.artifacts.push(Artifact {
            path: path.to_string(),
            bytes,
        });
    }

    pub fn finish(&mut self, status: RunStatus, end_time_ms: i64) {
        self.status = status;
        self.end_time_ms = Some(end_time_ms);
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Run, RunFileError> {
        let run: Run =
            serde_json::from_str(text).map_err(|e| RunFileError::Malformed(e.to_string()))?;
        if run.format_version > RUN_FORMAT_VERSION {
            return Err(RunFileError::TooNew {
                found: run.format_version,
                supported: RUN_FORMAT_VERSION,
            });
        }
        Ok(run)
    }
}

/// A UUID-shaped id (version 4 layout) derived from caller-supplied bytes: random bytes
/// in the browser, or anything unique per invocation (time, process id, counter) natively.
/// The same seed always gives the same id.
pub fn client_id_from_seed(seed: &[u8]) -> String {
    let digest = Sha256::digest(seed);
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_synced_state_belongs_to_its_server() {
        let synced = |server: &str| SyncState::Synced {
            server_run_id: "abc".into(),
            experiment_id: "1".into(),
            url: String::new(),
            server: server.into(),
        };
        let theirs = synced("http://their-host:5000");
        assert!(theirs.is_synced_to("http://their-host:5000/"));
        assert!(
            !theirs.is_synced_to("http://127.0.0.1:5000"),
            "imported: pending for my server"
        );
        assert_eq!(theirs.server_run_id_on("http://127.0.0.1:5000"), None);
        assert_eq!(
            theirs.server_run_id_on("http://their-host:5000"),
            Some("abc")
        );
        // Records from before the server was kept count as synced wherever.
        assert!(synced("").is_synced_to("http://127.0.0.1:5000"));
        assert!(!SyncState::Pending.is_synced_to(""));
        let old: SyncState = serde_json::from_str(
            r#"{"state": "synced", "server_run_id": "abc", "experiment_id": "1", "url": "u"}"#,
        )
        .expect("an old record reads");
        assert!(old.is_synced_to("http://anywhere"));
    }

    #[test]
    fn client_ids_are_uuid_shaped_and_deterministic() {
        let id = client_id_from_seed(b"1700000000000/4242/0");
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert_eq!(id, client_id_from_seed(b"1700000000000/4242/0"));
        assert_ne!(id, client_id_from_seed(b"1700000000000/4242/1"));
    }

    #[test]
    fn runs_round_trip_through_json() {
        let mut run = Run::new("c-1", "first", "taxi", 1_700_000_000_000);
        run.params.insert("model".into(), "ols".into());
        run.log_metric("val_rmse", 6.5, 1_700_000_000_500, 0);
        run.add_artifact("flowbook_model.json", b"{}".to_vec());
        run.add_artifact("flowbook_model.json", b"{\"v\":1}".to_vec());
        run.finish(RunStatus::Finished, 1_700_000_001_000);
        assert_eq!(run.artifacts.len(), 1);
        let back = Run::from_json(&run.to_json()).expect("round trip");
        assert_eq!(back, run);
        let newer = run
            .to_json()
            .replace("\"format_version\":1", "\"format_version\":99");
        assert!(matches!(
            Run::from_json(&newer),
            Err(RunFileError::TooNew { found: 99, .. })
        ));
    }
}
