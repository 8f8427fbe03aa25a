//! The runs of this browser: every training is recorded as a run, kept in IndexedDB and
//! loaded again on the next visit. The records and their rules are the engine's
//! (`flowbook_core::tracking`, `flowbook_core::store`).

use flowbook_core::data::TripTable;
use flowbook_core::evaluate::Evaluation;
use flowbook_core::export::add_model_directory;
use flowbook_core::pipeline::{TrainReport, TrainRequest, TreeReport};
use flowbook_core::saved_model::{SavedModel, MODEL_ARTIFACT};
pub use flowbook_core::store::DEFAULT_EXPERIMENT;
use flowbook_core::store::{
    attach_artifacts, detach_record, export_experiment, parse_experiment_file, read_record,
    ArtifactRef, Experiment, RegisteredModel, Registry, StoredRun,
};
use flowbook_core::tracking::{
    client_id_from_seed, run_from_training, run_from_trees, DatasetInput, DatasetRole, Run,
    RunMeta, SyncState,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::services::chart_artifacts::evaluation_pngs;
use crate::services::local_settings::local_setting;
use crate::services::persist::{load_blobs, load_experiments, load_runs, save_run};

/// localStorage keys of the user's choices that outlive the page.
pub const CURRENT_EXPERIMENT_KEY: &str = "flowbook.experiment";
pub const USER_NAME_KEY: &str = "flowbook.user_name";

/// The experiment new runs go to: the one chosen above the runs table.
pub fn current_experiment() -> String {
    local_setting(CURRENT_EXPERIMENT_KEY)
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_EXPERIMENT.to_string())
}

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
    /// The experiments created by name (their runs are in `runs`, naming them).
    pub experiments: RwSignal<Vec<Experiment>>,
    /// The experiment the table shows and new runs go to.
    pub current: RwSignal<String>,
    /// Per client id, the files kept apart from a loaded run (its `artifacts` are empty
    /// until [`RunStore::full_run`] reads them back).
    artifact_refs: StoredValue<std::collections::HashMap<String, Vec<ArtifactRef>>>,
}

impl RunStore {
    /// The store, with the saved runs loading in the background.
    pub fn open() -> RunStore {
        let store = RunStore {
            runs: RwSignal::new(Vec::new()),
            status: RwSignal::new(StoreStatus::Loading),
            experiments: RwSignal::new(Vec::new()),
            current: RwSignal::new(current_experiment()),
            artifact_refs: StoredValue::new(Default::default()),
        };
        spawn_local(async move {
            match load_experiments().await {
                Ok(Some(text)) => match serde_json::from_str::<Vec<Experiment>>(&text) {
                    Ok(list) => store.experiments.set(list),
                    Err(_) => store.status.set(StoreStatus::Problem(
                        "The saved experiment list could not be read; runs are still shown \
                         under the experiments they name."
                            .into(),
                    )),
                },
                Ok(None) => {}
                Err(message) => store.status.set(StoreStatus::Problem(message)),
            }
            match load_runs().await {
                Ok(texts) => {
                    let mut unreadable = 0;
                    let mut refs = std::collections::HashMap::new();
                    let mut loaded: Vec<StoredRun> = texts
                        .iter()
                        .filter_map(|text| read_record(text).map_err(|_| unreadable += 1).ok())
                        .map(|(stored, kept_apart)| {
                            if !kept_apart.is_empty() {
                                refs.insert(stored.run.client_id.clone(), kept_apart);
                            }
                            stored
                        })
                        .collect();
                    store.artifact_refs.update_value(|known| known.extend(refs));
                    loaded.sort_by_key(|stored| stored.run.start_time_ms);
                    // Runs recorded while loading come after the saved ones.
                    store.runs.update(|runs| {
                        loaded.append(runs);
                        *runs = loaded;
                    });
                    if unreadable > 0 {
                        store.status.set(StoreStatus::Problem(format!(
                            "{unreadable} saved run(s) could not be read and are not shown \
                             (written by a newer Flowbook, or damaged)."
                        )));
                    } else if store.status.get_untracked() == StoreStatus::Loading {
                        // A problem with the experiment list stays shown.
                        store.status.set(StoreStatus::Ready);
                    }
                }
                Err(message) => store.status.set(StoreStatus::Problem(message)),
            }
        });
        store
    }

