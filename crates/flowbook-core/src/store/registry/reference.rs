//! Model references as MLflow writes them: `name`, `name@alias`, `name/3`, `name/latest`,
//! `name/Production`, each optionally after `models:/`.

use super::aliases::unknown_alias;
use super::{ModelVersion, RegisteredModel, Registry, RegistryError, Stage};

/// Which version of a model a reference asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSelector {
    Latest,
    Number(u32),
    Alias(String),
    /// The newest version in that stage.
    Stage(Stage),
}

impl VersionSelector {
    /// Splits a reference into the model name and the selector.
    pub fn parse(reference: &str) -> Result<(String, VersionSelector), RegistryError> {
        let bad = || RegistryError::BadReference {
            reference: reference.to_string(),
        };
        let text = reference.trim();
        let body = text.strip_prefix("models:/").unwrap_or(text);
        let (name, selector) = if let Some((name, alias)) = body.rsplit_once('@') {
            let selector = if alias.eq_ignore_ascii_case("latest") {
                VersionSelector::Latest
            } else if alias.is_empty() {
                return Err(bad());
            } else {
                VersionSelector::Alias(alias.to_string())
            };
            (name, selector)
        } else if let Some((name, part)) = body.rsplit_once('/') {
            let selector = if part.eq_ignore_ascii_case("latest") {
                VersionSelector::Latest
            } else if let Ok(number) = part.parse::<u32>() {
                VersionSelector::Number(number)
            } else if let Ok(stage) = Stage::parse(part) {
                VersionSelector::Stage(stage)
            } else {
                return Err(bad());
            };
            (name, selector)
        } else {
            (body, VersionSelector::Latest)
        };
        if name.trim().is_empty() || name.contains(['@', '/']) {
            return Err(bad());
        }
        Ok((name.to_string(), selector))
    }
}

impl Registry {
    /// The model and version a reference names, or why there is none.
    pub fn resolve(
        &self,
        reference: &str,
    ) -> Result<(&RegisteredModel, &ModelVersion), RegistryError> {
        let (name, selector) = VersionSelector::parse(reference)?;
        let model = self
            .model(&name)
            .ok_or_else(|| RegistryError::UnknownModel { name: name.clone() })?;
        let version = match &selector {
            VersionSelector::Latest => model.latest().ok_or_else(|| RegistryError::NoVersions {
                model: name.clone(),
            })?,
            VersionSelector::Number(number) => model
                .version(*number)
                .ok_or_else(|| model.unknown_version(*number))?,
            VersionSelector::Alias(alias) => {
                let number = model
                    .aliases
                    .get(alias)
                    .ok_or_else(|| unknown_alias(&name, alias, model.aliases.keys()))?;
                model
                    .version(*number)
                    .ok_or_else(|| model.unknown_version(*number))?
            }
            VersionSelector::Stage(stage) => model
                .versions
                .iter()
                .filter(|v| v.stage == *stage)
                .max_by_key(|v| v.version)
                .ok_or_else(|| RegistryError::NoVersionInStage {
                    model: name.clone(),
                    stage: stage.to_string(),
                })?,
        };
        Ok((model, version))
    }
}
