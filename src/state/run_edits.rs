//! The user's changes to the run store: edits of one run, and creating, switching and
//! renaming experiments. The rules are the engine's (`flowbook_core::store`); this file
//! applies them to the page's signals and saves what changed.

use flowbook_core::store::{
    create_experiment, edit_run, experiment_names, move_runs, rename_experiment, RunEdit,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::services::local_settings::set_local_setting;
use crate::services::persist::save_experiments;
use crate::state::runs::{new_client_id, RunStore, StoreStatus, CURRENT_EXPERIMENT_KEY};

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
        self.check_free(name, None)?;
        let mut outcome = Ok(());
        self.experiments.update(|list| {
            let created =
                create_experiment(list, &new_client_id(), name, js_sys::Date::now() as i64);
            outcome = created.map(|_| ()).map_err(|e| e.to_string());
        });
        outcome?;
        self.save_experiments();
        self.switch_to(name);
        Ok(())
    }

    /// Renames the current experiment, and files its runs under the new name.
    pub fn rename_current(&self, name: &str) -> Result<(), String> {
        let name = name.trim();
        let old = self.current.get_untracked();
        self.check_free(name, Some(&old))?;
        let known = self
            .experiments
            .with_untracked(|list| list.iter().find(|e| e.name == old).map(|e| e.id.clone()));
        let mut outcome = Ok(());
        self.experiments.update(|list| {
            outcome = match &known {
                Some(id) => rename_experiment(list, id, name),
                // "Default" and experiments that came with imported runs get an entry now.
                None => create_experiment(list, &new_client_id(), name, js_sys::Date::now() as i64)
                    .map(|_| ()),
            }
            .map_err(|e| e.to_string());
        });
        outcome?;
        let mut moved = Vec::new();
        self.runs.update(|runs| moved = move_runs(runs, &old, name));
        for client_id in moved {
            self.save(&client_id);
        }
        self.save_experiments();
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

    fn save_experiments(&self) {
        let list = self.experiments.get_untracked();
        let Ok(text) = serde_json::to_string(&list) else {
            return;
        };
        let status = self.status;
        spawn_local(async move {
            if let Err(message) = save_experiments(&text).await {
                status.set(StoreStatus::Problem(message));
            }
        });
    }
}
