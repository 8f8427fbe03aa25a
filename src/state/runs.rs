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
    attach_artifacts, detach_record, export_experiment, listed_count, parse_experiment_file,
    read_record, ArtifactRef, Experiment, RegisteredModel, Registry, StoredRun,
};
use flowbook_core::tracking::{
    client_id_from_seed, run_from_training, run_from_trees, DatasetInput, DatasetRole, Run,
    RunMeta, SyncState,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::services::chart_artifacts::evaluation_pngs;
use crate::services::local_settings::local_setting;
use crate::services::paint::after_next_paint;
use crate::services::persist::{load_blobs, load_experiments, load_run, load_runs, save_run};
use crate::services::tabs::announce;

/// localStorage keys of the user's choices that outlive the page.
pub const CURRENT_EXPERIMENT_KEY: &str = "flowbook.experiment";
pub const USER_NAME_KEY: &str = "flowbook.user_name";
/// What the other tabs hear when this one saved a run (with its client id) or the
/// experiment list.
pub const RUNS_NEWS: &str = "runs";
pub const EXPERIMENTS_NEWS: &str = "experiments";

/// The experiment new runs go to: the one chosen above the runs table.
pub fn current_experiment() -> String {
    local_setting(CURRENT_EXPERIMENT_KEY)
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_EXPERIMENT.to_string())
}

/// Where a store (the runs, the experiment list, the registry) stands.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreStatus {
    Loading,
    Ready,
    /// A save failed; the message says what stays only on this page.
    Problem(String),
    /// What is stored could not be read: a storage error, or a record written by a newer
    /// Flowbook or damaged. It is kept as it is: changes that would rewrite it are refused
    /// until it loads, and the page offers its text (`raw`, when there is text to offer)
    /// as a file, and a retry.
    Unreadable {
        message: String,
        raw: Option<String>,
    },
}

impl StoreStatus {
    /// The message to show for a problem, if there is one (each view says "loading" in
    /// its own words).
    pub fn message(&self) -> Option<String> {
        match self {
            StoreStatus::Loading | StoreStatus::Ready => None,
            StoreStatus::Problem(message) | StoreStatus::Unreadable { message, .. } => {
                Some(message.clone())
            }
        }
    }

