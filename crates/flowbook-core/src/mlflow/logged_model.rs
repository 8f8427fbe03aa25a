//! A run's model as an MLflow 3 LoggedModel, the way `mlflow.<flavor>.log_model` inside a
//! run makes one: create the model (found first by a client tag, since creating is not
//! idempotent), link it as the run's output, upload its files to its own artifact
//! location, mark it ready, and log the run's final metrics again for the model with the
//! dataset each was measured on. MLflow 2.x servers have no LoggedModels (their routes
//! answer 404 without MLflow's JSON body): there the model stays in the run's artifacts
//! and `runs/log-model` records it, which is what the 2.x UI lists.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::api::{string_at, MlflowSync};
use super::artifacts::artifact_root;
use super::batch::{cut, MAX_PARAMS_PER_BATCH, MAX_PARAM_VALUE_CHARS};
use super::error::SyncError;
use super::http::{HttpClient, HttpMethod};
use crate::export::{MLMODEL_FILE, MODEL_DIR, ONNX_FILE};
use crate::tracking::{DatasetRole, MetricPoint, Run};

/// The logged model's tag that finds it again on a retried push.
pub const CLIENT_MODEL_ID_TAG: &str = "flowbook.client_model_id";

/// The run tag where MLflow 2.x keeps the models logged in a run (a JSON list).
const LOG_MODEL_HISTORY_TAG: &str = "mlflow.log-model.history";

/// What a model push made: the LoggedModel's id on MLflow 3, nothing on MLflow 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelRecord {
    Logged {
        model_id: String,
    },
    /// MLflow 2.x: the model directory is in the run's artifacts, listed by `runs/log-model`.
    RunArtifact,
}

/// The client tag's value: one model directory per run.
pub fn client_model_id(run: &Run) -> String {
    format!("{}/{MODEL_DIR}", run.client_id)
}

/// Whether an artifact belongs to the run's model directory.
pub(crate) fn in_model_dir(path: &str) -> bool {
    path.strip_prefix(MODEL_DIR)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// The files of the run's model directory, relative to it (`MLmodel`, `model.onnx`, ...).
fn model_files(run: &Run) -> Vec<(&str, &[u8])> {
    let prefix = format!("{MODEL_DIR}/");
    run.artifacts
        .iter()
        .filter_map(|a| Some((a.path.strip_prefix(&prefix)?, a.bytes.as_slice())))
        .collect()
}

/// MLflow's `utc_time_created` format, from milliseconds since 1970.
fn utc_time(ms: i64) -> String {
    let seconds = crate::data::format_timestamp_us(ms.div_euclid(1000) * 1_000_000);
    format!("{seconds}.{:03}000", ms.rem_euclid(1000))
}

/// The `MLmodel` of the logged copy: the run's file with what `log_model` adds about
/// where the model lives (`artifact_path` is the model's artifact location, as MLflow 3
/// writes it). The file is block YAML with top-level keys, so appending keys keeps it
/// one mapping.
fn logged_mlmodel(
    text: &[u8],
    run_id: &str,
    (model_id, artifact_uri): (&str, &str),
    created: &str,
) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(text).into_owned();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let quote = |s: &str| Value::from(s).to_string();
    text.push_str(&format!(
        "artifact_path: {}\nmodel_id: {}\nrun_id: {}\nutc_time_created: '{created}'\n",
        quote(artifact_uri),
        quote(model_id),
        quote(run_id)
    ));
    text.into_bytes()
}

/// The model's metrics: the last point of each metric measured on one of the run's
/// datasets (`train_*` on the training file, `val_*` on the validation file), with that
/// dataset's name and MLflow digest.
fn model_metrics(run: &Run) -> Vec<(MetricPoint, String, String)> {
    let mut last: BTreeMap<&str, &MetricPoint> = BTreeMap::new();
    for point in &run.metrics {
        let entry = last.entry(point.key.as_str()).or_insert(point);
        if point.step >= entry.step {
            *entry = point;
        }
    }
    let dataset = |role: DatasetRole| run.inputs.iter().find(|input| input.role == role);
    last.into_values()
        .filter_map(|point| {
            let role = if point.key.starts_with("train_") {
                DatasetRole::Train
            } else if point.key.starts_with("val_") {
                DatasetRole::Validation
            } else {
                return None;
            };
            let input = dataset(role)?;
            let digest: String = input.digest.chars().take(32).collect();
            Some((point.clone(), input.name.clone(), digest))
        })
        .collect()
}

