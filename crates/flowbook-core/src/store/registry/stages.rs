//! MLflow's classic stages (deprecated there since 2.9 in favour of aliases, still used by
//! many teams): None → Staging → Production → Archived, with a history of transitions.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Registry, RegistryError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Stage {
    #[default]
    None,
    Staging,
    Production,
    Archived,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::None,
        Stage::Staging,
        Stage::Production,
        Stage::Archived,
    ];

    /// MLflow's spelling; accepted in any case.
    pub fn parse(text: &str) -> Result<Stage, RegistryError> {
        Stage::ALL
            .into_iter()
            .find(|s| s.to_string().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| RegistryError::UnknownStage {
                text: text.to_string(),
            })
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::None => "None",
            Stage::Staging => "Staging",
            Stage::Production => "Production",
            Stage::Archived => "Archived",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageTransition {
    pub from: Stage,
    pub to: Stage,
    pub time_ms: i64,
}

impl Registry {
    /// Moves a version to `stage`. With `archive_existing_versions` (only for Staging and
    /// Production, as in MLflow) every other version in that stage goes to Archived.
    /// Returns the versions archived that way. Moving to the current stage changes nothing.
    pub fn transition_stage(
        &mut self,
        name: &str,
        version: u32,
        stage: Stage,
        archive_existing_versions: bool,
        time_ms: i64,
    ) -> Result<Vec<u32>, RegistryError> {
        if archive_existing_versions && !matches!(stage, Stage::Staging | Stage::Production) {
            return Err(RegistryError::ArchiveNeedsActiveStage {
                stage: stage.to_string(),
            });
        }
        let model = self.model_mut(name)?;
        model.version_mut(version)?;
        let mut archived = Vec::new();
        for entry in &mut model.versions {
            let target = if entry.version == version {
                stage
            } else if archive_existing_versions && entry.stage == stage {
                archived.push(entry.version);
                Stage::Archived
            } else {
                continue;
            };
            if entry.stage != target {
                entry.stage_history.push(StageTransition {
                    from: entry.stage,
                    to: target,
                    time_ms,
                });
                entry.stage = target;
                entry.updated_time_ms = time_ms;
                model.updated_time_ms = time_ms;
            }
        }
        Ok(archived)
    }
}
