//! Connection check and experiments.

use serde_json::json;

use super::api::{string_at, MlflowSync};
use super::error::SyncError;
use super::http::{HttpClient, HttpMethod};

/// What a connection check learnt about the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    pub version: String,
    /// Whether the server stores uploaded files itself (`--serve-artifacts`); without it
    /// Flowbook can log everything but artifacts.
    pub artifacts_proxied: bool,
}

impl<C: HttpClient> MlflowSync<C> {
    /// Checks the URL, the credentials and the artifact proxy.
    pub async fn test_connection(&self) -> Result<ServerInfo, SyncError> {
        let version = self
            .send_ok(HttpMethod::Get, "/version", None)
            .await?
            .text();
        // `/version` alone could be any web app: a real API call also checks the credentials.
        self.get("experiments/search", &[("max_results", "1")])
            .await?;
        let probe = self
            .send(
                HttpMethod::Get,
                "/api/2.0/mlflow-artifacts/artifacts?path=",
                None,
            )
            .await?;
        Ok(ServerInfo {
            version: version.trim().chars().take(40).collect(),
            // 503: started with `--no-serve-artifacts`; 404: a server without the proxy.
            artifacts_proxied: !matches!(probe.status, 503 | 404),
        })
    }

    /// The id of the experiment called `name`, created when absent.
    pub async fn ensure_experiment(&self, name: &str) -> Result<String, SyncError> {
        if name.trim().is_empty() {
            return Err(SyncError::InvalidInput(
                "the experiment name is empty".to_string(),
            ));
        }
        for _ in 0..2 {
            if let Some(id) = self.find_experiment(name).await? {
                return Ok(id);
            }
            match self
                .post(
                    "experiments/create",
                    &json!({
                        "name": name,
                        // What MLflow 3's UI infers for an experiment of model training runs.
                        "tags": [{ "key": "mlflow.experimentKind", "value": "custom_model_development" }],
                    }),
                )
                .await
            {
                Ok(created) => return string_at(&created, "/experiment_id"),
                // Someone created it in between: look it up again.
                Err(e) if e.error_code() == Some("RESOURCE_ALREADY_EXISTS") => continue,
                Err(e) => return Err(e),
            }
        }
        Err(SyncError::UnexpectedResponse {
            what: format!("the experiment {name:?} exists but cannot be found by name"),
        })
    }

    /// The active experiment of that name; a deleted one is an error, since it still
    /// owns the name and runs cannot be added to it.
    pub(crate) async fn find_experiment(&self, name: &str) -> Result<Option<String>, SyncError> {
        let found = match self
            .get("experiments/get-by-name", &[("experiment_name", name)])
            .await
        {
            Ok(found) => found,
            Err(e) if e.error_code() == Some("RESOURCE_DOES_NOT_EXIST") => return Ok(None),
            Err(e) => return Err(e),
        };
        let experiment_id = string_at(&found, "/experiment/experiment_id")?;
        if found
            .pointer("/experiment/lifecycle_stage")
            .and_then(|v| v.as_str())
            == Some("deleted")
        {
            return Err(SyncError::DeletedExperiment {
                name: name.to_string(),
                experiment_id,
            });
        }
        Ok(Some(experiment_id))
    }
}