    /// Why a change to the store must wait, if it must: while it loads, and while what is
    /// stored cannot be read (the change would replace it).
    pub fn refusal(&self, what: &str) -> Result<(), String> {
        match self {
            StoreStatus::Loading => Err(format!(
                "The saved {what} is still loading; try again in a moment."
            )),
            StoreStatus::Unreadable { .. } => Err(format!(
                "The saved {what} could not be read, so nothing is changed in it (that would \
                 replace it): export it or try loading it again first."
            )),
            StoreStatus::Ready | StoreStatus::Problem(_) => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RunStore {
    pub runs: RwSignal<Vec<StoredRun>>,
    pub status: RwSignal<StoreStatus>,
    /// The experiments created by name (their runs are in `runs`, naming them).
    pub experiments: RwSignal<Vec<Experiment>>,
    /// Where the saved experiment list stands (it is one record, apart from the runs).
    pub experiments_status: RwSignal<StoreStatus>,
    /// The experiment the table shows and new runs go to.
    pub current: RwSignal<String>,
    /// Saves started and not yet committed: a page closed before they end loses them.
    pub saving: RwSignal<u32>,
    /// Per client id, the files kept apart from a loaded run (its `artifacts` are empty
    /// until [`RunStore::full_run`] reads them back).
    artifact_refs: StoredValue<std::collections::HashMap<String, Vec<ArtifactRef>>>,
    /// Batches of runs waiting for a paint before they are recorded (a search's trials).
    deferred: StoredValue<u32>,
}

impl RunStore {
    /// The store, with the saved runs loading in the background.
    pub fn open() -> RunStore {
        let store = RunStore {
            runs: RwSignal::new(Vec::new()),
            status: RwSignal::new(StoreStatus::Loading),
            experiments: RwSignal::new(Vec::new()),
            experiments_status: RwSignal::new(StoreStatus::Loading),
            current: RwSignal::new(current_experiment()),
            saving: RwSignal::new(0),
            artifact_refs: StoredValue::new(Default::default()),
            deferred: StoredValue::new(0),
        };
        store.reload_experiments();
        spawn_local(async move {
            match load_runs().await {
                Ok(texts) => {
                    let mut unreadable = Vec::new();
                    let mut refs = std::collections::HashMap::new();
                    let mut loaded: Vec<StoredRun> = texts
                        .into_iter()
                        .filter_map(|text| match read_record(&text) {
                            Ok(read) => Some(read),
                            Err(_) => {
                                unreadable.push(text);
                                None
                            }
                        })
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
                    store.status.set(if unreadable.is_empty() {
                        StoreStatus::Ready
                    } else {
                        // Each run is its own record: the unreadable ones stay stored as they
                        // are, and new runs never overwrite them.
                        StoreStatus::Unreadable {
                            message: format!(
                                "{} saved run(s) could not be read and are not shown (written by \
                                 a newer Flowbook, or damaged). They are kept as they are.",
                                unreadable.len()
                            ),
                            raw: Some(format!("[{}]", unreadable.join(","))),
                        }
                    });
                }
                Err(message) => store
                    .status
                    .set(StoreStatus::Unreadable { message, raw: None }),
            }
        });
        store
    }

    /// Reads the saved experiment list again: on page open, after "Try again", and when
    /// another tab changed it.
    pub fn reload_experiments(&self) {
        let (experiments, status) = (self.experiments, self.experiments_status);
        spawn_local(async move {
            match load_experiments().await {
                Ok(None) => status.set(StoreStatus::Ready),
                Ok(Some(text)) => match serde_json::from_str::<Vec<Experiment>>(&text) {
                    Ok(list) => {
                        experiments.set(list);
                        status.set(StoreStatus::Ready);
                    }
                    Err(e) => status.set(StoreStatus::Unreadable {
                        message: format!(
                            "The saved experiment list could not be read ({e}): it was written by \
                             a newer Flowbook, or is damaged. It is kept as it is; runs are still \
                             shown under the experiments they name, and experiments can be \
                             created or renamed once it loads."
                        ),
                        raw: Some(text),
                    }),
                },
                Err(message) => status.set(StoreStatus::Unreadable { message, raw: None }),
            }
        });
    }

    /// Shows the run another tab saved: added when new, replaced when this tab holds an
    /// older copy.
    pub fn reload_run(&self, client_id: String) {
        let store = *self;
        spawn_local(async move {
            let Ok(Some(text)) = load_run(&client_id).await else {
                return;
            };
            let Ok((stored, kept_apart)) = read_record(&text) else {
                return;
            };
            store
                .artifact_refs
                .update_value(|known| drop(known.insert(client_id.clone(), kept_apart)));
            store.runs.update(|runs| {
                match runs.iter_mut().find(|s| s.run.client_id == client_id) {
                    Some(held) => *held = stored,
                    None => runs.push(stored),
                }
            });
        });
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
    /// id), saving each; returns what happened in words and the file's registry entries,
    /// for the registry to merge.
    pub fn import_file(&self, text: &str) -> Result<(String, Vec<RegisteredModel>), String> {
        let file = parse_experiment_file(text).map_err(|e| e.to_string())?;
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
        let said = format!(
            "Imported {added} run(s) from “{}”; {present} were already here.",
            file.experiment.name
        );
        Ok((said, file.registry))
    }

    /// Keeps several runs on the page at once (a search and its trials) and saves each.
    pub fn record_many(&self, stored: Vec<StoredRun>) {
        let ids: Vec<String> = stored.iter().map(|s| s.run.client_id.clone()).collect();
        self.runs.update(|runs| runs.extend(stored));
        for id in ids {
            self.save(&id);
        }
    }

    /// How many rows the table lists in the current experiment with no filter (a search
    /// counted once, without its trials). Tracked, for a tab's count.
    pub fn listed_count(&self) -> usize {
        let current = self.current.get();
        self.runs.with(|runs| listed_count(runs, &current))
    }

    /// Records the runs `build` makes once the browser has painted what the user is waiting
    /// for (a search's result), so a thousand runs do not hold it back. Until then they count
    /// in `saving`, like a save not yet committed, and [`RunStore::deferred_recorded`] waits
    /// for them.
    pub fn record_many_after_paint(&self, build: impl FnOnce() -> Vec<StoredRun> + 'static) {
        let store = *self;
        store.saving.update(|n| *n += 1);
        store.deferred.update_value(|n| *n += 1);
        spawn_local(async move {
            after_next_paint().await;
            store.record_many(build());
            store.deferred.update_value(|n| *n -= 1);
            store.saving.update(|n| *n = n.saturating_sub(1));
        });
    }

    /// Resolves once every batch given to [`RunStore::record_many_after_paint`] is in `runs`:
    /// the notebook's next cell may read them.
    pub async fn deferred_recorded(&self) {
        while self.deferred.get_value() > 0 {
            after_next_paint().await;
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
        let (status, saving) = (self.status, self.saving);
        saving.update(|n| *n += 1);
        spawn_local(async move {
            match save_run(&client_id, &record.text, &record.blobs).await {
                Ok(()) => announce(RUNS_NEWS, &client_id),
                Err(message) => status.set(StoreStatus::Problem(message)),
            }
            saving.update(|n| *n -= 1);
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

/// Adds `tags` (from [`context_tags`]) to `run`, keeping any tag the run already has.
pub fn add_missing_tags(run: &mut Run, tags: &[(String, String)]) {
    for (key, value) in tags {
        run.tags.entry(key.clone()).or_insert_with(|| value.clone());
    }
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
