//! The runs of this browser: every training is recorded as a run, kept in IndexedDB and
//! loaded again on the next visit. The records and their rules are the engine's
//! (`flowbook_core::tracking`, `flowbook_core::store`).

use flowbook_core::data::TripTable;
use flowbook_core::export::add_model_directory;
use flowbook_core::model::LinearModel;
use flowbook_core::pipeline::{TrainReport, TrainRequest};
use flowbook_core::store::{
    export_experiment, parse_experiment_file, stored_run_from_json, stored_run_to_json, Experiment,
    RegisteredModel, Registry, StoredRun,
};
use flowbook_core::tracking::{
    client_id_from_seed, run_from_training, DatasetInput, DatasetRole, Run, RunMeta, SyncState,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::persist::{load_runs, save_run};

/// The experiment runs are recorded in until experiments can be chosen.
pub const DEFAULT_EXPERIMENT: &str = "Default";

/// Where the stored runs stand.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreStatus {
    Loading,
    Ready,
    /// Storage failed; runs made now live only in this page. The message says so.
    Problem(String),
}

#[derive(Debug, Clone, Copy)]
pub struct RunStore {
    pub runs: RwSignal<Vec<StoredRun>>,
    pub status: RwSignal<StoreStatus>,
}

impl RunStore {
    /// The store, with the saved runs loading in the background.
    pub fn open() -> RunStore {
        let store = RunStore {
            runs: RwSignal::new(Vec::new()),
            status: RwSignal::new(StoreStatus::Loading),
        };
        spawn_local(async move {
            match load_runs().await {
                Ok(texts) => {
                    let mut unreadable = 0;
                    let mut loaded: Vec<StoredRun> = texts
                        .iter()
                        .filter_map(|text| {
                            stored_run_from_json(text).map_err(|_| unreadable += 1).ok()
                        })
                        .collect();
                    loaded.sort_by_key(|stored| stored.run.start_time_ms);
                    // Runs recorded while loading come after the saved ones.
                    store.runs.update(|runs| {
                        loaded.append(runs);
                        *runs = loaded;
                    });
                    store.status.set(if unreadable == 0 {
                        StoreStatus::Ready
                    } else {
                        StoreStatus::Problem(format!(
                            "{unreadable} saved run(s) could not be read and are not shown \
                             (written by a newer Flowbook, or damaged)."
                        ))
                    });
                }
                Err(message) => store.status.set(StoreStatus::Problem(message)),
            }
        });
        store
    }

    /// Sets a run's sync state (pending, synced with its server link, failed with the
    /// reason) and saves it, so the state survives a reload.
    pub fn set_sync(&self, client_id: &str, sync: SyncState) {
        let mut text = None;
        self.runs.update(|runs| {
            if let Some(stored) = runs.iter_mut().find(|s| s.run.client_id == client_id) {
                stored.run.sync = sync;
                text = Some(stored_run_to_json(stored));
            }
        });
        let (Some(text), status, client_id) = (text, self.status, client_id.to_string()) else {
            return;
        };
        spawn_local(async move {
            if let Err(message) = save_run(&client_id, &text).await {
                status.set(StoreStatus::Problem(message));
            }
        });
    }

    /// The experiment with all its runs as one file (Flowbook's experiment format), for
    /// moving to another browser or handing in.
    /// The registry entries whose versions come from these runs go along.
    pub fn export_file(&self, registry: &Registry) -> String {
        let runs = self.runs.get_untracked();
        let created = runs.iter().map(|s| s.run.start_time_ms).min().unwrap_or(0);
        let mut experiment = Experiment::new("default", DEFAULT_EXPERIMENT, created);
        experiment.runs = runs;
        export_experiment(&experiment, registry, now_epoch_ms())
    }

    /// Adds the runs of an experiment file that this browser does not have yet (by client
    /// id), saving each, and hands its registry entries to `merge_registry`; returns what
    /// happened in words.
    pub fn import_file(
        &self,
        text: &str,
        merge_registry: impl FnOnce(Vec<RegisteredModel>) -> usize,
    ) -> Result<String, String> {
        let file = parse_experiment_file(text).map_err(|e| e.to_string())?;
        let versions = merge_registry(file.registry);
        let known: std::collections::HashSet<String> = self
            .runs
            .with_untracked(|runs| runs.iter().map(|s| s.run.client_id.clone()).collect());
        let (mut added, mut present) = (0, 0);
        for stored in file.experiment.runs {
            if known.contains(&stored.run.client_id) {
                present += 1;
            } else {
                self.record(stored);
                added += 1;
            }
        }
        Ok(format!(
            "Imported {added} run(s) from “{}”; {present} were already here. {versions} model version(s) added to the registry.",
            file.experiment.name
        ))
    }

    /// Keeps a run on the page and saves it.
    pub fn record(&self, stored: StoredRun) {
        let client_id = stored.run.client_id.clone();
        let text = stored_run_to_json(&stored);
        self.runs.update(|runs| runs.push(stored));
        let status = self.status;
        spawn_local(async move {
            if let Err(message) = save_run(&client_id, &text).await {
                status.set(StoreStatus::Problem(message));
            }
        });
    }
}

fn now_epoch_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A fresh client id: the browser's clock and randomness, hashed.
fn new_client_id() -> String {
    let seed = format!("{}:{}", js_sys::Date::now(), js_sys::Math::random());
    client_id_from_seed(seed.as_bytes())
}

fn input(table: &TripTable, role: DatasetRole) -> DatasetInput {
    DatasetInput::from_table(table, &table.file_name, role)
}

/// The run record of one training in the Train cell, started `elapsed_ms` ago.
pub fn training_run(
    request: &TrainRequest,
    report: &TrainReport,
    train: &TripTable,
    validation: &TripTable,
    elapsed_ms: f64,
) -> StoredRun {
    let end_time_ms = now_epoch_ms();
    let name = match report.kind.alpha() {
        Some(alpha) => format!("{} α={alpha}", report.kind.short_name()),
        None => report.kind.short_name().to_string(),
    };
    let meta = RunMeta {
        client_id: new_client_id(),
        name,
        experiment: DEFAULT_EXPERIMENT.to_string(),
        start_time_ms: end_time_ms - elapsed_ms.round() as i64,
        end_time_ms,
        description: String::new(),
        inputs: vec![
            input(train, DatasetRole::Train),
            input(validation, DatasetRole::Validation),
        ],
    };
    StoredRun::new(run_from_training(
        request,
        std::slice::from_ref(report),
        meta,
    ))
}

/// The run as it is pushed: with the MLflow Model directory made from its stored model.
/// The directory is built at push time, not stored, to keep the browser's store small.
pub fn with_model_directory(mut run: Run) -> Run {
    let model = run
        .artifacts
        .iter()
        .find(|a| a.path == "flowbook_model.json")
        .and_then(|a| std::str::from_utf8(&a.bytes).ok())
        .and_then(|text| LinearModel::from_json(text).ok());
    if let Some(model) = model {
        // Without the directory the run is still pushed; its Flowbook model stays loadable.
        let _ = add_model_directory(&mut run, &model);
    }
    run
}
