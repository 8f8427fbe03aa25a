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
fn check_alias(alias: &str) -> Result<(), SyncError> {
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

fn has_tag(version: &Value, key: &str, value: &str) -> bool {
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
        if name.trim().is_empty() {
            return Err(SyncError::InvalidInput(
                "the registered model name is empty".to_string(),
            ));
        }
        for alias in aliases {
            check_alias(alias)?;
        }
        match self
            .post("registered-models/create", &json!({ "name": name }))
            .await
        {
            Ok(_) => {}
            Err(e) if e.error_code() == Some("RESOURCE_ALREADY_EXISTS") => {}
            Err(e) => return Err(e),
        }

        let client_version_id = format!("{}/{}", run.client_id, model_path.trim_matches('/'));
        // Filter by run id (hex, safe to quote) and check name and tag here.
        let filter = format!("run_id = '{}'", pushed.run_id);
        let found = self
            .get(
                "model-versions/search",
                &[("filter", &filter), ("max_results", "1000")],
            )
            .await?;
        let existing = found["model_versions"].as_array().and_then(|versions| {
            versions.iter().find(|v| {
                v["name"].as_str() == Some(name)
                    && has_tag(v, CLIENT_VERSION_ID_TAG, &client_version_id)
            })
        });
        let (version, created) = match existing {
            Some(version) => (string_at(version, "/version")?, false),
            None => {
                let body = json!({
                    "name": name,
                    "source": format!("runs:/{}/{}", pushed.run_id, model_path.trim_matches('/')),
                    "run_id": pushed.run_id,
                    "tags": [{ "key": CLIENT_VERSION_ID_TAG, "value": client_version_id }],
                    "description": run.description,
                });
                let answer = self.post("model-versions/create", &body).await?;
                (string_at(&answer, "/model_version/version")?, true)
            }
        };

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
