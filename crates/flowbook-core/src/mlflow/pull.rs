//! Reading a team's experiments and runs from the server (read-only), converted into
//! Flowbook's [`Run`] shape so the runs table (`store::select`, `store::cell`) shows and
//! filters them like local runs.

use serde_json::{json, Value};

use super::api::{string_at, MlflowSync};
use super::error::SyncError;
use super::http::HttpClient;
use crate::tracking::{MetricPoint, Run, RunStatus, SyncState, RUN_FORMAT_VERSION};

/// The tag that marks a run read from the server (value [`SERVER_ORIGIN`]), so the app
/// never takes it for one of its own runs (to push, edit or delete).
pub const ORIGIN_TAG: &str = "flowbook.origin";
pub const SERVER_ORIGIN: &str = "server";

/// Experiments per `experiments/search` page.
const EXPERIMENT_PAGE_SIZE: u32 = 100;

/// An active experiment on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerExperiment {
    pub experiment_id: String,
    pub name: String,
    /// The experiment's page in the MLflow UI.
    pub url: String,
}

/// A run read from the server, as a Flowbook [`Run`]: `client_id` is the server's run id
/// (what the table's `run_id` column and filter show), `experiment` the experiment id,
/// `sync` is [`SyncState::Synced`] with the run's UI link, metrics hold the latest value of
/// each key (what `runs/search` returns), and the tag [`ORIGIN_TAG`] is `server`.
pub type ServerRun = Run;

/// The next page's token, or `None` on the last page.
fn next_page_token(answer: &Value) -> Option<String> {
    answer["next_page_token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Protobuf JSON writes 64-bit integers as strings and leaves out zero values.
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Metric values may come as the strings `NaN`, `Infinity`, `-Infinity`.
fn float(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn key_values(list: &Value) -> impl Iterator<Item = (String, String)> + '_ {
    list.as_array().into_iter().flatten().filter_map(|item| {
        let key = item["key"].as_str()?;
        Some((
            key.to_string(),
            item["value"].as_str().unwrap_or_default().to_string(),
        ))
    })
}

fn status(name: &str) -> RunStatus {
    match name {
        "FINISHED" => RunStatus::Finished,
        "FAILED" => RunStatus::Failed,
        "KILLED" => RunStatus::Killed,
        // RUNNING and SCHEDULED: not over yet.
        _ => RunStatus::Running,
    }
}

/// One run of a `runs/search` (or `runs/get`) answer, as a Flowbook run.
/// `base_url` is the server root, for the run's UI link.
pub fn server_run_from_json(run: &Value, base_url: &str) -> Result<ServerRun, SyncError> {
    let info = &run["info"];
    let run_id = string_at(info, "/run_id")?;
    let experiment_id = string_at(info, "/experiment_id")?;
    let tags: Vec<(String, String)> = key_values(&run["data"]["tags"]).collect();
    let tag = |key: &str| tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let name = info["run_name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .or_else(|| tag("mlflow.runName"))
        .unwrap_or_default();
    let metrics = run["data"]["metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            Some(MetricPoint {
                key: m["key"].as_str()?.to_string(),
                value: float(&m["value"])?,
                timestamp_ms: integer(&m["timestamp"]).unwrap_or(0),
                step: integer(&m["step"]).unwrap_or(0),
            })
        })
        .collect();
    let mut tag_map: std::collections::BTreeMap<String, String> = tags.iter().cloned().collect();
    tag_map.insert(ORIGIN_TAG.to_string(), SERVER_ORIGIN.to_string());
    Ok(Run {
        format_version: RUN_FORMAT_VERSION,
        client_id: run_id.clone(),
        name,
        experiment: experiment_id.clone(),
        start_time_ms: integer(&info["start_time"]).unwrap_or(0),
        end_time_ms: integer(&info["end_time"]),
        status: status(info["status"].as_str().unwrap_or_default()),
        params: key_values(&run["data"]["params"]).collect(),
        metrics,
        description: tag("mlflow.note.content").unwrap_or_default(),
        tags: tag_map,
        inputs: Vec::new(),
        artifacts: Vec::new(),
        sync: SyncState::Synced {
            url: format!(
                "{}/#/experiments/{experiment_id}/runs/{run_id}",
                base_url.trim_end_matches('/')
            ),
            server_run_id: run_id,
            experiment_id,
            server: base_url.trim_end_matches('/').to_string(),
        },
    })
}

/// A whole `runs/search` answer: its runs and the next page's token.
pub fn server_runs_from_json(
    answer: &Value,
    base_url: &str,
) -> Result<(Vec<ServerRun>, Option<String>), SyncError> {
    let runs = answer["runs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|run| server_run_from_json(run, base_url))
        .collect::<Result<_, _>>()?;
    Ok((runs, next_page_token(answer)))
}

/// A whole `experiments/search` answer: its experiments and the next page's token.
pub fn server_experiments_from_json(
    answer: &Value,
    base_url: &str,
) -> Result<(Vec<ServerExperiment>, Option<String>), SyncError> {
    let experiments = answer["experiments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|experiment| {
            let experiment_id = string_at(experiment, "/experiment_id")?;
            Ok(ServerExperiment {
                name: string_at(experiment, "/name")?,
                url: format!(
                    "{}/#/experiments/{experiment_id}",
                    base_url.trim_end_matches('/')
                ),
                experiment_id,
            })
        })
        .collect::<Result<_, SyncError>>()?;
    Ok((experiments, next_page_token(answer)))
}

impl<C: HttpClient> MlflowSync<C> {
    /// One page of the server's active experiments, by name; pass the returned token for
    /// the next page (`None` on the last).
    pub async fn list_experiments(
        &self,
        page_token: Option<&str>,
    ) -> Result<(Vec<ServerExperiment>, Option<String>), SyncError> {
        let mut body = json!({
            "max_results": EXPERIMENT_PAGE_SIZE,
            "view_type": "ACTIVE_ONLY",
            "order_by": ["name ASC"],
        });
        if let Some(token) = page_token {
            body["page_token"] = json!(token);
        }
        let answer = self.post("experiments/search", &body).await?;
        server_experiments_from_json(&answer, &self.config().base_url)
    }

    /// The id of the active experiment called `name`, if there is one.
    pub async fn experiment_id_by_name(&self, name: &str) -> Result<Option<String>, SyncError> {
        self.find_experiment(name).await
    }

    /// One page of the experiment's active runs, newest first, that pass `filter` (MLflow's
    /// search syntax; empty for all). Pass the returned token for the next page.
    pub async fn search_server_runs(
        &self,
        experiment_id: &str,
        filter: &str,
        page_token: Option<&str>,
        max_results: u32,
    ) -> Result<(Vec<ServerRun>, Option<String>), SyncError> {
        let mut body = json!({
            "experiment_ids": [experiment_id],
            "filter": filter,
            "max_results": max_results.clamp(1, 50_000),
            "order_by": ["attributes.start_time DESC"],
        });
        if let Some(token) = page_token {
            body["page_token"] = json!(token);
        }
        let answer = self.post("runs/search", &body).await?;
        server_runs_from_json(&answer, &self.config().base_url)
    }
}
