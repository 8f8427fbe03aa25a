//! The notebook on the page: the document, its dataflow, each cell's latest output, and
//! where it is kept between visits (the browser's localStorage).

use std::collections::HashMap;
use std::sync::Arc;

use flowbook_core::data::TripTable;
use flowbook_core::evaluate::{RunRmse, SweepPoint};
use flowbook_core::notebook::{
    default_notebook, open, save, CellKind, Dataflow, Notebook, PrepareSettings, RemoteImages,
};
use flowbook_core::pipeline::Progress;
use leptos::prelude::*;

use crate::services::local_settings::{local_setting, set_local_setting};
use crate::state::datasets::Datasets;
use crate::state::runs::RunStore;
use crate::state::training::TrainOutcome;
use crate::state::zones::Zones;

/// The localStorage key of the notebook document.
pub const STORAGE_KEY: &str = "flowbook.notebook";
/// "1" when opening Flowbook runs the notebook by itself, "0" when it waits for a click.
/// The first run in a browser sets it to "1"; the toolbar's "Run on open" changes it. A
/// first visit waits for a click (it records runs, which a fresh profile should not get
/// uninvited).
pub const AUTORUN_KEY: &str = "flowbook.notebook.autorun";

/// How far a search is: trials done of planned, and the best validation RMSE so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchProgress {
    pub done: usize,
    pub planned: usize,
    pub best: Option<f64>,
}

/// A cell's latest result.
#[derive(Debug, Clone)]
pub enum CellOutput {
    Markdown,
    Data {
        train: Arc<TripTable>,
        validation: Arc<TripTable>,
    },
    Prepare(PrepareSettings),
    Train(Arc<TrainOutcome>),
    Evaluate(Arc<TrainOutcome>),
    Compare {
        runs: Vec<RunRmse>,
        sweep: Vec<SweepPoint>,
    },
    Predict {
        minutes: f64,
    },
    Search(Arc<crate::state::searching::SearchOutcome>),
    Monitor(Arc<crate::state::monitoring::MonitorOutcome>),
}

/// An output with the number of the run that made it: views redraw when the number changes.
#[derive(Debug, Clone)]
pub struct Stamped {
    pub stamp: u64,
    pub output: Arc<CellOutput>,
}

impl PartialEq for Stamped {
    fn eq(&self, other: &Self) -> bool {
        self.stamp == other.stamp
    }
}

/// What the runner is asked to do next.
#[derive(Debug, Clone, PartialEq)]
pub enum RunRequest {
    /// Every cell, from the top.
    All,
    /// The cells that are out of date (after an edit), in notebook order.
    Stale,
}

#[derive(Debug, Clone, Copy)]
pub struct NotebookState {
    pub doc: RwSignal<Notebook>,
    pub flow: RwSignal<Dataflow>,
    pub outputs: RwSignal<HashMap<String, Stamped>>,
    /// How many times each cell has run in this page.
    pub run_counts: RwSignal<HashMap<String, u32>>,
    /// The toolbar's message: `Ok` for news (a file opened), `Err` for a problem (a file
    /// that could not be opened, a save that failed).
    pub message: RwSignal<Option<Result<String, String>>>,
    /// Whether edits re-run stale cells by themselves (after the first run).
    pub reactive: RwSignal<bool>,
    /// Whether opening Flowbook runs the notebook by itself (the toolbar's "Run on open").
    pub run_on_open: RwSignal<bool>,
    /// The address of the notebook on screen when it came from a shared link: it is its
    /// own document, kept apart from the user's saved notebook until they keep it.
    pub shared: RwSignal<Option<String>>,
    /// Whether Markdown cells load images from other hosts: not until the reader allows
    /// it, for each notebook shown.
    pub remote_images: RwSignal<RemoteImages>,
    /// The saved notebook, when it could not be read: nothing is saved over it meanwhile.
    pub saved_unreadable: RwSignal<Option<SavedUnreadable>>,
    pub datasets: Datasets,
    pub run_store: Option<RunStore>,
    /// The model registry, for a Monitor cell that names a registered version.
    pub registry: Option<crate::state::registry::RegistryStore>,
    /// The zone names, for the Train cell's evaluation.
    pub zones: Option<Zones>,
    /// The Train cell training now, and how far it is.
    pub train_progress: RwSignal<Option<(String, Progress)>>,
    /// The Search cell searching now, and how far it is.
    pub search_progress: RwSignal<Option<(String, SearchProgress)>>,
    pub(crate) busy: StoredValue<bool>,
    pub(crate) queue: StoredValue<Vec<RunRequest>>,
    pub(crate) next_stamp: StoredValue<u64>,
}

