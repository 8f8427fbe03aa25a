//! Aliases: mutable names for versions. Moving `champion` to another version is how the
//! app promotes a model, and moving it back is the rollback, so every move is recorded.

use serde::{Deserialize, Serialize};

use super::{Registry, RegistryError};

/// One change of an alias: `from` is `None` when it was created, `to` when it was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasMove {
    pub alias: String,
    pub from: Option<u32>,
    pub to: Option<u32>,
    pub time_ms: i64,
}

/// MLflow's alias rules: `^[\w-]+$`, and neither `latest` nor `v<digits>`, which already
/// mean "the newest version" and "version <digits>" in model references.
pub fn check_alias(alias: &str) -> Result<(), RegistryError> {
    let invalid = |reason: &str| {
        Err(RegistryError::InvalidAlias {
            alias: alias.to_string(),
            reason: reason.to_string(),
        })
    };
    if alias.is_empty() {
        return invalid("an alias cannot be empty");
    }
    if let Some(bad) = alias
        .chars()
        .find(|&c| !(c.is_alphanumeric() || c == '_' || c == '-'))
    {
        return invalid(&format!(
            "'{bad}' is not allowed; use letters, digits, _ and -"
        ));
    }
    let lower = alias.to_lowercase();
    if lower == "latest" {
        return invalid("'latest' is reserved: it always means the newest version");
    }
    let digits = lower.strip_prefix('v').unwrap_or("");
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return invalid("v<number> is reserved: it names a version by number");
    }
    Ok(())
}

impl Registry {
    /// Points `alias` at `version`, moving it if it named another one. Returns the version
    /// it named before, if any.
    pub fn set_alias(
        &mut self,
        name: &str,
        alias: &str,
        version: u32,
        time_ms: i64,
    ) -> Result<Option<u32>, RegistryError> {
        check_alias(alias)?;
        let model = self.model_mut(name)?;
        if model.version(version).is_none() {
            return Err(model.unknown_version(version));
        }
        let previous = model.aliases.insert(alias.to_string(), version);
        if previous != Some(version) {
            model.alias_history.push(AliasMove {
                alias: alias.to_string(),
                from: previous,
                to: Some(version),
                time_ms,
            });
            model.updated_time_ms = time_ms;
        }
        Ok(previous)
    }

    /// Removes an alias; returns the version it named.
    pub fn delete_alias(
        &mut self,
        name: &str,
        alias: &str,
        time_ms: i64,
    ) -> Result<u32, RegistryError> {
        let model = self.model_mut(name)?;
        let Some(version) = model.aliases.remove(alias) else {
            return Err(unknown_alias(&model.name, alias, model.aliases.keys()));
        };
        model.alias_history.push(AliasMove {
            alias: alias.to_string(),
            from: Some(version),
            to: None,
            time_ms,
        });
        model.updated_time_ms = time_ms;
        Ok(version)
    }

    /// Moves `alias` back to the version it named before its last move (rolling back twice
    /// returns to where it started, like `cd -`). Returns the version it now names.
    pub fn roll_back_alias(
        &mut self,
        name: &str,
        alias: &str,
        time_ms: i64,
    ) -> Result<u32, RegistryError> {
        let model = self.model_mut(name)?;
        let current = model.aliases.get(alias).copied();
        let previous = model
            .alias_history
            .iter()
            .rev()
            .filter(|m| m.alias == alias)
            .find_map(|m| {
                m.from
                    .filter(|&v| Some(v) != current && model.version(v).is_some())
            });
        let Some(target) = previous else {
            return Err(RegistryError::NothingToRollBack {
                model: name.to_string(),
                alias: alias.to_string(),
            });
        };
        self.set_alias(name, alias, target, time_ms)?;
        Ok(target)
    }
}

pub(super) fn unknown_alias<'a>(
    model: &str,
    alias: &str,
    known: impl Iterator<Item = &'a String>,
) -> RegistryError {
    let known: Vec<&str> = known.map(String::as_str).collect();
    RegistryError::UnknownAlias {
        model: model.to_string(),
        alias: alias.to_string(),
        known: if known.is_empty() {
            "it has no aliases".to_string()
        } else {
            format!("aliases: {}", known.join(", "))
        },
    }
}
