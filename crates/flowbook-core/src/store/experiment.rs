//! Experiments: named groups of runs, with MLflow's soft delete for both, and the edits the
//! app allows on a recorded run (name, description, tags). Files: `experiment/file.rs`.

mod file;
pub(crate) mod file_run;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::tracking::Run;

use super::registry::Registry;
use super::{check_key, Lifecycle, StoredRun};

pub use file::{
    export_experiment, parse_experiment_file, ExperimentFile, ExperimentFileError,
    EXPERIMENT_FILE_FORMAT, EXPERIMENT_FILE_VERSION,
};
pub use file_run::{stored_run_from_json, stored_run_to_json};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub created_time_ms: i64,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub lifecycle: Lifecycle,
    #[serde(default)]
    pub runs: Vec<StoredRun>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("experiment '{experiment}' has no run with id '{client_id}'")]
    UnknownRun {
        experiment: String,
        client_id: String,
    },
    #[error("no run with id '{client_id}' in this browser")]
    NoSuchRun { client_id: String },
    #[error("experiment '{experiment}' already has a run with id '{client_id}'")]
    DuplicateRun {
        experiment: String,
        client_id: String,
    },
    #[error("a {what} name cannot be empty")]
    EmptyName { what: &'static str },
    #[error("{0}")]
    InvalidKey(String),
    #[error("an experiment named '{name}' already exists")]
    ExperimentExists { name: String },
    #[error("a deleted experiment is named '{name}': restore it or choose another name")]
    DeletedExperimentHasName { name: String },
    #[error("no experiment with id '{id}'")]
    UnknownExperiment { id: String },
}

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MergeSummary {
    pub experiment_created: bool,
    pub runs_added: usize,
    /// Runs whose client id the store already had; the local copy is kept.
    pub runs_already_present: usize,
    /// Runs listed twice in the file itself; the first copy is used.
    pub duplicate_runs_in_file: usize,
    pub versions_added: usize,
}

fn non_empty(name: &str, what: &'static str) -> Result<(), StoreError> {
    if name.trim().is_empty() {
        Err(StoreError::EmptyName { what })
    } else {
        Ok(())
    }
}

impl Experiment {
    pub fn new(id: &str, name: &str, created_time_ms: i64) -> Experiment {
        Experiment {
            id: id.to_string(),
            name: name.to_string(),
            description: String::new(),
            created_time_ms,
            tags: BTreeMap::new(),
            lifecycle: Lifecycle::Active,
            runs: Vec::new(),
        }
    }

    /// Renames the experiment and its runs' `experiment` field, which the MLflow sync uses
    /// to find or create the server-side experiment.
    pub fn rename(&mut self, name: &str) -> Result<(), StoreError> {
        non_empty(name, "experiment")?;
        self.name = name.to_string();
        for stored in &mut self.runs {
            stored.run.experiment = name.to_string();
        }
        Ok(())
    }

    pub fn describe(&mut self, text: &str) {
        self.description = text.to_string();
    }

    pub fn set_tag(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        check_key(key).map_err(StoreError::InvalidKey)?;
        self.tags.insert(key.to_string(), value.to_string());
        Ok(())
    }

    pub fn set_lifecycle(&mut self, lifecycle: Lifecycle) {
        self.lifecycle = lifecycle;
    }

    /// Adds a run, filed under this experiment's name. A client id is unique per store.
    pub fn add_run(&mut self, mut run: Run) -> Result<&StoredRun, StoreError> {
        if self.run(&run.client_id).is_some() {
            return Err(StoreError::DuplicateRun {
                experiment: self.name.clone(),
                client_id: run.client_id,
            });
        }
        run.experiment = self.name.clone();
        self.runs.push(StoredRun::new(run));
        Ok(self.runs.last().expect("just pushed"))
    }

    pub fn run(&self, client_id: &str) -> Option<&StoredRun> {
        self.runs.iter().find(|s| s.run.client_id == client_id)
    }

    fn run_mut(&mut self, client_id: &str) -> Result<&mut StoredRun, StoreError> {
        let experiment = self.name.clone();
        self.runs
            .iter_mut()
            .find(|s| s.run.client_id == client_id)
            .ok_or_else(|| StoreError::UnknownRun {
                experiment,
                client_id: client_id.to_string(),
            })
    }

    pub fn rename_run(&mut self, client_id: &str, name: &str) -> Result<(), StoreError> {
        non_empty(name, "run")?;
        self.run_mut(client_id)?.run.name = name.to_string();
        Ok(())
    }