    /// Sets a run's sync state (pending, synced with its server link, failed with the
    /// reason) and saves it, so the state survives a reload.
    pub fn set_sync(&self, client_id: &str, sync: SyncState) {
        self.runs.update(|runs| {
            if let Some(stored) = runs.iter_mut().find(|s| s.run.client_id == client_id) {
                stored.run.sync = sync;
            }
        });
        self.save(client_id);
    }

    /// The run with all its files, read back from storage when the page holds only
    /// their names (runs loaded on page open): for pushing, exporting and predicting.
    pub async fn full_run(&self, client_id: &str) -> Result<Run, String> {
        let mut runs = self.full_runs(&[client_id.to_string()]).await?;
        runs.pop()
            .ok_or_else(|| format!("no run with id {client_id} in this browser"))
    }

    /// `full_run` of each of `client_ids`, in that order, with their files read from
    /// storage in one go.
    pub async fn full_runs(&self, client_ids: &[String]) -> Result<Vec<Run>, String> {
        let mut runs = Vec::with_capacity(client_ids.len());
        for client_id in client_ids {
            let stored = self
                .runs
                .with_untracked(|runs| runs.iter().find(|s| &s.run.client_id == client_id).cloned())
                .ok_or_else(|| format!("no run with id {client_id} in this browser"))?;
            let refs = self
                .artifact_refs
                .with_value(|known| known.get(client_id).cloned())
                .unwrap_or_default();
            runs.push((stored.run, refs));
        }
        // Only files the page does not hold already are read back.
        let missing: Vec<String> = runs
            .iter()
            .flat_map(|(run, refs)| {
                refs.iter()
                    .filter(|r| !run.artifacts.iter().any(|a| a.path == r.path))
                    .map(|r| r.sha256.clone())
            })
            .collect();
        if missing.is_empty() {
            return Ok(runs.into_iter().map(|(run, _)| run).collect());
        }
        let blobs = load_blobs(&missing).await?;
        runs.into_iter()
            .map(|(mut run, refs)| {
                attach_artifacts(&mut run, &refs, &blobs)?;
                Ok(run)
            })
            .collect()
    }

    /// The experiment with all its runs as one file (Flowbook's experiment format), for
    /// moving to another browser or handing in.
    /// The registry entries whose versions come from these runs go along.
    pub async fn export_file(&self, registry: &Registry) -> Result<String, String> {
        let mut runs = self.runs.get_untracked();
        let ids: Vec<String> = runs.iter().map(|s| s.run.client_id.clone()).collect();
        for (stored, run) in runs.iter_mut().zip(self.full_runs(&ids).await?) {
            stored.run = run;
        }
        let created = runs.iter().map(|s| s.run.start_time_ms).min().unwrap_or(0);
        let mut experiment = Experiment::new("default", DEFAULT_EXPERIMENT, created);
        experiment.runs = runs;
        Ok(export_experiment(&experiment, registry, now_epoch_ms()))
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

    /// Keeps several runs on the page at once (a search and its trials) and saves each.
    pub fn record_many(&self, stored: Vec<StoredRun>) {
        let ids: Vec<String> = stored.iter().map(|s| s.run.client_id.clone()).collect();
        self.runs.update(|runs| runs.extend(stored));
        for id in ids {
            self.save(&id);
        }
    }

    /// Keeps a run on the page and saves it.
    pub fn record(&self, stored: StoredRun) {
        let client_id = stored.run.client_id.clone();
        self.runs.update(|runs| runs.push(stored));
        self.save(&client_id);
    }

    /// Saves the run `client_id` as it is on the page now: its record, and its files
    /// apart, once per distinct content.
    pub fn save(&self, client_id: &str) {
        let stored = self
            .runs
            .with_untracked(|runs| runs.iter().find(|s| s.run.client_id == client_id).cloned());
        let Some(stored) = stored else {
            return;
        };
        let earlier = self
            .artifact_refs
            .with_value(|known| known.get(client_id).cloned())
            .unwrap_or_default();
        let record = detach_record(&stored, &earlier);
        let client_id = client_id.to_string();
        self.artifact_refs
            .update_value(|known| drop(known.insert(client_id.clone(), record.refs.clone())));
        let status = self.status;
        spawn_local(async move {
            if let Err(message) = save_run(&client_id, &record.text, &record.blobs).await {
                status.set(StoreStatus::Problem(message));
            }
        });
    }
}

fn now_epoch_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A fresh client id: the browser's clock and randomness, hashed.
pub fn new_client_id() -> String {
    let seed = format!("{}:{}", js_sys::Date::now(), js_sys::Math::random());
    client_id_from_seed(seed.as_bytes())
}

fn input(table: &TripTable, role: DatasetRole) -> DatasetInput {
    DatasetInput::from_table(table, &table.file_name, role)
}

/// Where a training ran, recorded as the run's `flowbook.*` tags.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingContext {
    /// The notebook's title.
    pub notebook: String,
    /// The cell (panel) that trained, e.g. "train".
    pub cell: String,
    /// The zone names, to label the evaluation's coefficients. Taken from the page's
    /// context where the training is set up: the training itself runs in a task that has
    /// no context to look it up in.
    pub zones: Option<crate::state::zones::Zones>,
}

