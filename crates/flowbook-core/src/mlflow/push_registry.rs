//! Pushing the local model registry: registered models with their descriptions and tags,
//! one server version per local version (linked to the run on the server, found again by a
//! version tag so a repeated push creates nothing), the versions' stages, and the aliases
//! mapped to the server's version numbers, which need not match the local ones.

use std::collections::BTreeMap;

use serde_json::json;

use super::api::MlflowSync;
use super::error::SyncError;
use super::http::{HttpClient, HttpMethod};
use super::registry::check_alias;
use crate::store::{RegisteredModel, Stage};

/// One local version and the server version it became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedVersion {
    pub model: String,
    pub local_version: u32,
    pub server_version: String,
    /// False when an earlier push had already created it.
    pub created: bool,
}

/// What a registry push did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryPush {
    pub versions: Vec<PushedVersion>,
    /// `(model, local version)` left out because the version's run is not on the server
    /// yet: push the runs, then the registry again.
    pub waiting: Vec<(String, u32)>,
    /// Aliases set on the server.
    pub aliases: usize,
}

/// The tag value that identifies a local version on the server: the local version number
/// is part of it, so two local versions of one run stay two server versions.
pub fn client_version_id(source_run: &str, model_path: &str, local_version: u32) -> String {
    format!(
        "{source_run}/{}#v{local_version}",
        model_path.trim_matches('/')
    )
}

impl<C: HttpClient> MlflowSync<C> {
    /// Creates the registered model `name` unless it exists.
    pub(crate) async fn ensure_registered_model(&self, name: &str) -> Result<(), SyncError> {
        if name.trim().is_empty() {
            return Err(SyncError::InvalidInput(
                "the registered model name is empty".to_string(),
            ));
        }
        match self
            .post("registered-models/create", &json!({ "name": name }))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.error_code() == Some("RESOURCE_ALREADY_EXISTS") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Pushes `models` as they are locally. `server_run_id(client_id)` gives the server's
    /// id of a run already pushed; versions of runs not pushed yet are reported as waiting.
    /// Every call sets a value (update, set-tag, transition, alias), so pushing again after
    /// a failure finishes the job without duplicates. Aliases this registry once used and
    /// no longer has are removed from the server; aliases it never used are left alone.
    pub async fn push_registry(
        &self,
        models: &[RegisteredModel],
        server_run_id: impl Fn(&str) -> Option<String>,
        model_path: &str,
    ) -> Result<RegistryPush, SyncError> {
        let mut report = RegistryPush::default();
        for model in models {
            for alias in model.aliases.keys() {
                check_alias(alias)?;
            }
        }
        for model in models {
            let name = model.name.as_str();
            self.ensure_registered_model(name).await?;
            if !model.description.is_empty() {
                let body = json!({ "name": name, "description": model.description });
                self.call(HttpMethod::Patch, "registered-models/update", Some(&body))
                    .await?;
            }
            for (key, value) in &model.tags {
                let body = json!({ "name": name, "key": key, "value": value });
                self.post("registered-models/set-tag", &body).await?;
            }

            let mut server_numbers = BTreeMap::new();
            let mut versions: Vec<_> = model.versions.iter().collect();
            versions.sort_by_key(|v| v.version);
            for version in versions {
                let Some(run_id) = server_run_id(&version.source_run) else {
                    report.waiting.push((model.name.clone(), version.version));
                    continue;
                };
                let tag = client_version_id(&version.source_run, model_path, version.version);
                let model_id = self.logged_model_of_run(&run_id).await?;
                let (number, created) = self
                    .ensure_version(
                        name,
                        &run_id,
                        model_id.as_deref(),
                        model_path,
                        &tag,
                        &version.description,
                    )
                    .await?;
                if !created {
                    // The description may have been edited since the first push.
                    let body = json!({ "name": name, "version": number, "description": version.description });
                    self.call(HttpMethod::Patch, "model-versions/update", Some(&body))
                        .await?;
                }
                for (key, value) in &version.tags {
                    let body =
                        json!({ "name": name, "version": number, "key": key, "value": value });
                    self.post("model-versions/set-tag", &body).await?;
                }
                if !(created && version.stage == Stage::None) {
                    let body = json!({
                        "name": name,
                        "version": number,
                        "stage": version.stage.to_string(),
                        // Each version gets its own stage: the local state is already final.
                        "archive_existing_versions": false,
                    });
                    self.post("model-versions/transition-stage", &body).await?;
                }
                server_numbers.insert(version.version, number.clone());
                report.versions.push(PushedVersion {
                    model: model.name.clone(),
                    local_version: version.version,
                    server_version: number,
                    created,
                });
            }

            for (alias, local) in &model.aliases {
                // An alias on a waiting version goes out with the next push.
                if let Some(number) = server_numbers.get(local) {
                    let body = json!({ "name": name, "alias": alias, "version": number });
                    self.post("registered-models/alias", &body).await?;
                    report.aliases += 1;
                }
            }
            let dropped = model
                .alias_history
                .iter()
                .map(|m| &m.alias)
                .filter(|alias| !model.aliases.contains_key(*alias));
            let dropped: std::collections::BTreeSet<&String> = dropped.collect();
            for alias in dropped {
                let body = json!({ "name": name, "alias": alias });
                match self
                    .call(HttpMethod::Delete, "registered-models/alias", Some(&body))
                    .await
                {
                    Ok(_) => {}
                    // Never pushed, or already removed: nothing to do.
                    Err(e) if e.error_code() == Some("RESOURCE_DOES_NOT_EXIST") => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ids_separate_local_versions_of_one_run() {
        let a = client_version_id("run-1", "/model/", 1);
        let b = client_version_id("run-1", "model", 2);
        assert_eq!(a, "run-1/model#v1");
        assert_ne!(a, b);
    }
}
