//! A search's trials on several workers at once (up to the browser's cores and the
//! search's batch). The page runs the engine's search loop: it asks for a batch of
//! suggestions, shares the batch's trials among the free workers, and records the batch
//! once every trial is back, in trial order. Suggestions come only from earlier batches,
//! so the trials are the same on one worker or eight, and the same as `flowbook search`.
//!
//! The workers stay after a search, keeping the decoded tables and the prepared data of
//! each feature set, so the next search on the same files starts at once.

use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use flowbook_core::data::TripTable;
use flowbook_core::search::{
    SearchLoop, SearchSettings, SearchSpace, StopReason, Suggester, TrialReport,
};
use flowbook_core::train_protocol::{
    protocol_mismatch, TrialTask, TrialsJob, WorkerReply, PROTOCOL_VERSION,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, MessageEvent, Worker};

use super::{
    error_message, field, job_message, unused_request, waiter, FileRef, JobSpec, OffThreadError,
    FIELD_JSON, READY_TIMEOUT_MS, WORKER_URL,
};

/// Most workers one search starts.
const MAX_WORKERS: usize = 8;

thread_local! {
    static POOL: RefCell<Pool> = RefCell::default();
}

struct PoolWorker {
    worker: Worker,
    ready: bool,
    /// Digests of the tables it holds.
    held: HashSet<String>,
    /// The message it is working on and its trials' places in the batch.
    busy: Option<(u64, Vec<usize>)>,
}

#[derive(Default)]
struct Pool {
    workers: Vec<PoolWorker>,
    /// Counts pools started, so that a late timer or message of an ended one is ignored.
    generation: u64,
    next_id: u64,
    batch: Option<Batch>,
    /// Why workers cannot start in this browser, once known.
    unavailable: Option<String>,
}

/// A batch's reports in order, or why it did not come back.
type BatchOutcome = Result<Vec<TrialReport>, OffThreadError>;

/// The batch being trained.
struct Batch {
    train: FileRef,
    validation: FileRef,
    numeric_columns: Vec<String>,
    best_before: Option<f64>,
    waiting: VecDeque<(usize, TrialTask)>,
    reports: Vec<Option<TrialReport>>,
    outcome: Rc<RefCell<Option<BatchOutcome>>>,
    wake: js_sys::Function,
}

/// Whether a search is under way on the workers.
pub fn is_busy() -> bool {
    POOL.with(|pool| pool.borrow().batch.is_some())
}

/// Ends the workers and the batch under way (Stop).
pub fn cancel() {
    end_pool(Err(OffThreadError::Cancelled));
}

/// Ends every worker; the batch under way, if any, ends with `outcome`.
fn end_pool(outcome: BatchOutcome) {
    let batch = POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        for member in pool.workers.drain(..) {
            member.worker.terminate();
        }
        pool.generation += 1;
        pool.batch.take()
    });
    if let Some(batch) = batch {
        finish(batch, outcome);
    }
}

fn finish(batch: Batch, outcome: BatchOutcome) {
    *batch.outcome.borrow_mut() = Some(outcome);
    let _ = batch.wake.call0(&JsValue::NULL);
}

/// The workers a search starts: one per core, no more than its batch's trials.
pub fn workers_for(settings: &SearchSettings) -> usize {
    let cores = web_sys::window()
        .map(|w| w.navigator().hardware_concurrency() as usize)
        .unwrap_or(1);
    cores.min(settings.batch).clamp(1, MAX_WORKERS)
}

