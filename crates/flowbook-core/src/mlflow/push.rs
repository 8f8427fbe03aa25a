//! Pushing one run, exactly once. Every step is safe to repeat, so an interrupted push is
//! resumed by calling [`MlflowSync::push_run`] again with the same run.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::{json, Value};

use super::api::{string_at, MlflowSync};
use super::artifacts::artifact_root;
use super::batch::{cut, plan_batches, MAX_TAGS_PER_BATCH, MAX_TAG_VALUE_CHARS};
use super::error::SyncError;
use super::http::{Auth, HttpClient};
use super::logged_model::{in_model_dir, ModelRecord};
use super::retry::PageGuard;
use crate::tracking::{MetricPoint, Run, CLIENT_ID_TAG};

/// The run as it now exists on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRun {
    pub run_id: String,
    pub experiment_id: String,
    /// The run's page in the MLflow UI.
    pub url: String,
    /// Where its artifacts live (`mlflow-artifacts:/...`), for a later push of the same run.
    pub artifact_uri: String,
    /// False when an earlier (maybe interrupted) push had created it.
    pub created: bool,
    /// The run's model on the server, when the run has a model directory.
    pub model: Option<ModelRecord>,
}

impl PushedRun {
    /// The LoggedModel id of the run's model (MLflow 3 servers).
    pub fn model_id(&self) -> Option<&str> {
        match &self.model {
            Some(ModelRecord::Logged { model_id }) => Some(model_id),
            _ => None,
        }
    }
}

pub use crate::tracking::USER_TAG;

/// Client ids go into a search filter between quotes: keep them to safe characters.
pub(crate) fn check_client_id(client_id: &str) -> Result<(), SyncError> {
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
    if client_id.is_empty() || client_id.len() > 200 || !client_id.chars().all(safe) {
        return Err(SyncError::InvalidInput(format!(
            "the run's client id {client_id:?} must be 1 to 200 letters, digits, '-', '_', '.' or ':'"
        )));
    }
    Ok(())
}

fn tag_list(pairs: &[(&str, &str)]) -> Vec<Value> {
    pairs
        .iter()
        .map(|(k, v)| json!({ "key": k, "value": v }))
        .collect()
}

/// The tags a pushed run carries: its own, its client id and name, where it comes from,
/// and its description (the note MLflow's UI shows).
fn run_tags(run: &Run) -> BTreeMap<String, String> {
    let mut tags = run.tags.clone();
    tags.insert(CLIENT_ID_TAG.into(), run.client_id.clone());
    tags.insert("mlflow.runName".into(), run.name.clone());
    tags.entry("mlflow.source.name".into())
        .or_insert_with(|| "flowbook".into());
    tags.entry("mlflow.source.type".into())
        .or_insert_with(|| "LOCAL".into());
    if !run.description.is_empty() {
        tags.insert("mlflow.note.content".into(), run.description.clone());
    }
    tags
}

impl<C: HttpClient> MlflowSync<C> {
    /// (key, step, value bits) of the points the server already holds for these keys.
    async fn stored_points(
        &self,
        run_id: &str,
        metrics: &[MetricPoint],
    ) -> Result<HashSet<(String, i64, u64)>, SyncError> {
        let keys: BTreeSet<&str> = metrics.iter().map(|m| m.key.as_str()).collect();
        let mut stored = HashSet::new();
        for key in keys {
            let mut page_token = String::new();
            let mut pages = PageGuard::new();
            loop {
                let mut query = vec![
                    ("run_id", run_id),
                    ("metric_key", key),
                    ("max_results", "25000"),
                ];
                if !page_token.is_empty() {
                    query.push(("page_token", &page_token));
                }
                let page = self.get("metrics/get-history", &query).await?;
                for point in page["metrics"].as_array().into_iter().flatten() {
                    // Protobuf JSON may write numbers as strings and leaves out a zero step.
                    let value = match &point["value"] {
                        Value::Number(n) => n.as_f64(),
                        Value::String(s) => s.parse::<f64>().ok(),
                        _ => None,
                    };
                    let step = match &point["step"] {
                        Value::Number(n) => n.as_i64(),
                        Value::String(s) => s.parse::<i64>().ok(),
                        Value::Null => Some(0),
                        _ => None,
                    };
                    if let (Some(value), Some(step)) = (value, step) {
                        stored.insert((key.to_string(), step, value.to_bits()));
                    }
                }
                let next = page["next_page_token"].as_str().map(str::to_string);
                match pages.next(&self.config().base_url, next)? {
                    Some(token) => page_token = token,
                    None => break,
                }
            }
        }
        Ok(stored)
    }

    /// The server's run carrying this client id, with its artifact URI.
    async fn find_run(
        &self,
        client_id: &str,
        experiment_id: &str,
    ) -> Result<Option<(String, String)>, SyncError> {
        let filter = format!("tags.`{CLIENT_ID_TAG}` = '{client_id}'");
        let found = self
            .post(
                "runs/search",
                &json!({
                    "experiment_ids": [experiment_id],
                    "filter": filter,
                    "max_results": 10,
                    // Should two ever exist, always resume the first one.
                    "order_by": ["attributes.start_time ASC"],
                }),
            )
            .await?;
        match found.pointer("/runs/0/info") {
            None => Ok(None),
            Some(info) => Ok(Some((
                string_at(info, "/run_id")?,
                string_at(info, "/artifact_uri")?,
            ))),
        }
    }