impl<C: HttpClient> MlflowSync<C> {
    /// Logs the run's model directory (artifacts under `model/`, with an `MLmodel`) for
    /// the pushed run `run_id` as a LoggedModel, files included. `None` when the run has
    /// no model directory; [`ModelRecord::RunArtifact`] (and nothing sent) when the server
    /// has no LoggedModels.
    pub(crate) async fn log_run_model(
        &self,
        run: &Run,
        experiment_id: &str,
        run_id: &str,
    ) -> Result<Option<ModelRecord>, SyncError> {
        let files = model_files(run);
        if !files.iter().any(|(path, _)| *path == MLMODEL_FILE) {
            return Ok(None);
        }
        let created = utc_time(run.end_time_ms.unwrap_or(run.start_time_ms));
        let client_id = client_model_id(run);
        let found = match self.find_logged_model(experiment_id, &client_id).await {
            Ok(found) => found,
            // MLflow 2.x: the caller uploads the model with the run's artifacts, then
            // records it with `log_model_in_run`.
            Err(SyncError::NotMlflow { status: 404, .. }) => {
                return Ok(Some(ModelRecord::RunArtifact));
            }
            Err(e) => return Err(e),
        };
        let (model_id, artifact_uri, ready) = match found {
            Some(found) => found,
            None => {
                let (id, uri) = self
                    .create_logged_model(run, experiment_id, run_id, &client_id)
                    .await?;
                (id, uri, false)
            }
        };
        self.link_model_output(run_id, &model_id).await?;
        if !ready {
            let root = artifact_root(&artifact_uri)?;
            let mut upload = Ok(());
            for (path, bytes) in &files {
                let bytes = if *path == MLMODEL_FILE {
                    logged_mlmodel(bytes, run_id, (&model_id, &artifact_uri), &created)
                } else {
                    bytes.to_vec()
                };
                upload = self.upload_artifact(&root, path, &bytes).await;
                if upload.is_err() {
                    break;
                }
            }
            let status = if upload.is_ok() {
                "LOGGED_MODEL_READY"
            } else {
                "LOGGED_MODEL_UPLOAD_FAILED"
            };
            let body = json!({ "model_id": model_id, "status": status });
            let endpoint = format!("logged-models/{model_id}");
            self.call(HttpMethod::Patch, &endpoint, Some(&body)).await?;
            upload?;
        }
        self.log_model_metrics(run, run_id, &model_id).await?;
        Ok(Some(ModelRecord::Logged { model_id }))
    }

    /// The logged model carrying this client tag: (id, artifact URI, whether it is ready).
    /// A model left pending or failed by an interrupted push gets its files again.
    async fn find_logged_model(
        &self,
        experiment_id: &str,
        client_id: &str,
    ) -> Result<Option<(String, String, bool)>, SyncError> {
        let body = json!({
            "experiment_ids": [experiment_id],
            "filter": format!("tags.`{CLIENT_MODEL_ID_TAG}` = '{client_id}'"),
            "max_results": 10,
            "order_by": [{ "field_name": "creation_timestamp", "ascending": true }],
        });
        let found = self.post("logged-models/search", &body).await?;
        let Some(model) = found.pointer("/models/0/info") else {
            return Ok(None);
        };
        Ok(Some((
            string_at(model, "/model_id")?,
            string_at(model, "/artifact_uri")?,
            model["status"].as_str() == Some("LOGGED_MODEL_READY"),
        )))
    }

    async fn create_logged_model(
        &self,
        run: &Run,
        experiment_id: &str,
        run_id: &str,
        client_id: &str,
    ) -> Result<(String, String), SyncError> {
        let params: Vec<Value> = run
            .params
            .iter()
            .map(|(k, v)| json!({ "key": k, "value": cut(v, MAX_PARAM_VALUE_CHARS) }))
            .collect();
        let (first, rest) = params.split_at(params.len().min(MAX_PARAMS_PER_BATCH));
        let mut tags = vec![json!({ "key": CLIENT_MODEL_ID_TAG, "value": client_id })];
        if let Some(user) = run.tags.get(super::push::USER_TAG) {
            tags.push(json!({ "key": super::push::USER_TAG, "value": user }));
        }
        let body = json!({
            "experiment_id": experiment_id,
            "name": MODEL_DIR,
            "model_type": "onnx",
            "source_run_id": run_id,
            "params": first,
            "tags": tags,
        });
        let answer = self.post("logged-models", &body).await?;
        let model_id = string_at(&answer, "/model/info/model_id")?;
        let artifact_uri = string_at(&answer, "/model/info/artifact_uri")?;
        for chunk in rest.chunks(MAX_PARAMS_PER_BATCH) {
            let body = json!({ "model_id": model_id, "params": chunk });
            self.post(&format!("logged-models/{model_id}/params"), &body)
                .await?;
        }
        Ok((model_id, artifact_uri))
    }