/// Runs a whole search on [`workers_for`] workers; `on_trial` hears each trial, in order, as its
/// batch comes back. On Stop, the trials told so far stand and the error is `Cancelled`.
pub async fn search(
    train: &Arc<TripTable>,
    validation: &Arc<TripTable>,
    numeric_columns: &[String],
    space: &SearchSpace,
    settings: &SearchSettings,
    on_trial: &dyn Fn(&TrialReport),
) -> Result<StopReason, OffThreadError> {
    if let Some(reason) =
        super::unavailable_reason().or_else(|| POOL.with(|pool| pool.borrow().unavailable.clone()))
    {
        return Err(OffThreadError::Unavailable(reason));
    }
    if is_busy() || super::is_busy() {
        return Err(OffThreadError::Failed(
            "another training is running; wait for it or cancel it".to_string(),
        ));
    }
    start_workers(workers_for(settings))?;
    let suggester = Suggester::new(space.domain(), *settings);
    let mut search = SearchLoop::new(&suggester, settings);
    let planned = search.planned();
    let mut best = f64::INFINITY;
    while let Some((first, points)) = search.next_batch() {
        let tasks = points
            .iter()
            .enumerate()
            .map(|(i, point)| TrialTask {
                number: first + i,
                planned,
                config: space.decode(point),
            })
            .collect();
        let reports = train_batch(
            FileRef::of(train),
            FileRef::of(validation),
            numeric_columns,
            tasks,
            best.is_finite().then_some(best),
        )
        .await?;
        let mut losses = Vec::with_capacity(reports.len());
        for mut report in reports {
            let loss = report.loss();
            // Several trials of a batch may beat the best before it: the first best keeps
            // its model file, as in a search on one thread.
            if loss >= best || loss.is_nan() {
                report.best_model_json = None;
            }
            best = best.min(loss);
            report.best_so_far = best.is_finite().then_some(best);
            on_trial(&report);
            losses.push(loss);
        }
        search.record(points, &losses);
    }
    Ok(search.stop_reason())
}

/// Starts `count` workers unless they are running already.
fn start_workers(count: usize) -> Result<(), OffThreadError> {
    if POOL.with(|pool| pool.borrow().workers.len()) == count {
        return Ok(());
    }
    end_pool(Err(OffThreadError::Cancelled));
    let generation = POOL.with(|pool| pool.borrow().generation);
    let mut workers = Vec::with_capacity(count);
    for index in 0..count {
        let worker = match Worker::new(WORKER_URL) {
            Ok(worker) => worker,
            Err(error) => {
                for started in workers.drain(..) {
                    let started: PoolWorker = started;
                    started.worker.terminate();
                }
                let reason = format!("the training worker cannot start here ({error:?})");
                POOL.with(|pool| pool.borrow_mut().unavailable = Some(reason.clone()));
                return Err(OffThreadError::Unavailable(reason));
            }
        };
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            on_message(generation, index, &event.data());
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let on_error = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            on_error(generation, &event);
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        workers.push(PoolWorker {
            worker,
            ready: false,
            held: HashSet::new(),
            busy: None,
        });
    }
    POOL.with(|pool| pool.borrow_mut().workers = workers);
    give_up_unless_ready(generation);
    Ok(())
}

/// Trains one batch's trials, each on the next free worker; their reports in order.
async fn train_batch(
    train: FileRef,
    validation: FileRef,
    numeric_columns: &[String],
    tasks: Vec<TrialTask>,
    best_before: Option<f64>,
) -> BatchOutcome {
    let outcome: Rc<RefCell<Option<BatchOutcome>>> = Rc::default();
    let (woken, wake) = waiter()?;
    let started = POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.workers.is_empty() {
            return false;
        }
        pool.batch = Some(Batch {
            train,
            validation,
            numeric_columns: numeric_columns.to_vec(),
            best_before,
            reports: vec![None; tasks.len()],
            waiting: tasks.into_iter().enumerate().collect(),
            outcome: outcome.clone(),
            wake,
        });
        dispatch(&mut pool);
        true
    });
    if !started {
        return Err(OffThreadError::Cancelled);
    }
    let _ = wasm_bindgen_futures::JsFuture::from(woken).await;
    let result = outcome.borrow_mut().take();
    result.unwrap_or_else(|| Err(OffThreadError::Failed("the workers gave no answer".into())))
}

/// Shares the batch's waiting trials among the ready, idle workers, in order: one message
/// each, since on a page as busy as a search's every message costs about as much as a
/// small trial.
fn dispatch(pool: &mut Pool) {
    let Pool {
        workers,
        next_id,
        batch,
        ..
    } = pool;
    let Some(batch) = batch.as_mut() else {
        return;
    };
    let idle: Vec<&mut PoolWorker> = workers
        .iter_mut()
        .filter(|m| m.ready && m.busy.is_none())
        .collect();
    let mut left = idle.len();
    for member in idle {
        let share = batch.waiting.len().div_ceil(left.max(1));
        left = left.saturating_sub(1);
        if share == 0 {
            return;
        }
        let (places, trials): (Vec<usize>, Vec<TrialTask>) = batch.waiting.drain(..share).unzip();
        *next_id += 1;
        let job = TrialsJob {
            trials,
            best_before: batch.best_before,
        };
        let request = unused_request();
        let spec = JobSpec {
            request: &request,
            sweep_alphas: None,
            trees: None,
            trials: Some(&job),
            monitor: None,
        };
        let message = job_message(
            &member.held,
            *next_id,
            batch.train.clone(),
            batch.validation.clone(),
            &batch.numeric_columns,
            &spec,
        );
        member.held.insert(batch.train.sha256_hex.clone());
        member.held.insert(batch.validation.sha256_hex.clone());
        if let Err(error) = member.worker.post_message(&message) {
            web_sys::console::error_2(&"Flowbook: could not send a trial".into(), &error);
        }
        member.busy = Some((*next_id, places));
    }
}

