//! Runs of the MLflow server ticked for comparison in the team's runs view.

use flowbook_core::store::StoredRun;
use leptos::prelude::*;

/// Runs of the MLflow server ticked in the team's runs view, compared (read-only) next to
/// the local ones. The page provides one in a context, shared by both views.
#[derive(Debug, Clone, Copy)]
pub struct ServerComparison(pub RwSignal<Vec<StoredRun>>);

impl ServerComparison {
    pub fn new() -> ServerComparison {
        ServerComparison(RwSignal::new(Vec::new()))
    }

    /// Ticks or unticks a server run (by its server id).
    pub fn set(&self, run: &StoredRun, on: bool) {
        self.0.update(|runs| {
            runs.retain(|s| s.run.client_id != run.run.client_id);
            if on {
                runs.push(run.clone());
            }
        });
    }

    pub fn contains(&self, server_run_id: &str) -> bool {
        self.0
            .with(|runs| runs.iter().any(|s| s.run.client_id == server_run_id))
    }
}

impl Default for ServerComparison {
    fn default() -> Self {
        Self::new()
    }
}
