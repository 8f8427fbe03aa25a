//! The model registry: a registered model, one version per pushed run (deduplicated by a
//! version tag, since `model-versions/create` makes a new version on every call), aliases.

use serde_json::{json, Value};

use super::api::{string_at, MlflowSync};
use super::error::SyncError;
use super::http::HttpClient;
use super::push::PushedRun;
use crate::tracking::Run;

/// The version tag that identifies Flowbook's version of a run's model.
pub const CLIENT_VERSION_ID_TAG: &str = "flowbook.client_version_id";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredVersion {
    pub name: String,
    pub version: String,
    /// False when an earlier push had already registered this version.
    pub created: bool,
}

/// MLflow's alias rule (`^[\w-]*$`, not `latest`, not `v<digits>`), checked before any call.
pub(crate) fn check_alias(alias: &str) -> Result<(), SyncError> {
    let word = !alias.is_empty()
        && alias
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    let lower = alias.to_ascii_lowercase();
    let reserved = lower == "latest"
        || (lower.len() > 1
            && lower.starts_with('v')
            && lower[1..].chars().all(|c| c.is_ascii_digit()));
    if !word || reserved {
        return Err(SyncError::InvalidInput(format!(
            "the alias {alias:?} is not allowed: use letters, digits, '_' or '-', and not 'latest' or 'v<number>'"
        )));
    }
    Ok(())
}

pub(crate) fn has_tag(version: &Value, key: &str, value: &str) -> bool {
    version["tags"].as_array().is_some_and(|tags| {
        tags.iter()
            .any(|t| t["key"].as_str() == Some(key) && t["value"].as_str() == Some(value))
    })
}

impl<C: HttpClient> MlflowSync<C> {
    /// Registers the model stored under `model_path` in the pushed run's artifacts as a
    /// version of `name` (created if absent), once, and points each alias at it.
    pub async fn register_model(
        &self,
        name: &str,
        run: &Run,
        pushed: &PushedRun,
        model_path: &str,
        aliases: &[String],
    ) -> Result<RegisteredVersion, SyncError> {
        for alias in aliases {
            check_alias(alias)?;
        }
        self.ensure_registered_model(name).await?;

        let client_version_id = format!("{}/{}", run.client_id, model_path.trim_matches('/'));
        let (version, created) = self
            .ensure_version(
                name,
                &pushed.run_id,
                pushed.model_id(),
                model_path,
                &client_version_id,
                &run.description,
            )
            .await?;

        for alias in aliases {
            let body = json!({ "name": name, "alias": alias, "version": version });
            self.post("registered-models/alias", &body).await?;
        }
        Ok(RegisteredVersion {
            name: name.to_string(),
            version,
            created,
        })
    }

    /// The server's version of `name` for this registration: found by its client version
    /// tag among the versions of the run (so a repeated push creates nothing), or created.
    /// Returns the server's version number and whether it was created now. With a
    /// LoggedModel id the version is made from the model (`models:/<id>`), as MLflow 3's
    /// client does; without one from the run's artifacts.
    pub(crate) async fn ensure_version(
        &self,
        name: &str,
        run_id: &str,
        model_id: Option<&str>,
        model_path: &str,
        client_version_id: &str,
        description: &str,
    ) -> Result<(String, bool), SyncError> {
        // Filter by run id (hex, safe to quote) and check name and tag here.
        let filter = format!("run_id = '{run_id}'");
        let found = self
            .get(
                "model-versions/search",
                &[("filter", &filter), ("max_results", "1000")],
            )
            .await?;
        let existing = found["model_versions"].as_array().and_then(|versions| {
            versions.iter().find(|v| {
                v["name"].as_str() == Some(name)
                    && has_tag(v, CLIENT_VERSION_ID_TAG, client_version_id)
            })
        });
        if let Some(version) = existing {
            return Ok((string_at(version, "/version")?, false));
        }
        let mut body = json!({
            "name": name,
            "source": format!("runs:/{run_id}/{}", model_path.trim_matches('/')),
            "run_id": run_id,
            "tags": [{ "key": CLIENT_VERSION_ID_TAG, "value": client_version_id }],
            "description": description,
        });
        if let Some(model_id) = model_id {
            body["source"] = json!(format!("models:/{model_id}"));
            body["model_id"] = json!(model_id);
        }
        let answer = self.post("model-versions/create", &body).await?;
        Ok((string_at(&answer, "/model_version/version")?, true))
    }
}

impl<C: HttpClient> MlflowSync<C> {
    /// The LoggedModel a pushed run links as its output, if the server has LoggedModels
    /// and the run one.
    pub(crate) async fn logged_model_of_run(
        &self,
        run_id: &str,
    ) -> Result<Option<String>, SyncError> {
        let run = self.get("runs/get", &[("run_id", run_id)]).await?;
        Ok(run
            .pointer("/run/outputs/model_outputs/0/model_id")
            .and_then(Value::as_str)
            .map(str::to_string))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_follow_mlflow_rules() {
        assert!(check_alias("champion").is_ok());
        assert!(check_alias("best-2021_01").is_ok());
        for bad in ["", "latest", "v3", "V12", "with space", "a/b"] {
            assert!(check_alias(bad).is_err(), "{bad:?}");
        }
    }
}
