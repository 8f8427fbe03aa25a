//! What other tabs of this site saved, shown here too: a run they recorded or edited, the
//! experiment list, the registry, the notebook. Each store reads the changed record again from storage,
//! so the page shows what is stored, not a copy of another tab's memory.

use crate::services::local_settings::on_change_in_other_tabs;
use crate::services::tabs::{listen, StoreNews};
use crate::state::notebook::{NotebookState, STORAGE_KEY};
use crate::state::registry::{RegistryStore, REGISTRY_NEWS};
use crate::state::runs::{RunStore, EXPERIMENTS_NEWS, RUNS_NEWS};

pub fn follow_other_tabs(runs: RunStore, registry: RegistryStore) {
    listen(move |news: StoreNews| match news.store.as_str() {
        RUNS_NEWS if !news.key.is_empty() => runs.reload_run(news.key),
        EXPERIMENTS_NEWS => runs.reload_experiments(),
        REGISTRY_NEWS => registry.reload(),
        _ => {}
    });
}

/// The notebook lives in localStorage, whose own `storage` event tells of another tab's
/// save once this tab can read it.
pub fn follow_notebook_in_other_tabs(state: NotebookState) {
    on_change_in_other_tabs(STORAGE_KEY, move |saved| state.follow_saved(saved));
}
