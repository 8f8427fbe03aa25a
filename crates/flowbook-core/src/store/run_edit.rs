//! Edits on the runs of a flat run list, as the browser keeps them (one record per run,
//! each naming its experiment): the same rules as [`Experiment`](super::Experiment)'s
//! methods, addressed by client id, plus the experiment a run belongs to.

use super::experiment::{Experiment, StoreError};
use super::{check_key, Lifecycle, StoredRun};

/// The experiment of runs recorded before experiments could be chosen.
pub const DEFAULT_EXPERIMENT: &str = "Default";

/// One change the user makes to a recorded run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEdit {
    Rename(String),
    Describe(String),
    SetTag {
        key: String,
        value: String,
    },
    DeleteTag(String),
    /// Soft delete: hidden from the table unless deleted runs are shown.
    Delete,
    Restore,
}

/// Applies `edit` to the run `client_id` of `runs`; the run is unchanged on an error.
pub fn edit_run(runs: &mut [StoredRun], client_id: &str, edit: RunEdit) -> Result<(), StoreError> {
    let Some(stored) = runs.iter_mut().find(|s| s.run.client_id == client_id) else {
        return Err(StoreError::NoSuchRun {
            client_id: client_id.to_string(),
        });
    };
    match edit {
        RunEdit::Rename(name) => {
            if name.trim().is_empty() {
                return Err(StoreError::EmptyName { what: "run" });
            }
            stored.run.name = name.trim().to_string();
        }
        RunEdit::Describe(text) => stored.run.description = text,
        RunEdit::SetTag { key, value } => {
            check_key(&key).map_err(StoreError::InvalidKey)?;
            stored.run.tags.insert(key, value);
        }
        RunEdit::DeleteTag(key) => {
            stored.run.tags.remove(&key);
        }
        RunEdit::Delete => stored.lifecycle = Lifecycle::Deleted,
        RunEdit::Restore => stored.lifecycle = Lifecycle::Active,
    }
    Ok(())
}

/// The experiment a run is filed under; records without one belong to "Default".
pub fn experiment_of(stored: &StoredRun) -> &str {
    let name = stored.run.experiment.trim();
    if name.is_empty() {
        DEFAULT_EXPERIMENT
    } else {
        &stored.run.experiment
    }
}

/// Files every run of experiment `from` under `to` (an experiment renamed); returns the
/// client ids of the runs changed, which the caller saves.
pub fn move_runs(runs: &mut [StoredRun], from: &str, to: &str) -> Vec<String> {
    let mut changed = Vec::new();
    for stored in runs.iter_mut() {
        if experiment_of(stored) == from && stored.run.experiment != to {
            stored.run.experiment = to.to_string();
            changed.push(stored.run.client_id.clone());
        }
    }
    changed
}

/// The experiments to offer: "Default", the live experiments created by name, then any
/// other experiment a run is filed under (an imported one), each once, in that order.
pub fn experiment_names(experiments: &[Experiment], runs: &[StoredRun]) -> Vec<String> {
    let mut names = vec![DEFAULT_EXPERIMENT.to_string()];
    let created = experiments
        .iter()
        .filter(|e| e.lifecycle == Lifecycle::Active)
        .map(|e| e.name.as_str());
    for name in created.chain(runs.iter().map(experiment_of)) {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracking::Run;

    fn runs() -> Vec<StoredRun> {
        ["a", "b"]
            .iter()
            .map(|id| StoredRun::new(Run::new(id, &format!("run {id}"), "Default", 0)))
            .collect()
    }

    #[test]
    fn edits_change_only_the_named_run() {
        let mut runs = runs();
        edit_run(&mut runs, "a", RunEdit::Rename("  best ridge ".into())).unwrap();
        edit_run(&mut runs, "a", RunEdit::Describe("α from the sweep".into())).unwrap();
        let tag = RunEdit::SetTag {
            key: "team".into(),
            value: "fares".into(),
        };
        edit_run(&mut runs, "a", tag).unwrap();
        edit_run(&mut runs, "a", RunEdit::Delete).unwrap();
        assert_eq!(runs[0].run.name, "best ridge");
        assert_eq!(runs[0].run.description, "α from the sweep");
        assert_eq!(
            runs[0].run.tags.get("team").map(String::as_str),
            Some("fares")
        );
        assert!(runs[0].is_deleted());
        assert_eq!(runs[1], super::tests::runs()[1]);
        edit_run(&mut runs, "a", RunEdit::Restore).unwrap();
        edit_run(&mut runs, "a", RunEdit::DeleteTag("team".into())).unwrap();
        assert!(!runs[0].is_deleted());
        assert!(runs[0].run.tags.is_empty());
    }

    #[test]
    fn bad_edits_are_refused_and_change_nothing() {
        let mut runs = runs();
        let before = runs.clone();
        let err = edit_run(&mut runs, "a", RunEdit::Rename("   ".into())).unwrap_err();
        assert_eq!(err.to_string(), "a run name cannot be empty");
        let bad_key = RunEdit::SetTag {
            key: "a=b".into(),
            value: "x".into(),
        };
        assert!(edit_run(&mut runs, "a", bad_key)
            .unwrap_err()
            .to_string()
            .contains("'='"));
        let unknown = edit_run(&mut runs, "zz", RunEdit::Delete).unwrap_err();
        assert!(unknown.to_string().contains("'zz'"), "{unknown}");
        assert_eq!(runs, before);
    }

    #[test]
    fn runs_without_experiment_are_default_and_move_on_rename() {
        let mut runs = runs();
        runs[1].run.experiment = String::new();
        runs.push(StoredRun::new(Run::new("c", "c", "Taxi", 0)));
        assert_eq!(experiment_of(&runs[1]), DEFAULT_EXPERIMENT);
        let moved = move_runs(&mut runs, DEFAULT_EXPERIMENT, "Baseline");
        assert_eq!(moved, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(runs[1].run.experiment, "Baseline");
        assert_eq!(runs[2].run.experiment, "Taxi");
    }

    #[test]
    fn experiments_offered_are_default_created_then_those_of_runs() {
        let mut runs = runs();
        runs[0].run.experiment = "Imported".into();
        let mut gone = Experiment::new("2", "Old", 0);
        gone.lifecycle = Lifecycle::Deleted;
        let created = [Experiment::new("1", "Sweeps", 0), gone];
        assert_eq!(
            experiment_names(&created, &runs),
            ["Default", "Sweeps", "Imported"]
        );
    }
}