    pub fn describe_run(&mut self, client_id: &str, text: &str) -> Result<(), StoreError> {
        self.run_mut(client_id)?.run.description = text.to_string();
        Ok(())
    }

    /// Sets a run tag; keys follow MLflow's rules so the run still syncs.
    pub fn set_run_tag(
        &mut self,
        client_id: &str,
        key: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        check_key(key).map_err(StoreError::InvalidKey)?;
        let run = &mut self.run_mut(client_id)?.run;
        run.tags.insert(key.to_string(), value.to_string());
        Ok(())
    }

    /// Removes a run tag; returns its value if it had one.
    pub fn delete_run_tag(
        &mut self,
        client_id: &str,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(self.run_mut(client_id)?.run.tags.remove(key))
    }

    /// Soft delete: the run stays in the store, hidden unless deleted runs are asked for.
    pub fn delete_run(&mut self, client_id: &str) -> Result<(), StoreError> {
        self.run_mut(client_id)?.lifecycle = Lifecycle::Deleted;
        Ok(())
    }

    pub fn restore_run(&mut self, client_id: &str) -> Result<(), StoreError> {
        self.run_mut(client_id)?.lifecycle = Lifecycle::Active;
        Ok(())
    }

    /// Adds the runs whose client ids are new; returns (added, already present).
    pub fn merge_runs(&mut self, runs: Vec<StoredRun>) -> (usize, usize) {
        let (mut added, mut present) = (0, 0);
        for mut stored in runs {
            if self.run(&stored.run.client_id).is_some() {
                present += 1;
            } else {
                stored.run.experiment = self.name.clone();
                self.runs.push(stored);
                added += 1;
            }
        }
        (added, present)
    }
}

/// MLflow's rule: experiment names are unique, and a deleted experiment keeps its name
/// until it is restored or purged.
fn check_experiment_name(
    experiments: &[Experiment],
    name: &str,
    except_id: &str,
) -> Result<(), StoreError> {
    non_empty(name, "experiment")?;
    match experiments
        .iter()
        .find(|e| e.name == name && e.id != except_id)
    {
        None => Ok(()),
        Some(e) if e.lifecycle == Lifecycle::Deleted => {
            Err(StoreError::DeletedExperimentHasName { name: name.into() })
        }
        Some(_) => Err(StoreError::ExperimentExists { name: name.into() }),
    }
}

/// Adds an empty experiment with a name no other experiment has.
pub fn create_experiment<'a>(
    experiments: &'a mut Vec<Experiment>,
    id: &str,
    name: &str,
    created_time_ms: i64,
) -> Result<&'a mut Experiment, StoreError> {
    check_experiment_name(experiments, name, id)?;
    experiments.push(Experiment::new(id, name, created_time_ms));
    Ok(experiments.last_mut().expect("just pushed"))
}

/// Renames experiment `id`, keeping names unique.
pub fn rename_experiment(
    experiments: &mut [Experiment],
    id: &str,
    name: &str,
) -> Result<(), StoreError> {
    check_experiment_name(experiments, name, id)?;
    let experiment = experiments.iter_mut().find(|e| e.id == id);
    experiment
        .ok_or_else(|| StoreError::UnknownExperiment { id: id.into() })?
        .rename(name)
}

/// Imports a parsed file into the app's experiments and registry: into the experiment with
/// the same id (else the same name), or as a new one. Nothing is duplicated.
pub fn import_experiment(
    experiments: &mut Vec<Experiment>,
    registry: &mut Registry,
    file: ExperimentFile,
) -> MergeSummary {
    let ExperimentFile {
        experiment,
        registry: models,
        duplicate_runs_in_file,
        ..
    } = file;
    let mut summary = MergeSummary {
        duplicate_runs_in_file,
        ..MergeSummary::default()
    };
    let existing = experiments
        .iter()
        .position(|e| e.id == experiment.id)
        .or_else(|| experiments.iter().position(|e| e.name == experiment.name));
    match existing {
        Some(index) => {
            let (added, present) = experiments[index].merge_runs(experiment.runs);
            summary.runs_added = added;
            summary.runs_already_present = present;
        }
        None => {
            summary.experiment_created = true;
            summary.runs_added = experiment.runs.len();
            experiments.push(experiment);
        }
    }
    summary.versions_added = registry.merge(models);
    summary
}

#[cfg(test)]
mod tests;
