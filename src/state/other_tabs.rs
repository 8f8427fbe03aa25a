//! What other tabs of this site saved, shown here too: a run they recorded or edited, the
//! experiment list, the registry. Each store reads the changed record again from storage,
//! so the page shows what is stored, not a copy of another tab's memory.

use crate::services::tabs::{listen, StoreNews};
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
