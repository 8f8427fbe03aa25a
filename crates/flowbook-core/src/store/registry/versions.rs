//! Registering runs as versions and editing versions.

use std::collections::BTreeMap;

use crate::tracking::Run;

use super::{
    check_tag_key, AliasMove, ModelVersion, Registry, RegistryError, Stage, VersionStatus,
};

impl Registry {
    /// Registers `run`'s model as the next version of `name`, creating the model if needed
    /// (as MLflow's `register_model` does). Returns the new version number.
    pub fn register_version(
        &mut self,
        name: &str,
        run: &Run,
        description: &str,
        time_ms: i64,
    ) -> Result<u32, RegistryError> {
        if self.model(name).is_none() {
            self.create_model(name, "", time_ms)?;
        }
        let model = self.model_mut(name)?;
        // Numbers come from saved or imported registries too: never wrap around.
        model.last_version = model
            .last_version
            .max(model.latest().map_or(0, |v| v.version))
            .checked_add(1)
            .ok_or_else(|| RegistryError::VersionsExhausted {
                model: name.to_string(),
            })?;
        model.versions.push(ModelVersion {
            version: model.last_version,
            source_run: run.client_id.clone(),
            datasets: run.inputs.clone(),
            description: description.to_string(),
            tags: BTreeMap::new(),
            status: VersionStatus::Ready,
            stage: Stage::None,
            stage_history: Vec::new(),
            created_time_ms: time_ms,
            updated_time_ms: time_ms,
        });
        model.updated_time_ms = time_ms;
        Ok(model.last_version)
    }

    pub fn describe_version(
        &mut self,
        name: &str,
        version: u32,
        text: &str,
        time_ms: i64,
    ) -> Result<(), RegistryError> {
        let entry = self.model_mut(name)?.version_mut(version)?;
        entry.description = text.to_string();
        entry.updated_time_ms = time_ms;
        Ok(())
    }

    pub fn set_version_tag(
        &mut self,
        name: &str,
        version: u32,
        key: &str,
        value: &str,
        time_ms: i64,
    ) -> Result<(), RegistryError> {
        check_tag_key(key)?;
        let entry = self.model_mut(name)?.version_mut(version)?;
        entry.tags.insert(key.to_string(), value.to_string());
        entry.updated_time_ms = time_ms;
        Ok(())
    }

    /// Deletes one version; aliases that named it are removed with it, as in MLflow.
    pub fn delete_version(
        &mut self,
        name: &str,
        version: u32,
        time_ms: i64,
    ) -> Result<ModelVersion, RegistryError> {
        let model = self.model_mut(name)?;
        model.version_mut(version)?;
        let dropped: Vec<String> = model
            .aliases
            .iter()
            .filter(|(_, &v)| v == version)
            .map(|(alias, _)| alias.clone())
            .collect();
        for alias in dropped {
            model.aliases.remove(&alias);
            model.alias_history.push(AliasMove {
                alias,
                from: Some(version),
                to: None,
                time_ms,
            });
        }
        let index = model
            .versions
            .iter()
            .position(|v| v.version == version)
            .expect("checked");
        model.updated_time_ms = time_ms;
        Ok(model.versions.remove(index))
    }
}