fn on_message(generation: u64, index: usize, data: &JsValue) {
    let reply = field(data, FIELD_JSON)
        .as_string()
        .ok_or_else(|| "a reply without text".to_string())
        .and_then(|text| WorkerReply::from_json(&text));
    let ended = POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.generation != generation || index >= pool.workers.len() {
            return None;
        }
        let member = &mut pool.workers[index];
        match reply {
            Err(message) => Some(Err(OffThreadError::Failed(message))),
            Ok(WorkerReply::Ready { protocol }) if protocol != PROTOCOL_VERSION => Some(Err(
                OffThreadError::Failed(protocol_mismatch(PROTOCOL_VERSION, protocol)),
            )),
            Ok(WorkerReply::Ready { .. }) => {
                member.ready = true;
                dispatch(&mut pool);
                None
            }
            Ok(WorkerReply::Trials { id, reports }) => {
                if member.busy.as_ref()?.0 != id {
                    return None;
                }
                let (_, places) = member.busy.take()?;
                if reports.len() != places.len() {
                    return Some(Err(OffThreadError::Failed(format!(
                        "a search worker answered {} of its {} trials",
                        reports.len(),
                        places.len()
                    ))));
                }
                let batch = pool.batch.as_mut()?;
                for (place, report) in places.into_iter().zip(reports) {
                    if let Some(slot) = batch.reports.get_mut(place) {
                        *slot = Some(report);
                    }
                }
                if batch.reports.iter().all(Option::is_some) {
                    let batch = pool.batch.take()?;
                    let reports = batch.reports.iter().flatten().cloned().collect();
                    return Some(Ok((batch, reports)));
                }
                dispatch(&mut pool);
                None
            }
            Ok(WorkerReply::Failed { message, .. }) => {
                member.held.clear();
                Some(Err(OffThreadError::Failed(message)))
            }
            Ok(_) => None,
        }
    });
    match ended {
        Some(Ok((batch, reports))) => finish(batch, Ok(reports)),
        Some(Err(error)) => end_pool(Err(error)),
        None => {}
    }
}

/// A worker that fails before it is ready cannot start in this browser (search on the
/// page from now on); one that fails later stopped mid-search.
fn on_error(generation: u64, event: &Event) {
    event.prevent_default();
    let message = error_message(event);
    let outcome = POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.generation != generation {
            return None;
        }
        if pool.workers.iter().all(|m| m.ready) {
            Some(OffThreadError::Failed(format!(
                "a search worker stopped: {message}"
            )))
        } else {
            let reason = format!("the training worker did not start: {message}");
            pool.unavailable = Some(reason.clone());
            Some(OffThreadError::Unavailable(reason))
        }
    });
    if let Some(outcome) = outcome {
        end_pool(Err(outcome));
    }
}

/// Workers still not ready after `READY_TIMEOUT_MS` cannot start here (the search would
/// wait for ever): they are ended and searches go to the page.
fn give_up_unless_ready(generation: u64) {
    let check = Closure::once_into_js(move || {
        let stuck = POOL.with(|pool| {
            let mut pool = pool.borrow_mut();
            let stuck = pool.generation == generation && pool.workers.iter().any(|m| !m.ready);
            if stuck {
                pool.unavailable = Some(format!(
                    "the training worker did not start within {} s",
                    READY_TIMEOUT_MS / 1000
                ));
            }
            stuck.then(|| pool.unavailable.clone()).flatten()
        });
        if let Some(reason) = stuck {
            end_pool(Err(OffThreadError::Unavailable(reason)));
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            check.unchecked_ref(),
            READY_TIMEOUT_MS,
        );
    }
}
