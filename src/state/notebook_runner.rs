//! Running cells: one runner per page works through the requests in order, each cell in
//! its turn, and lets the browser paint between cells so that states show as they change.
//! What a cell computes is the engine's; this file only hands it its inputs.

use std::sync::Arc;

use flowbook_core::evaluate::{rmse_per_run, sweep_curve};
use flowbook_core::notebook::{CellKind, CellState, PrepareSettings};
use flowbook_core::predict::{predict_trip, TripQuery};
use flowbook_core::store::{select, SortSpec};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::state::datasets::{describe, Role, RoleHolder};
use crate::state::notebook::{CellOutput, NotebookState, RunRequest, SearchProgress, Stamped};
use crate::state::runs::TrainingContext;
use crate::state::searching::search_and_record;
use crate::state::training::{now_ms, train_and_record, TrainError, TrainPlan};

/// How often a search's progress is shown while its trials come back.
const SEARCH_PROGRESS_EVERY_MS: f64 = 100.0;

/// Lets the browser paint before the next cell (a training holds the page while it runs).
async fn let_browser_paint() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let scheduled = web_sys::window().is_some_and(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 16)
                .is_ok()
        });
        if !scheduled {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Asks the runner to run; requests made while it works are taken in turn.
pub fn request_run(state: NotebookState, request: RunRequest) {
    state.queue.update_value(|queue| {
        if !queue.contains(&request) {
            queue.push(request);
        }
    });
    if state.busy.get_value() {
        return;
    }
    state.busy.set_value(true);
    spawn_local(async move {
        loop {
            let next = state
                .queue
                .try_update_value(|queue| (!queue.is_empty()).then(|| queue.remove(0)));
            let Some(Some(request)) = next else {
                break;
            };
            // Shows the stale cells before the first one runs, and lets quick edits coalesce.
            let_browser_paint().await;
            if request == RunRequest::All {
                let doc = state.doc;
                state.flow.update(|flow| {
                    *flow = doc.with_untracked(flowbook_core::notebook::Dataflow::new)
                });
            }
            let order = state.flow.with_untracked(|flow| flow.run_all());
            for id in order {
                // A search's runs are kept after its result paints; a later cell may read them.
                if let Some(store) = state.run_store {
                    store.deferred_recorded().await;
                }
                // An earlier cell may have failed since the plan was made: its readers wait.
                let runnable = state.flow.with_untracked(|flow| {
                    flow.state(&id)
                        .is_some_and(|s| matches!(s, CellState::Stale | CellState::Error(_)))
                });
                if !runnable {
                    continue;
                }
                state.flow.update(|flow| {
                    let _ = flow.record_running(&id);
                });
                let_browser_paint().await;
                // The cell may have been deleted while the browser painted.
                if state.kind_of(&id).is_none() {
                    continue;
                }
                let result = run_cell(state, &id).await;
                let stamp = state.next_stamp.get_value();
                state.next_stamp.set_value(stamp + 1);
                match result {
                    // The earlier output stays; the cell says it was cancelled, and the run
                    // stops there (a queued request would train the cell again).
                    Err(CellError::Cancelled) => {
                        state.flow.update(|flow| {
                            let _ = flow.record_error(&id, &TrainError::Cancelled.to_string());
                        });
                        state.queue.update_value(Vec::clear);
                        break;
                    }
                    Ok(output) => {
                        state.outputs.update(|outputs| {
                            outputs.insert(
                                id.clone(),
                                Stamped {
                                    stamp,
                                    output: Arc::new(output),
                                },
                            );
                        });
                        state.flow.update(|flow| {
                            let _ = flow.record_success(&id);
                        });
                    }
                    Err(CellError::Failed(message)) => {
                        state.outputs.update(|outputs| {
                            outputs.remove(&id);
                        });
                        state.flow.update(|flow| {
                            let _ = flow.record_error(&id, &message);
                        });
                    }
                }
                state
                    .run_counts
                    .update(|counts| *counts.entry(id.clone()).or_insert(0) += 1);
            }
        }
        state.busy.set_value(false);
    });
}

/// After a change to the notebook's structure, brings stale cells up to date once the
/// user has started running the notebook.
pub fn rerun_if_reactive(state: NotebookState) {
    if state.reactive.get_untracked() {
        request_run(state, RunRequest::Stale);
    }
}

/// The output of the cell `input` (the nearest one of a kind above), if it ran.
fn input_output(state: NotebookState, id: &str, kind: &str) -> Result<Arc<CellOutput>, String> {
    let inputs = state
        .flow
        .with_untracked(|flow| flow.inputs(id).map(<[String]>::to_vec))
        .unwrap_or_default();
    inputs
        .iter()
        .filter(|input| state.kind_of(input).is_some_and(|k| k.name() == kind))
        .find_map(|input| state.output_of(input))
        .ok_or_else(|| format!("the {kind} cell above has no result yet; run it first"))
}

fn train_outcome(
    state: NotebookState,
    id: &str,
) -> Result<Arc<crate::state::training::TrainOutcome>, String> {
    match &*input_output(state, id, "train")? {
        CellOutput::Train(outcome) => Ok(outcome.clone()),
        _ => Err("the Train cell above has no model yet; run it first".to_string()),
    }
}

fn check_prepare(settings: &PrepareSettings) -> Result<(), String> {
    let spec = &settings.prepare;
    if !(spec.min_duration_min.is_finite() && spec.max_duration_min.is_finite()) {
        return Err("the duration range needs two numbers".to_string());
    }
    if spec.min_duration_min > spec.max_duration_min {
        return Err(format!(
            "the shortest duration ({} min) is above the longest ({} min)",
            spec.min_duration_min, spec.max_duration_min
        ));
    }
    if settings.features.categorical.is_empty() && settings.features.numerical.is_empty() {
        return Err("choose at least one feature".to_string());
    }
    Ok(())
}

/// Where a training or search is made: this notebook, this cell.
fn training_context(state: NotebookState, id: &str) -> TrainingContext {
    TrainingContext {
        notebook: state.doc.with_untracked(|d| d.title.clone()),
        cell: id.to_string(),
        zones: state.zones,
    }
}

/// Why a cell has no new output.
enum CellError {
    /// A training the user cancelled: the cell keeps its earlier output.
    Cancelled,
    Failed(String),
}

impl From<String> for CellError {
    fn from(message: String) -> Self {
        CellError::Failed(message)
    }
}

impl From<&str> for CellError {
    fn from(message: &str) -> Self {
        CellError::Failed(message.to_string())
    }
}

/// Runs one cell on its inputs' outputs.
async fn run_cell(state: NotebookState, id: &str) -> Result<CellOutput, CellError> {
    let Some(kind) = state.kind_of(id) else {
        return Err(format!("there is no cell {id:?}").into());
    };
    match kind {
        CellKind::Markdown { .. } => Ok(CellOutput::Markdown),
        CellKind::Data(_) => {
            let datasets = state.datasets;
            let (train, validation) = untrack(|| {
                (
                    datasets.holder(Role::Train),
                    datasets.holder(Role::Validation),
                )
            });
            match (train, validation) {
                (RoleHolder::Ready(train), RoleHolder::Ready(validation)) => {
                    Ok(CellOutput::Data { train, validation })
                }
                (train, validation) => Err(format!(
                    "{} · {}",
                    describe(Role::Train, &train),
                    describe(Role::Validation, &validation)
                )
                .into()),
            }
        }
        CellKind::Prepare(settings) => {
            check_prepare(&settings)?;
            input_output(state, id, "data")?;
            Ok(CellOutput::Prepare(settings))
        }
        CellKind::Train(settings) => {
            let data = input_output(state, id, "data")?;
            let prepare = input_output(state, id, "prepare")?;
            let (CellOutput::Data { train, validation }, CellOutput::Prepare(prepare)) =
                (&*data, &*prepare)
            else {
                return Err("the Data and Prepare cells above have no result yet".into());
            };
            let plan = TrainPlan {
                request: settings.request(prepare)?,
                sweep_alphas: settings.sweep_alphas.clone(),
                trees: settings.tree_params(),
            };
            let cell = id.to_string();
            let progress = state.train_progress;
            let context = training_context(state, id);
            let outcome = train_and_record(
                train,
                validation,
                &plan,
                state.run_store,
                &context,
                move |step| progress.set(Some((cell.clone(), step))),
            )
            .await;
            progress.set(None);
            match outcome {
                Ok(outcome) => Ok(CellOutput::Train(Arc::new(outcome))),
                Err(TrainError::Cancelled) => Err(CellError::Cancelled),
                Err(TrainError::Failed(message)) => Err(CellError::Failed(message)),
            }
        }
        CellKind::Evaluate(_) => Ok(CellOutput::Evaluate(train_outcome(state, id)?)),
        CellKind::Compare(settings) => {
            let store = state
                .run_store
                .ok_or("there is no run store on this page")?;
            let runs = store.runs.get_untracked();
            let sort = match settings.sort.trim() {
                "" => None,
                text => Some(SortSpec::parse(text).map_err(|e| format!("sort: {e}"))?),
            };
            let rows = select(&runs, &settings.filter, sort.as_ref(), false)
                .map_err(|e| format!("filter: {e}"))?;
            let chosen: Vec<_> = rows
                .iter()
                .filter_map(|&i| runs.get(i).map(|stored| stored.run.clone()))
                .collect();
            // The sweep of the latest Train cell above, when it ran one.
            let sweep = train_outcome(state, id)
                .map(|outcome| sweep_curve(&outcome.run))
                .unwrap_or_default();
            Ok(CellOutput::Compare {
                runs: rmse_per_run(&chosen),
                sweep,
            })
        }
        CellKind::Predict(settings) => {
            let outcome = train_outcome(state, id)?;
            let trip = TripQuery {
                pickup_location: settings.pickup_zone,
                dropoff_location: settings.dropoff_zone,
                pickup_time_us: None,
                numeric: [("trip_distance".to_string(), settings.trip_distance)]
                    .into_iter()
                    .collect(),
            };
            let minutes = predict_trip(&*outcome.model, &trip).map_err(|e| e.to_string())?;
            Ok(CellOutput::Predict { minutes })
        }
        CellKind::Search(settings) => {
            let (space, search) = settings.plan()?;
            let data = input_output(state, id, "data")?;
            let CellOutput::Data { train, validation } = &*data else {
                return Err("the Data cell above has no result yet".into());
            };
            let cell = id.to_string();
            let progress = state.search_progress;
            let context = training_context(state, id);
            progress.set(Some((
                cell.clone(),
                SearchProgress {
                    done: 0,
                    planned: search.max_evals,
                    best: None,
                },
            )));
            let shown_at = std::cell::Cell::new(f64::NEG_INFINITY);
            let outcome = search_and_record(
                train,
                validation,
                &space,
                &search,
                state.run_store,
                &context,
                move |trial| {
                    // A thousand trials a second would repaint the page a thousand times
                    // a second, on the cores the workers train on: the progress shows
                    // ten times a second instead, and the last trial always.
                    let now = now_ms();
                    let last = trial.number + 1 >= trial.planned;
                    if now - shown_at.get() < SEARCH_PROGRESS_EVERY_MS && !last {
                        return;
                    }
                    shown_at.set(now);
                    let next = SearchProgress {
                        done: trial.number + 1,
                        planned: trial.planned,
                        best: trial.best_so_far,
                    };
                    progress.set(Some((cell.clone(), next)));
                },
            )
            .await;
            progress.set(None);
            match outcome {
                Ok(outcome) => Ok(CellOutput::Search(Arc::new(outcome))),
                Err(TrainError::Cancelled) => Err(CellError::Cancelled),
                Err(TrainError::Failed(message)) => Err(CellError::Failed(message)),
            }
        }
        CellKind::Monitor(settings) => {
            let (model, reference, label) = if settings.model.is_empty() {
                let outcome = train_outcome(state, id)?;
                let data = input_output(state, id, "data")?;
                let CellOutput::Data { train, .. } = &*data else {
                    return Err("the Data cell above has no result yet".into());
                };
                let label = format!(
                    "{} of cell {id}, trained on {}",
                    outcome.model.family_name(),
                    train.file_name
                );
                (outcome.model.clone(), train.clone(), label)
            } else {
                crate::state::monitoring::named_model(
                    state.registry,
                    state.run_store,
                    state.datasets,
                    &settings.model,
                )
                .await?
            };
            let context = training_context(state, id);
            let checked = crate::state::monitoring::monitor_and_record(
                &model,
                &reference,
                label,
                &settings,
                state.datasets,
                state.run_store,
                &context,
            )
            .await?;
            Ok(CellOutput::Monitor(Arc::new(checked)))
        }
        CellKind::Unknown { kind, .. } => {
            Err(format!("a {kind:?} cell needs a newer Flowbook; it is kept as it is").into())
        }
    }
}

/// Writes a cell's new settings; a problem shows in `problem`.
pub fn commit(
    state: NotebookState,
    id: &str,
    settings: CellKind,
    problem: RwSignal<Option<String>>,
) {
    // A field left without a change (its `change` fires on blur all the same) runs nothing.
    if state.kind_of(id).as_ref() == Some(&settings) {
        problem.set(None);
        return;
    }
    match state.edit_settings(id, settings) {
        Ok(()) => {
            problem.set(None);
            state.reactive.set(true);
            state.remember_autorun();
            request_run(state, RunRequest::Stale);
        }
        Err(message) => problem.set(Some(message)),
    }
}