    /// Links the model to the run as its output, unless a push did already (each call
    /// adds a row).
    async fn link_model_output(&self, run_id: &str, model_id: &str) -> Result<(), SyncError> {
        let run = self.get("runs/get", &[("run_id", run_id)]).await?;
        let linked = run
            .pointer("/run/outputs/model_outputs")
            .and_then(Value::as_array)
            .is_some_and(|outputs| {
                outputs
                    .iter()
                    .any(|o| o["model_id"].as_str() == Some(model_id))
            });
        if !linked {
            let body = json!({ "run_id": run_id, "models": [{ "model_id": model_id, "step": 0 }] });
            self.post("runs/outputs", &body).await?;
        }
        Ok(())
    }

    /// The run's final metrics for the model, each with its dataset, skipping those the
    /// model already has (a retried push adds nothing).
    async fn log_model_metrics(
        &self,
        run: &Run,
        run_id: &str,
        model_id: &str,
    ) -> Result<(), SyncError> {
        let wanted = model_metrics(run);
        if wanted.is_empty() {
            return Ok(());
        }
        let model = self.get(&format!("logged-models/{model_id}"), &[]).await?;
        let present: BTreeSet<(String, String)> = model
            .pointer("/model/data/metrics")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| {
                Some((
                    m["key"].as_str()?.to_string(),
                    m["dataset_digest"].as_str().unwrap_or("").to_string(),
                ))
            })
            .collect();
        let metrics: Vec<Value> = wanted
            .iter()
            .filter(|(point, _, digest)| !present.contains(&(point.key.clone(), digest.clone())))
            .map(|(point, name, digest)| {
                json!({
                    "key": point.key,
                    "value": super::batch::metric_value(point.value),
                    "timestamp": point.timestamp_ms,
                    "step": point.step,
                    "model_id": model_id,
                    "dataset_name": name,
                    "dataset_digest": digest,
                })
            })
            .collect();
        if !metrics.is_empty() {
            self.post(
                "runs/log-batch",
                &json!({ "run_id": run_id, "metrics": metrics }),
            )
            .await?;
        }
        Ok(())
    }

    /// MLflow 2.x: records the model directory already uploaded under the run's artifacts
    /// in the run's `mlflow.log-model.history` tag, which the 2.x run page lists. Each call
    /// appends an entry, so a retried push first looks for the one it made.
    pub(crate) async fn log_model_in_run(&self, run: &Run, run_id: &str) -> Result<(), SyncError> {
        let created = &utc_time(run.end_time_ms.unwrap_or(run.start_time_ms));
        let server_run = self.get("runs/get", &[("run_id", run_id)]).await?;
        let history = server_run
            .pointer("/run/data/tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|t| t["key"].as_str() == Some(LOG_MODEL_HISTORY_TAG))
            .and_then(|t| t["value"].as_str())
            .and_then(|v| serde_json::from_str::<Vec<Value>>(v).ok())
            .unwrap_or_default();
        if history
            .iter()
            .any(|m| m["artifact_path"].as_str() == Some(MODEL_DIR))
        {
            return Ok(());
        }
        let onnx = model_files(run)
            .into_iter()
            .find(|(path, _)| *path == ONNX_FILE)
            .map(|(_, bytes)| bytes);
        let mut model = crate::export::mlmodel_flavors_json();
        model["artifact_path"] = json!(MODEL_DIR);
        model["run_id"] = json!(run_id);
        model["utc_time_created"] = json!(created);
        if let Some(onnx) = onnx {
            model["model_uuid"] = json!(crate::export::model_uuid(onnx));
            model["model_size_bytes"] = json!(onnx.len());
        }
        let body = json!({ "run_id": run_id, "model_json": model.to_string() });
        self.post("runs/log-model", &body).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creation_times_read_like_mlflows() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00.000000");
        assert_eq!(utc_time(1_764_618_102_123), "2025-12-01 19:41:42.123000");
        assert_eq!(utc_time(951_782_400_000), "2000-02-29 00:00:00.000000");
    }

    #[test]
    fn the_logged_mlmodel_adds_where_the_model_lives() {
        let text = logged_mlmodel(
            b"flavors:\n  onnx: {}",
            "r1",
            ("m-1", "mlflow-artifacts:/1/models/m-1/artifacts"),
            "t",
        );
        let text = String::from_utf8(text).unwrap();
        assert_eq!(
            text,
            "flavors:\n  onnx: {}\nartifact_path: \"mlflow-artifacts:/1/models/m-1/artifacts\"\nmodel_id: \"m-1\"\nrun_id: \"r1\"\nutc_time_created: 't'\n"
        );
    }
}
