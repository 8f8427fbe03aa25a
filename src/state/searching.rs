//! One hyperparameter search, as the notebook's Search cell runs it: the engine's search on
//! the train and validation tables — in the training worker when it can start, else on the
//! page — each trial told as it finishes, then recorded as a parent run with one child run
//! per trial (the best trial's keeping its model, for "Register best").

use std::cell::RefCell;
use std::ops::ControlFlow;
use std::sync::Arc;

use flowbook_core::data::TripTable;
use flowbook_core::saved_model::SavedModel;
use flowbook_core::search::{
    run_trip_search, SearchSettings, SearchSpace, StopReason, TrialReport,
};
use flowbook_core::store::StoredRun;
use flowbook_core::tracking::{run_from_search, run_from_trial, Run, SearchSummary, TrialRecord};

use crate::services::train_worker::{self, OffThreadError};
use crate::state::runs::{
    add_missing_tags, context_tags, training_meta, RunStore, TrainingContext,
};
use crate::state::training::{now_ms, TrainError};

/// What a search produced.
#[derive(Debug, Clone)]
pub struct SearchOutcome {
    pub trials: Vec<TrialReport>,
    pub stop: StopReason,
    pub best: Option<usize>,
    /// The best trial's model.
    pub best_model: Option<Arc<SavedModel>>,
    pub elapsed_ms: f64,
    /// The search's parent run (its trials are recorded as its children).
    pub parent: Run,
    /// The best trial's run, which keeps the model.
    pub best_run: Option<Run>,
    /// Said beside the result when the search ran on the page instead of the worker.
    pub note: Option<String>,
    /// Workers that trained the trials (0: the page did).
    pub workers: usize,
}

/// Runs the search and records it: the outcome at once, the parent and trial runs right
/// after the next paint (`RunStore::record_many_after_paint`). `on_trial` hears each trial
/// as it finishes (a search on the page reports them only at the end: the page cannot paint
/// while it runs).
pub async fn search_and_record(
    train: &Arc<TripTable>,
    validation: &Arc<TripTable>,
    space: &SearchSpace,
    settings: &SearchSettings,
    run_store: Option<RunStore>,
    context: &TrainingContext,
    on_trial: impl Fn(&TrialReport),
) -> Result<SearchOutcome, TrainError> {
    settings.validate().map_err(TrainError::Failed)?;
    let start = now_ms();
    let trials: RefCell<Vec<TrialReport>> = RefCell::default();
    let listener = |trial: &TrialReport| {
        on_trial(trial);
        trials.borrow_mut().push(trial.clone());
    };
    let columns = crate::state::open_file::decoded_numeric_columns();
    let searched =
        train_worker::pool::search(train, validation, &columns, space, settings, &listener).await;
    let workers = train_worker::pool::workers_for(settings);
    let (stop, note, workers) = match searched {
        Ok(stop) => (stop, None, workers),
        // The trials done so far are kept: a stopped search is still a search.
        Err(OffThreadError::Cancelled) => (StopReason::Stopped, None, workers),
        Err(OffThreadError::Failed(message)) => return Err(TrainError::Failed(message)),
        Err(OffThreadError::Unavailable(reason)) => {
            trials.borrow_mut().clear();
            let stop = run_trip_search(train, validation, space, settings, &mut |trial| {
                on_trial(trial);
                trials.borrow_mut().push(trial.clone());
                ControlFlow::Continue(())
            });
            let note =
                format!("Searched on the page, which could not respond meanwhile: {reason}.");
            (stop, Some(note), 0)
        }
    };
    let elapsed_ms = now_ms() - start;
    let trials = trials.take();
    if trials.is_empty() {
        return Err(TrainError::Cancelled);
    }
    let mut outcome = record(
        trials, stop, space, settings, train, validation, elapsed_ms, note, run_store, context,
    );
    outcome.workers = workers;
    Ok(outcome)
}

#[allow(clippy::too_many_arguments)]
fn record(
    trials: Vec<TrialReport>,
    stop: StopReason,
    space: &SearchSpace,
    settings: &SearchSettings,
    train: &TripTable,
    validation: &TripTable,
    elapsed_ms: f64,
    note: Option<String>,
    run_store: Option<RunStore>,
    context: &TrainingContext,
) -> SearchOutcome {
    let losses: Vec<f64> = trials.iter().map(TrialReport::loss).collect();
    let best = losses
        .iter()
        .enumerate()
        .filter(|(_, l)| l.is_finite())
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i);
    // The model of the best trial is the last one the search sent (each new best sends its).
    let best_model = trials
        .iter()
        .rev()
        .find_map(|t| t.best_model_json.as_deref())
        .and_then(|json| SavedModel::from_json(json).ok())
        .map(Arc::new);
    let space_name = space
        .source
        .get("name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("search space")
        .to_string();
    let best_params = best
        .map(|b| trials[b].config.params.clone())
        .unwrap_or_default();
    let name = format!("{} search ×{}", settings.algorithm.name(), trials.len());
    let meta = training_meta(name, train, validation, elapsed_ms);
    let summary = SearchSummary {
        settings,
        space_name: &space_name,
        space_source: &space.source,
        losses: &losses,
        best_trial: best,
        best_params: &best_params,
        stop,
    };
    let mut parent = run_from_search(meta, &summary);
    let tags = context_tags(context);
    add_missing_tags(&mut parent, &tags);
    let best_run = best
        .filter(|_| best_model.is_some())
        .map(|b| trial_run(&parent, b, &trials[b], best, best_model.as_deref(), &tags));
    if let Some(store) = run_store {
        let (parent, trials, model) = (parent.clone(), trials.clone(), best_model.clone());
        let best_run = best_run.clone();
        // The result shows first; the search's runs (a thousand, for a long search) are
        // built and kept right after that paint, so they do not hold the result back.
        store.record_many_after_paint(move || {
            let mut stored = Vec::with_capacity(trials.len() + 1);
            stored.push(StoredRun::new(parent.clone()));
            stored.extend(trials.iter().enumerate().map(|(number, trial)| {
                let run = match &best_run {
                    // Built once: its model is written out as a file.
                    Some(run) if Some(number) == best => run.clone(),
                    _ => trial_run(&parent, number, trial, best, model.as_deref(), &tags),
                };
                StoredRun::new(run)
            }));
            stored
        });
    }
    SearchOutcome {
        trials,
        stop,
        best,
        best_model,
        elapsed_ms,
        parent,
        best_run,
        note,
        workers: 0,
    }
}

/// Trial `number`'s child run of `parent`, with the model when it is the best trial's.
fn trial_run(
    parent: &Run,
    number: usize,
    trial: &TrialReport,
    best: Option<usize>,
    best_model: Option<&SavedModel>,
    tags: &[(String, String)],
) -> Run {
    let error = trial.error.clone().unwrap_or_default();
    let record = TrialRecord {
        number,
        config: &trial.config,
        outcome: trial.metrics.as_ref().ok_or(error.as_str()),
        start_time_ms: parent.start_time_ms,
        end_time_ms: parent.end_time_ms.unwrap_or(parent.start_time_ms),
    };
    let model = best_model.filter(|_| Some(number) == best);
    let mut run = run_from_trial(parent, &record, model);
    add_missing_tags(&mut run, tags);
    run
}