    /// Creates the run (or finds the one an earlier push created), logs params, tags,
    /// metrics, dataset inputs and artifacts, then sets the final status.
    pub async fn push_run(&self, run: &Run, experiment_id: &str) -> Result<PushedRun, SyncError> {
        check_client_id(&run.client_id)?;
        // `runs/create` is not idempotent, so look for an earlier attempt first.
        let earlier = self.find_run(&run.client_id, experiment_id).await?;
        self.push_with_lookup(run, experiment_id, earlier).await
    }

    /// The push itself, once the caller has looked for an earlier attempt: `earlier` is the
    /// server's (run id, artifact URI) for this client id, or `None` when there is none.
    pub(crate) async fn push_with_lookup(
        &self,
        run: &Run,
        experiment_id: &str,
        earlier: Option<(String, String)>,
    ) -> Result<PushedRun, SyncError> {
        check_client_id(&run.client_id)?;
        let mut tags = run_tags(run);
        if let (false, Auth::Basic { username, .. }) =
            (tags.contains_key(USER_TAG), &self.config().auth)
        {
            tags.insert(USER_TAG.into(), username.clone());
        }
        // A new run gets its tags with `runs/create` (the server stores them in the same
        // transaction, cheaper than in a log batch); a resumed run gets them again in its
        // batches, which is safe since tags are last-write-wins.
        let tags_at_create = earlier.is_none() && tags.len() <= MAX_TAGS_PER_BATCH;
        let (run_id, artifact_uri, created) = match earlier {
            Some((run_id, artifact_uri)) => (run_id, artifact_uri, false),
            None => {
                let create_tags: Vec<Value> = if tags_at_create {
                    tags.iter()
                        .map(|(k, v)| json!({ "key": k, "value": cut(v, MAX_TAG_VALUE_CHARS) }))
                        .collect()
                } else {
                    tag_list(&[
                        (CLIENT_ID_TAG, &run.client_id),
                        ("mlflow.runName", &run.name),
                    ])
                };
                let body = json!({
                    "experiment_id": experiment_id,
                    "run_name": run.name,
                    "start_time": run.start_time_ms,
                    "user_id": tags.get(USER_TAG).map_or("", String::as_str),
                    "tags": create_tags,
                });
                let answer = self.post("runs/create", &body).await?;
                (
                    string_at(&answer, "/run/info/run_id")?,
                    string_at(&answer, "/run/info/artifact_uri")?,
                    true,
                )
            }
        };
        let batch_tags = if tags_at_create {
            BTreeMap::new()
        } else {
            tags
        };

        // Replaying a batch is safe: same params are no-ops, identical metric points are
        // deduplicated, tags are last-write-wins. A run rebuilt for a retry may carry new
        // timestamps, though, so points already stored (same key, step and value) are skipped.
        let metrics = if created {
            run.metrics.clone()
        } else {
            let stored = self.stored_points(&run_id, &run.metrics).await?;
            run.metrics
                .iter()
                .filter(|m| !stored.contains(&(m.key.clone(), m.step, m.value.to_bits())))
                .cloned()
                .collect()
        };
        for batch in plan_batches(&run.params, &batch_tags, &metrics) {
            self.post("runs/log-batch", &batch.to_json(&run_id)).await?;
        }

        if !run.inputs.is_empty() {
            self.post(
                "runs/log-inputs",
                &json!({ "run_id": run_id, "datasets": dataset_inputs(run) }),
            )
            .await?;
        }

        // On MLflow 3 the model directory goes to the LoggedModel's own location (MLflow's
        // client lists a run's `model/` from both places, so one copy only); on MLflow 2
        // it stays with the run's artifacts.
        let model = self.log_run_model(run, experiment_id, &run_id).await?;
        let logged = matches!(model, Some(ModelRecord::Logged { .. }));
        let artifacts: Vec<_> = run
            .artifacts
            .iter()
            .filter(|a| !(logged && in_model_dir(&a.path)))
            .collect();
        if !artifacts.is_empty() {
            let root = artifact_root(&artifact_uri)?;
            for artifact in artifacts {
                self.upload_artifact(&root, &artifact.path, &artifact.bytes)
                    .await?;
            }
        }
        if model == Some(ModelRecord::RunArtifact) {
            self.log_model_in_run(run, &run_id).await?;
        }

        let mut update = json!({ "run_id": run_id, "status": run.status.mlflow_name() });
        if let Some(end) = run.end_time_ms {
            update["end_time"] = json!(end);
        }
        self.post("runs/update", &update).await?;

        Ok(PushedRun {
            url: self.run_url(experiment_id, &run_id),
            run_id,
            experiment_id: experiment_id.to_string(),
            artifact_uri,
            created,
            model,
        })
    }
}

/// MLflow keeps dataset digests to 36 characters: the digest is the first 32 hex digits
/// of the SHA-256, and the whole hash goes into the profile. Re-logging the same
/// (name, digest) on a run is a no-op on the server.
fn dataset_inputs(run: &Run) -> Vec<Value> {
    run.inputs
        .iter()
        .map(|input| {
            let digest: String = input.digest.chars().take(32).collect();
            let source_type = if input.source.starts_with("http://") || input.source.starts_with("https://") { "http" } else { "local" };
            json!({
                "dataset": {
                    "name": input.name,
                    "digest": digest,
                    "source_type": source_type,
                    "source": json!({ "uri": input.source }).to_string(),
                    "profile": json!({ "num_rows": input.rows, "sha256": input.digest }).to_string(),
                },
                "tags": [{ "key": "mlflow.data.context", "value": input.role.context() }],
            })
        })
        .collect()
}