impl NotebookState {
    pub fn new(
        notebook: Notebook,
        datasets: Datasets,
        run_store: Option<RunStore>,
        zones: Option<Zones>,
    ) -> NotebookState {
        let flow = Dataflow::new(&notebook);
        let autorun = autorun_saved();
        NotebookState {
            doc: RwSignal::new(notebook),
            flow: RwSignal::new(flow),
            outputs: RwSignal::new(HashMap::new()),
            run_counts: RwSignal::new(HashMap::new()),
            message: RwSignal::new(None),
            reactive: RwSignal::new(autorun),
            run_on_open: RwSignal::new(autorun),
            shared: RwSignal::new(None),
            remote_images: RwSignal::new(RemoteImages::Blocked),
            saved_unreadable: RwSignal::new(None),
            datasets,
            run_store,
            // The registry is a context of the page; a notebook without one (a test page)
            // names no registered model.
            registry: use_context::<crate::state::registry::RegistryStore>(),
            zones,
            train_progress: RwSignal::new(None),
            search_progress: RwSignal::new(None),
            busy: StoredValue::new(false),
            queue: StoredValue::new(Vec::new()),
            next_stamp: StoredValue::new(1),
        }
    }

    /// Changes the document (add, remove, move, …) and brings the dataflow along.
    pub fn change(&self, edit: impl FnOnce(&mut Notebook)) {
        self.doc.update(edit);
        let doc = self.doc;
        self.flow
            .update(|flow| doc.with_untracked(|notebook| flow.sync(notebook)));
        self.keep_if_own();
    }

    /// Replaces a cell's settings: it and the cells reading it turn stale.
    pub fn edit_settings(&self, id: &str, settings: CellKind) -> Result<(), String> {
        let mut outcome = Ok(());
        self.doc.update(|notebook| {
            outcome = notebook.edit(id, settings).map_err(|e| e.to_string());
        });
        outcome?;
        let doc = self.doc;
        self.flow.update(|flow| {
            doc.with_untracked(|notebook| flow.sync(notebook));
            // The cell is in the notebook: sync just read it.
            let _ = flow.edit(id);
        });
        self.keep_if_own();
        Ok(())
    }

    /// Puts a whole notebook in place of this one (a file opened), every cell stale; it
    /// becomes the user's notebook.
    pub fn replace(&self, notebook: Notebook) {
        self.shared.set(None);
        self.save(&notebook);
        self.show(notebook);
    }

    /// Shows the notebook a link shared, as a document of its own: the user's saved
    /// notebook is not touched, and nothing runs until the user asks.
    pub fn show_shared(&self, notebook: Notebook, address: &str) {
        self.reactive.set(false);
        self.shared.set(Some(address.to_string()));
        self.show(notebook);
    }

    /// Makes the shared notebook on screen the user's own, saved for the next visit.
    pub fn keep_shared(&self) {
        self.shared.set(None);
        self.save(&self.doc.get_untracked());
    }

    /// Leaves the shared notebook for the user's saved one.
    pub fn back_to_own(&self) {
        self.shared.set(None);
        let (notebook, unreadable) = stored_notebook();
        self.saved_unreadable.set(unreadable);
        self.show(notebook);
    }

    fn show(&self, notebook: Notebook) {
        self.remote_images.set(RemoteImages::Blocked);
        self.flow.set(Dataflow::new(&notebook));
        self.outputs.set(HashMap::new());
        self.doc.set(notebook);
    }

    /// Saves the document after an edit, unless it is a shared one (edits to that stay on
    /// the page until the user keeps it).
    fn keep_if_own(&self) {
        if self.shared.get_untracked().is_none() {
            self.save(&self.doc.get_untracked());
        }
    }

    /// Saves `notebook` for the next visit, unless the saved one could not be read.
    fn save(&self, notebook: &Notebook) {
        if self.saved_unreadable.with_untracked(Option::is_none) {
            store_notebook(notebook);
        }
    }

