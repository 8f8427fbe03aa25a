//! The user's changes to the run store: edits of one run, and creating, switching and
//! renaming experiments. The rules are the engine's (`flowbook_core::store`); this file
//! applies them to the page's signals and saves what changed.

use flowbook_core::store::{
    create_experiment, edit_run, experiment_names, move_runs, rename_experiment, Experiment,
    RunEdit,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::services::local_settings::set_local_setting;
use crate::services::persist::update_experiments;
use crate::services::tabs::announce;
use crate::state::runs::{
    new_client_id, RunStore, StoreStatus, CURRENT_EXPERIMENT_KEY, EXPERIMENTS_NEWS,
};

/// A change to the experiment list, made once on the page's copy (to answer at once) and
/// again on the stored list inside the saving transaction (to keep other tabs' changes).
#[derive(Debug, Clone)]
enum ListEdit {
    Create { id: String, name: String, time: i64 },
    Rename { id: String, name: String },
}

impl ListEdit {
    fn apply(&self, list: &mut Vec<Experiment>) -> Result<(), String> {
        match self {
            ListEdit::Create { id, name, time } => {
                create_experiment(list, id, name, *time).map(|_| ())
            }
            ListEdit::Rename { id, name } => rename_experiment(list, id, name),
        }
        .map_err(|e| e.to_string())
    }
}

impl RunStore {
    /// Applies `edit` to run `client_id` and saves it; the message says why not otherwise.
    pub fn edit(&self, client_id: &str, edit: RunEdit) -> Result<(), String> {
        let mut outcome = Ok(());
        self.runs
            .update(|runs| outcome = edit_run(runs, client_id, edit).map_err(|e| e.to_string()));
        if outcome.is_ok() {
            self.save(client_id);
        }
        outcome
    }

    /// Every experiment to choose from (see `experiment_names`).
    pub fn experiment_names(&self) -> Vec<String> {
        self.experiments
            .with(|list| self.runs.with(|runs| experiment_names(list, runs)))
    }

    /// Shows experiment `name` and files new runs under it, now and after a reload.
    pub fn switch_to(&self, name: &str) {
        set_local_setting(CURRENT_EXPERIMENT_KEY, name);
        self.current.set(name.to_string());
    }

    /// A new, empty experiment named `name`, which becomes the current one.
    pub fn create_experiment(&self, name: &str) -> Result<(), String> {
        let name = name.trim();
        self.experiments_status
            .get_untracked()
            .refusal("experiment list")?;
        self.check_free(name, None)?;
        self.change_list(ListEdit::Create {
            id: new_client_id(),
            name: name.to_string(),
            time: js_sys::Date::now() as i64,
        })?;
        self.switch_to(name);
        Ok(())
    }

    /// Renames the current experiment, and files its runs under the new name.
    pub fn rename_current(&self, name: &str) -> Result<(), String> {
        let name = name.trim();
        self.experiments_status
            .get_untracked()
            .refusal("experiment list")?;
        let old = self.current.get_untracked();
        self.check_free(name, Some(&old))?;
        let known = self
            .experiments
            .with_untracked(|list| list.iter().find(|e| e.name == old).map(|e| e.id.clone()));
        self.change_list(match known {
            Some(id) => ListEdit::Rename {
                id,
                name: name.to_string(),
            },
            // "Default" and experiments that came with imported runs get an entry now.
            None => ListEdit::Create {
                id: new_client_id(),
                name: name.to_string(),
                time: js_sys::Date::now() as i64,
            },
        })?;
        let mut moved = Vec::new();
        self.runs.update(|runs| moved = move_runs(runs, &old, name));
        for client_id in moved {
            self.save(&client_id);
        }
        self.switch_to(name);
        Ok(())
    }

    /// Names are unique among all experiments offered, not only the created ones.
    fn check_free(&self, name: &str, except: Option<&str>) -> Result<(), String> {
        if name.is_empty() {
            return Err("An experiment needs a name.".into());
        }
        let taken = self
            .experiment_names()
            .iter()
            .any(|n| n == name && Some(n.as_str()) != except);
        if taken {
            return Err(format!("An experiment named “{name}” already exists."));
        }
        Ok(())
    }

    /// Applies `edit` to the page's list, then to the stored list in one transaction; the
    /// page then shows the stored list, with what other tabs added.
    fn change_list(&self, edit: ListEdit) -> Result<(), String> {
        let mut outcome = Ok(());
        self.experiments.update(|list| outcome = edit.apply(list));
        outcome?;
        let (experiments, status) = (self.experiments, self.experiments_status);
        spawn_local(async move {
            let updated = update_experiments(move |stored| {
                let mut list: Vec<Experiment> = match stored {
                    None => Vec::new(),
                    Some(text) => serde_json::from_str(&text).map_err(|e| {
                        format!(
                            "The saved experiment list changed into one this Flowbook cannot \
                             read ({e}), perhaps in another tab; it was not changed. Reload the page."
                        )
                    })?,
                };
                edit.apply(&mut list)?;
                let text = serde_json::to_string(&list).map_err(|e| e.to_string())?;
                Ok((text, list))
            })
            .await;
            match updated {
                Ok(Ok((_, list))) => {
                    experiments.set(list);
                    announce(EXPERIMENTS_NEWS, "");
                }
                Ok(Err(message)) | Err(message) => status.set(StoreStatus::Problem(message)),
            }
        });
        Ok(())
    }
}