/// A training's run metadata: a fresh id, the current experiment, the clock (ending now,
/// `elapsed_ms` long), and the train and validation files it read.
pub fn training_meta(
    name: String,
    train: &TripTable,
    validation: &TripTable,
    elapsed_ms: f64,
) -> RunMeta {
    let end_time_ms = now_epoch_ms();
    RunMeta {
        client_id: new_client_id(),
        name,
        experiment: current_experiment(),
        start_time_ms: end_time_ms - elapsed_ms.round() as i64,
        end_time_ms,
        description: String::new(),
        inputs: vec![
            input(train, DatasetRole::Train),
            input(validation, DatasetRole::Validation),
        ],
    }
}

/// Where a training was made, as run tags: the app version, notebook and cell, and the
/// user when they gave a name.
pub fn context_tags(context: &TrainingContext) -> Vec<(String, String)> {
    let mut tags = vec![
        (
            "flowbook.app_version".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("flowbook.notebook".to_string(), context.notebook.clone()),
        ("flowbook.cell".to_string(), context.cell.clone()),
    ];
    if let Some(user) = local_setting(USER_NAME_KEY).filter(|name| !name.trim().is_empty()) {
        tags.push((
            flowbook_core::tracking::USER_TAG.to_string(),
            user.trim().to_string(),
        ));
    }
    tags
}

/// The run record of one training made in `context` (a single model, linear or trees),
/// with its evaluation's charts as files (or, when there is no evaluation, the reason as
/// the `flowbook.charts_error` tag).
pub fn training_run_in(
    context: &TrainingContext,
    request: &TrainRequest,
    trained: &TrainedRun,
    train: &TripTable,
    validation: &TripTable,
    elapsed_ms: f64,
    evaluation: Result<&Evaluation, &str>,
) -> StoredRun {
    let mut run = match trained {
        TrainedRun::Linear(report) => {
            let name = match report.kind.alpha() {
                Some(alpha) => format!("{} α={alpha}", report.kind.short_name()),
                None => report.kind.short_name().to_string(),
            };
            let meta = training_meta(name, train, validation, elapsed_ms);
            run_from_training(request, std::slice::from_ref(*report), meta)
        }
        TrainedRun::Trees(report) => {
            let p = &report.model.params;
            let name = format!(
                "gbdt depth {} η={} ×{}",
                p.max_depth, p.learning_rate, report.rounds_trained
            );
            run_from_trees(report, training_meta(name, train, validation, elapsed_ms))
        }
    };
    run.tags.extend(context_tags(context));
    // The charts are a bonus: a run without them is still a complete run.
    match evaluation.map_err(str::to_string).and_then(evaluation_pngs) {
        Ok(files) => {
            for (path, bytes) in files {
                run.add_artifact(&path, bytes);
            }
        }
        Err(message) => {
            run.tags.insert("flowbook.charts_error".into(), message);
        }
    }
    StoredRun::new(run)
}

/// The one model a single training's run records.
pub enum TrainedRun<'a> {
    Linear(&'a TrainReport),
    Trees(&'a TreeReport),
}

/// The run as it is pushed: with the MLflow Model directory made from its stored model.
/// The directory is built at push time, not stored, to keep the browser's store small.
pub fn with_model_directory(mut run: Run) -> Run {
    let model = run
        .artifacts
        .iter()
        .find(|a| a.path == MODEL_ARTIFACT)
        .and_then(|a| std::str::from_utf8(&a.bytes).ok())
        .and_then(|text| SavedModel::from_json(text).ok());
    if let Some(model) = model {
        // Without the directory the run is still pushed; its Flowbook model stays loadable.
        let _ = add_model_directory(&mut run, &model);
    }
    run
}
