//! The local model registry, with MLflow's rules: registered models hold numbered versions
//! (1, 2, … per model, never reused), each pointing at the run that produced it; aliases
//! (`champion`, `challenger`) name versions and moving one is how a deployment rolls back or
//! forward; the classic stages are kept with their history. Times come in as arguments.

mod aliases;
mod exchange;
mod reference;
mod stages;
mod versions;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::tracking::DatasetInput;

pub use aliases::{check_alias, AliasMove};
pub use reference::VersionSelector;
pub use stages::{Stage, StageTransition};

/// MLflow's model version status. Local registration completes at once, so Flowbook's
/// versions are `Ready`; the other states exist for versions read back from a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VersionStatus {
    PendingRegistration,
    FailedRegistration,
    #[default]
    Ready,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelVersion {
    pub version: u32,
    /// Client id of the run the model comes from.
    pub source_run: String,
    /// The run's dataset inputs, copied so lineage survives the run being deleted.
    pub datasets: Vec<DatasetInput>,
    pub description: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub status: VersionStatus,
    #[serde(default)]
    pub stage: Stage,
    #[serde(default)]
    pub stage_history: Vec<StageTransition>,
    pub created_time_ms: i64,
    pub updated_time_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredModel {
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub created_time_ms: i64,
    pub updated_time_ms: i64,
    pub versions: Vec<ModelVersion>,
    /// Alias → version number.
    #[serde(default)]
    pub aliases: BTreeMap<String, u32>,
    #[serde(default)]
    pub alias_history: Vec<AliasMove>,
    /// Highest version number ever given, so a deleted version's number is never reused.
    #[serde(default)]
    pub last_version: u32,
}

impl RegisteredModel {
    pub fn version(&self, number: u32) -> Option<&ModelVersion> {
        self.versions.iter().find(|v| v.version == number)
    }

    fn version_mut(&mut self, number: u32) -> Result<&mut ModelVersion, RegistryError> {
        let error = self.unknown_version(number);
        self.versions
            .iter_mut()
            .find(|v| v.version == number)
            .ok_or(error)
    }

    /// The newest version, which `name` and `name@latest` resolve to.
    pub fn latest(&self) -> Option<&ModelVersion> {
        self.versions.iter().max_by_key(|v| v.version)
    }

    fn unknown_version(&self, number: u32) -> RegistryError {
        let numbers: Vec<String> = self
            .versions
            .iter()
            .map(|v| v.version.to_string())
            .collect();
        RegistryError::UnknownVersion {
            model: self.name.clone(),
            version: number.to_string(),
            known: if numbers.is_empty() {
                "it has no versions yet".into()
            } else {
                format!("versions: {}", numbers.join(", "))
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegistryError {
    #[error("a registered model named '{name}' already exists")]
    ModelExists { name: String },
    #[error("'{name}' cannot name a model: {reason}")]
    InvalidModelName { name: String, reason: String },
    #[error("no registered model named '{name}'")]
    UnknownModel { name: String },
    #[error("model '{model}' has no version {version} ({known})")]
    UnknownVersion {
        model: String,
        version: String,
        known: String,
    },
    #[error("model '{model}' has no alias '{alias}' ({known})")]
    UnknownAlias {
        model: String,
        alias: String,
        known: String,
    },
    #[error("'{alias}' cannot be an alias: {reason}")]
    InvalidAlias { alias: String, reason: String },
    #[error("model '{model}' has no versions yet")]
    NoVersions { model: String },
    #[error("model '{model}' has no version in stage {stage}")]
    NoVersionInStage { model: String, stage: String },
    #[error("unknown stage '{text}' — use None, Staging, Production or Archived")]
    UnknownStage { text: String },
    #[error(
        "archive_existing_versions only applies when moving to Staging or Production, not {stage}"
    )]
    ArchiveNeedsActiveStage { stage: String },
    #[error("alias '{alias}' of model '{model}' never pointed at another version: nothing to roll back to")]
    NothingToRollBack { model: String, alias: String },
    #[error("'{reference}' is not a model reference — write name, name@alias or name/<version>, optionally after models:/")]
    BadReference { reference: String },
    #[error("model '{model}' has used every version number; register under a new model name")]
    VersionsExhausted { model: String },
    #[error("tag key “{key}”: {reason}")]
    InvalidTagKey { key: String, reason: String },
}

/// A tag key MLflow accepts (the registry's tags go to MLflow with a push).
fn check_tag_key(key: &str) -> Result<(), RegistryError> {
    super::check_key(key).map_err(|reason| RegistryError::InvalidTagKey {
        key: key.to_string(),
        reason,
    })
}

/// All registered models. Names are unique and compared exactly, as in MLflow.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Registry {
    pub models: Vec<RegisteredModel>,
}

fn check_model_name(name: &str) -> Result<(), RegistryError> {
    let reason = if name.trim().is_empty() {
        "a model name cannot be empty"
    } else if name.contains(['@', '/']) {
        // They separate the name from the alias or version in `name@alias` and `name/3`.
        "'@' and '/' are not allowed in model names"
    } else {
        return Ok(());
    };
    Err(RegistryError::InvalidModelName {
        name: name.to_string(),
        reason: reason.to_string(),
    })
}

impl Registry {
    pub fn model(&self, name: &str) -> Option<&RegisteredModel> {
        self.models.iter().find(|m| m.name == name)
    }

    fn model_mut(&mut self, name: &str) -> Result<&mut RegisteredModel, RegistryError> {
        self.models
            .iter_mut()
            .find(|m| m.name == name)
            .ok_or_else(|| RegistryError::UnknownModel { name: name.into() })
    }

    pub fn create_model(
        &mut self,
        name: &str,
        description: &str,
        time_ms: i64,
    ) -> Result<&mut RegisteredModel, RegistryError> {
        check_model_name(name)?;
        if self.model(name).is_some() {
            return Err(RegistryError::ModelExists { name: name.into() });
        }
        self.models.push(RegisteredModel {
            name: name.to_string(),
            description: description.to_string(),
            tags: BTreeMap::new(),
            created_time_ms: time_ms,
            updated_time_ms: time_ms,
            versions: Vec::new(),
            aliases: BTreeMap::new(),
            alias_history: Vec::new(),
            last_version: 0,
        });
        Ok(self.models.last_mut().expect("just pushed"))
    }

    /// Registered models are deleted for good, with their versions, as in MLflow.
    pub fn delete_model(&mut self, name: &str) -> Result<RegisteredModel, RegistryError> {
        let index = self.models.iter().position(|m| m.name == name);
        let index = index.ok_or_else(|| RegistryError::UnknownModel { name: name.into() })?;
        Ok(self.models.remove(index))
    }

    pub fn describe_model(
        &mut self,
        name: &str,
        text: &str,
        time_ms: i64,
    ) -> Result<(), RegistryError> {
        let model = self.model_mut(name)?;
        model.description = text.to_string();
        model.updated_time_ms = time_ms;
        Ok(())
    }

    pub fn set_model_tag(
        &mut self,
        name: &str,
        key: &str,
        value: &str,
        time_ms: i64,
    ) -> Result<(), RegistryError> {
        check_tag_key(key)?;
        let model = self.model_mut(name)?;
        model.tags.insert(key.to_string(), value.to_string());
        model.updated_time_ms = time_ms;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