    /// Reads the saved notebook again (after an unreadable one): shown if it opens now.
    pub fn retry_saved(&self) {
        let (notebook, unreadable) = stored_notebook();
        if unreadable.is_none() {
            self.show(notebook);
        }
        self.saved_unreadable.set(unreadable);
    }

    /// Gives up the saved notebook that could not be read: the one on screen takes its
    /// place.
    pub fn discard_unreadable(&self) {
        self.saved_unreadable.set(None);
        self.keep_if_own();
    }

    /// Another tab saved the notebook: show what it saved (the cells it changed turn
    /// stale; the others keep their results), unless a shared notebook is on screen or
    /// the saved one is this one. Every edit here is saved as it is made, so nothing of
    /// this tab's is lost: both tabs show the last saved notebook.
    pub fn follow_saved(&self, saved: Option<String>) {
        if self.shared.get_untracked().is_some() {
            return;
        }
        if self.saved_unreadable.with_untracked(Option::is_some) {
            self.retry_saved();
            return;
        }
        let Some(Ok(opened)) = saved.map(|text| open(&text)) else {
            return;
        };
        if self.doc.with_untracked(|doc| *doc == opened.notebook) {
            return;
        }
        self.doc.set(opened.notebook);
        let doc = self.doc;
        self.flow
            .update(|flow| doc.with_untracked(|notebook| flow.sync(notebook)));
        self.message.set(Some(Ok(
            "Another tab changed this notebook: it shows here as saved there.".into(),
        )));
    }

    /// The cell's settings as they are now (untracked).
    pub fn kind_of(&self, id: &str) -> Option<CellKind> {
        self.doc
            .with_untracked(|n| n.cell(id).ok().map(|cell| cell.kind.clone()))
    }

    /// The latest output of a cell (untracked).
    pub fn output_of(&self, id: &str) -> Option<Arc<CellOutput>> {
        self.outputs
            .with_untracked(|outputs| outputs.get(id).map(|s| s.output.clone()))
    }
}

/// The notebook kept from the last visit, or the walk-through on a first one. A kept
/// notebook that cannot be read any more gives way to the walk-through, with the reason.
pub fn stored_notebook() -> (Notebook, Option<SavedUnreadable>) {
    let Some(text) = local_setting(STORAGE_KEY) else {
        return (default_notebook(), None);
    };
    match open(&text) {
        Ok(opened) => (opened.notebook, None),
        Err(error) => (
            default_notebook(),
            Some(SavedUnreadable {
                message: format!(
                    "The notebook kept from your last visit could not be read ({error}), so \
                     the walk-through is shown. The saved one is kept as it is: changes here \
                     are not saved over it until you export or discard it."
                ),
                raw: text,
            }),
        ),
    }
}

/// A saved notebook that could not be read (damaged, or written by a newer Flowbook): it
/// stays in storage untouched until the user exports or discards it.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedUnreadable {
    pub message: String,
    pub raw: String,
}

/// Keeps the notebook for the next visit. Storage can be full or switched off: the page
/// works on without it.
fn store_notebook(notebook: &Notebook) {
    set_local_setting(STORAGE_KEY, &save(notebook));
}

fn autorun_saved() -> bool {
    local_setting(AUTORUN_KEY).is_some_and(|v| v == "1")
}

impl NotebookState {
    /// The notebook ran: the first run in this browser turns "Run on open" on; a choice the
    /// user made in the toolbar stays.
    pub fn remember_autorun(&self) {
        if local_setting(AUTORUN_KEY).is_none() {
            self.set_run_on_open(true);
        }
    }

    /// The toolbar's "Run on open": whether the next visit runs the notebook by itself.
    pub fn set_run_on_open(&self, on: bool) {
        set_local_setting(AUTORUN_KEY, if on { "1" } else { "0" });
        self.run_on_open.set(on);
    }
}

/// The settings of one kind, read from the cell (tracked), when the cell has that kind.
pub fn settings<T: Clone + Send + Sync + PartialEq + 'static>(
    state: NotebookState,
    id: String,
    pick: fn(&CellKind) -> Option<&T>,
) -> Memo<Option<T>> {
    Memo::new(move |_| {
        state
            .doc
            .with(|n| n.cell(&id).ok().and_then(|c| pick(&c.kind).cloned()))
    })
}
