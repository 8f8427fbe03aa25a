//! The workspace around the notebook: which side panel is open beside it (Data, Runs,
//! Compare, Registry, MLflow), and the runs ticked for comparison. The open panel is
//! remembered for the next visit, so a reload keeps the user's place.

use leptos::prelude::*;

use crate::services::local_settings::{local_setting, set_local_setting};
use crate::state::runs::RunStore;

/// `localStorage` key of the open panel's name.
const OPEN_PANEL_KEY: &str = "flowbook.panel";

/// A place the user opens beside the notebook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Panel {
    Data,
    Runs,
    Compare,
    Registry,
    Mlflow,
}

impl Panel {
    /// Every panel, in the order of the tabs.
    pub const ALL: [Panel; 5] = [
        Panel::Data,
        Panel::Runs,
        Panel::Compare,
        Panel::Registry,
        Panel::Mlflow,
    ];

    /// The tab's label.
    pub fn label(self) -> &'static str {
        match self {
            Panel::Data => "Data",
            Panel::Runs => "Runs",
            Panel::Compare => "Compare",
            Panel::Registry => "Registry",
            Panel::Mlflow => "MLflow",
        }
    }

    /// The stable name: stored, and in the tab's test id (`tab-runs`).
    pub fn key(self) -> &'static str {
        match self {
            Panel::Data => "data",
            Panel::Runs => "runs",
            Panel::Compare => "compare",
            Panel::Registry => "registry",
            Panel::Mlflow => "mlflow",
        }
    }

    pub fn from_key(key: &str) -> Option<Panel> {
        Panel::ALL.into_iter().find(|panel| panel.key() == key)
    }
}

/// The page's layout state, provided as a context.
#[derive(Debug, Clone, Copy)]
pub struct Workspace {
    /// The panel shown beside the notebook; `None` gives the notebook the whole width.
    pub open: RwSignal<Option<Panel>>,
    /// Client ids of the local runs ticked for comparison, in the order they were ticked.
    pub compared: RwSignal<Vec<String>>,
}

impl Workspace {
    /// The workspace with the panel open at the end of the last visit.
    pub fn new() -> Workspace {
        let open = local_setting(OPEN_PANEL_KEY).and_then(|key| Panel::from_key(&key));
        Workspace {
            open: RwSignal::new(open),
            compared: RwSignal::new(Vec::new()),
        }
    }

    /// Opens `panel`, or closes it when it is the open one (a tab clicked twice).
    pub fn toggle(&self, panel: Panel) {
        let next = (self.open.get_untracked() != Some(panel)).then_some(panel);
        self.set_open(next);
    }

    /// How many ticked runs are still in `store` (a deleted one leaves the comparison).
    /// Tracked.
    pub fn ticked_count(&self, store: &RunStore) -> usize {
        self.compared.with(|ids| {
            store.runs.with(|runs| {
                ids.iter()
                    .filter(|id| runs.iter().any(|s| s.run.client_id == **id))
                    .count()
            })
        })
    }

    /// Shows `panel` (or none), and remembers it.
    pub fn set_open(&self, panel: Option<Panel>) {
        self.open.set(panel);
        set_local_setting(OPEN_PANEL_KEY, panel.map_or("", Panel::key));
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}
