//! Training off the page's thread: the page's side of the training worker (`serve` is the
//! worker's side). One worker per page, started with the page ([`prewarm`]) so that its
//! wasm downloads and compiles while the page renders; `cancel` ends it and the next
//! training starts a fresh one. The worker keeps the decoded tables it was sent, so the
//! files' bytes cross only when the worker does not hold them yet.

pub mod pool;
pub mod serve;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use bytes::Bytes;
use flowbook_core::data::TripTable;
use flowbook_core::monitor::{MonthCheck, SampleSummary, Thresholds};
use flowbook_core::pipeline::{Progress, TrainRequest, Trained};
use flowbook_core::saved_model::SavedModel;
use flowbook_core::train_protocol::{
    checked_tree_report, protocol_mismatch, unpack_reports, MonitorJob, TableRef, TrainJob,
    TrialsJob, WorkerReply, PROTOCOL_VERSION,
};
use flowbook_core::trees::TreeParams;
use js_sys::{Float64Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};

/// The loader Trunk writes for the `flowbook-worker` binary (index.html).
pub const WORKER_URL: &str = "./flowbook-worker_loader.js";

/// The session key that records when the page last reloaded to meet its worker's version.
const RELOADED_FOR_WORKER_KEY: &str = "flowbook.reloaded-for-worker";

/// A second mismatch within this time (the reload brought back the same files) trains on
/// the page instead of reloading again.
const RELOAD_AGAIN_AFTER_MS: f64 = 5.0 * 60_000.0;

/// How long a new worker may take to say it is ready (to download and compile its wasm)
/// before the training goes to the page instead.
const READY_TIMEOUT_MS: i32 = 20_000;

const FIELD_JSON: &str = "json";
const FIELD_TRAIN_BYTES: &str = "trainBytes";
const FIELD_VALIDATION_BYTES: &str = "validationBytes";
const FIELD_COEFFICIENTS: &str = "coefficients";
/// A monitoring job's months' bytes: an array in the job's order, `undefined` for those
/// the worker holds.
const FIELD_MONTH_BYTES: &str = "monthBytes";

fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Why a training did not come back from the worker.
#[derive(Debug, Clone, PartialEq)]
pub enum OffThreadError {
    /// There is no worker (e.g. a browser without module-less workers): train on the page.
    Unavailable(String),
    /// The user cancelled.
    Cancelled,
    /// The engine refused the job, or the worker stopped; the message says why.
    Failed(String),
}

thread_local! {
    static FILE_BYTES: RefCell<HashMap<String, Bytes>> = RefCell::default();
    static CLIENT: RefCell<Client> = RefCell::default();
}

/// Keeps a decoded file's bytes (shared, not copied) to send them to the worker.
pub fn remember_file_bytes(sha256_hex: &str, bytes: Bytes) {
    FILE_BYTES.with(|files| files.borrow_mut().insert(sha256_hex.to_string(), bytes));
}

/// A file the worker is to read, by name and digest; its bytes are those kept by
/// [`remember_file_bytes`] under that digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    pub file_name: String,
    pub sha256_hex: String,
}

impl FileRef {
    pub fn of(table: &TripTable) -> FileRef {
        FileRef {
            file_name: table.file_name.clone(),
            sha256_hex: table.sha256_hex.clone(),
        }
    }
}

/// What a job came back with: a training's reports or a check.
enum JobOutcome {
    Trained(Trained),
    Monitored(Box<SampleSummary>, Vec<MonthCheck>),
}

type Outcome = Result<JobOutcome, OffThreadError>;

/// What a job is: a training (its request, sweep or trees), search trials or a check.
struct JobSpec<'a> {
    request: &'a TrainRequest,
    sweep_alphas: Option<&'a [f64]>,
    trees: Option<&'a TreeParams>,
    trials: Option<&'a TrialsJob>,
    /// A monitoring check: the model, the months and the thresholds.
    monitor: Option<(&'a SavedModel, &'a [FileRef], &'a Thresholds)>,
}

struct Pending {
    id: u64,
    on_progress: Rc<dyn Fn(Progress)>,
    outcome: Rc<RefCell<Option<Outcome>>>,
    wake: js_sys::Function,
    /// The job, until the worker says it is ready.
    unsent: Option<JsValue>,
}

#[derive(Default)]
struct Client {
    worker: Option<Worker>,
    ready: bool,
    /// Digests of the tables the current worker holds.
    held: HashSet<String>,
    next_id: u64,
    pending: Option<Pending>,
    /// Why the worker cannot start in this browser, once known: later trainings go to the page.
    unavailable: Option<String>,
}

/// Why the training worker cannot start in this browser, once known.
fn unavailable_reason() -> Option<String> {
    CLIENT.with(|client| client.borrow().unavailable.clone())
}

/// Whether a training is under way in the worker.
pub fn is_busy() -> bool {
    CLIENT.with(|client| client.borrow().pending.is_some())
}

/// Stops the training or search under way, if any: ends its workers (fresh ones take the
/// next job).
pub fn cancel() {
    pool::cancel();
    let pending = CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        if let Some(worker) = client.worker.take() {
            worker.terminate();
        }
        client.ready = false;
        client.held.clear();
        client.pending.take()
    });
    if let Some(pending) = pending {
        finish(pending, Err(OffThreadError::Cancelled));
    }
}

fn finish(pending: Pending, outcome: Outcome) {
    *pending.outcome.borrow_mut() = Some(outcome);
    let _ = pending.wake.call0(&JsValue::NULL);
}

/// Starts the worker now, so that the first training finds it ready. A worker that cannot
/// start here is noted, and the trainings go to the page, as when it fails on first use.
pub fn prewarm() {
    let _ = ensure_worker();
}

/// Trains in the worker; `on_progress` hears each step.
pub async fn train(
    train: &TripTable,
    validation: &TripTable,
    numeric_columns: &[String],
    request: &TrainRequest,
    sweep_alphas: Option<&[f64]>,
    trees: Option<&TreeParams>,
    on_progress: impl Fn(Progress) + 'static,
) -> Result<Trained, OffThreadError> {
    let spec = JobSpec {
        request,
        sweep_alphas,
        trees,
        trials: None,
        monitor: None,
    };
    match submit(train, validation, numeric_columns, &spec, on_progress).await? {
        JobOutcome::Trained(trained) => Ok(trained),
        _ => Err(OffThreadError::Failed(
            "the worker answered a training with something else".into(),
        )),
    }
}

/// A request that travels unused, for the jobs that are not one training.
fn unused_request() -> TrainRequest {
    TrainRequest {
        prepare: Default::default(),
        features: flowbook_core::features::FeatureSpec::pu_do_distance(),
        kind: flowbook_core::solve::ModelKind::Ols,
    }
}

/// Checks `months` against `reference` for `model` in the worker: the months' bytes are
/// those kept under their digests ([`remember_file_bytes`]).
pub async fn monitor(
    reference: &TripTable,
    months: &[FileRef],
    numeric_columns: &[String],
    model: &SavedModel,
    thresholds: &Thresholds,
) -> Result<(SampleSummary, Vec<MonthCheck>), OffThreadError> {
    let request = unused_request();
    let spec = JobSpec {
        request: &request,
        sweep_alphas: None,
        trees: None,
        trials: None,
        monitor: Some((model, months, thresholds)),
    };
    // The reference travels as both tables: the job's own table is the reference.
    match submit(reference, reference, numeric_columns, &spec, |_| {}).await? {
        JobOutcome::Monitored(summary, checks) => Ok((*summary, checks)),
        _ => Err(OffThreadError::Failed(
            "the worker answered a monitoring check with something else".into(),
        )),
    }
}

async fn submit(
    train: &TripTable,
    validation: &TripTable,
    numeric_columns: &[String],
    spec: &JobSpec<'_>,
    on_progress: impl Fn(Progress) + 'static,
) -> Outcome {
    if let Some(reason) = CLIENT.with(|client| client.borrow().unavailable.clone()) {
        return Err(OffThreadError::Unavailable(reason));
    }
    if is_busy() {
        return Err(OffThreadError::Failed(
            "another training is running; wait for it or cancel it".to_string(),
        ));
    }
    ensure_worker()?;
    let outcome: Rc<RefCell<Option<Outcome>>> = Rc::default();
    let (woken, wake) = waiter()?;
    let starting = CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        client.next_id += 1;
        let id = client.next_id;
        let message = job_message(
            &client.held,
            id,
            FileRef::of(train),
            FileRef::of(validation),
            numeric_columns,
            spec,
        );
        client.held.insert(train.sha256_hex.clone());
        client.held.insert(validation.sha256_hex.clone());
        for month in spec.monitor.iter().flat_map(|(_, months, _)| months.iter()) {
            client.held.insert(month.sha256_hex.clone());
        }
        let mut pending = Pending {
            id,
            on_progress: Rc::new(on_progress),
            outcome: outcome.clone(),
            wake,
            unsent: Some(message),
        };
        let waiting_for_start = !client.ready;
        if client.ready {
            send(&client, &mut pending);
        }
        client.pending = Some(pending);
        waiting_for_start.then_some(id)
    });
    if let Some(id) = starting {
        give_up_unless_ready(id);
    }
    let _ = wasm_bindgen_futures::JsFuture::from(woken).await;
    let result = outcome.borrow_mut().take();
    result.unwrap_or_else(|| Err(OffThreadError::Failed("the worker gave no answer".into())))
}

/// A promise to await and the function that resolves it (called when the worker answers).
fn waiter() -> Result<(js_sys::Promise, js_sys::Function), OffThreadError> {
    let mut wake = None;
    let woken = js_sys::Promise::new(&mut |resolve, _| wake = Some(resolve));
    let wake = wake
        .ok_or_else(|| OffThreadError::Failed("the page could not wait for the worker".into()))?;
    Ok((woken, wake))
}

/// What an error event from a worker says.
fn error_message(event: &Event) -> String {
    // A script that fails inside the worker sends an `ErrorEvent`; one that cannot be
    // fetched at all sends a plain `Event`, which has no message.
    event
        .dyn_ref::<ErrorEvent>()
        .map(ErrorEvent::message)
        .filter(|message| !message.is_empty())
        .unwrap_or_else(|| "its script could not be loaded".to_string())
}

/// After `READY_TIMEOUT_MS`, a worker that has still not said it is ready for job `id` is
/// taken as unable to start here (it would leave the training waiting for ever): it is
/// ended, and this training and the later ones go to the page.
fn give_up_unless_ready(id: u64) {
    let check = Closure::once_into_js(move || {
        let pending = CLIENT.with(|client| {
            let mut client = client.borrow_mut();
            if client.ready || client.pending.as_ref().map(|p| p.id) != Some(id) {
                return None;
            }
            let reason = format!(
                "the training worker did not start within {} s",
                READY_TIMEOUT_MS / 1000
            );
            client.unavailable = Some(reason.clone());
            if let Some(worker) = client.worker.take() {
                worker.terminate();
            }
            client.held.clear();
            client.pending.take().map(|pending| (pending, reason))
        });
        if let Some((pending, reason)) = pending {
            finish(pending, Err(OffThreadError::Unavailable(reason)));
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            check.unchecked_ref(),
            READY_TIMEOUT_MS,
        );
    }
}

/// Reloads the page, so that the page and its worker come from one build, unless it
/// already did so a moment ago (the reload brought back the same mismatched files: train
/// on the page instead). Whether it reloads.
fn reload_to_meet_worker() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let now = js_sys::Date::now();
    let storage = window.session_storage().ok().flatten();
    let last = storage
        .as_ref()
        .and_then(|s| s.get_item(RELOADED_FOR_WORKER_KEY).ok().flatten())
        .and_then(|text| text.parse::<f64>().ok());
    if last.is_some_and(|last| now - last < RELOAD_AGAIN_AFTER_MS) {
        return false;
    }
    // Without session storage there is no telling a second reload from the first.
    let Some(storage) = storage else {
        return false;
    };
    if storage
        .set_item(RELOADED_FOR_WORKER_KEY, &now.to_string())
        .is_err()
    {
        return false;
    }
    window.location().reload().is_ok()
}

fn send(client: &Client, pending: &mut Pending) {
    if let (Some(worker), Some(message)) = (&client.worker, pending.unsent.take()) {
        if let Err(error) = worker.post_message(&message) {
            web_sys::console::error_2(&"Flowbook: could not send the job".into(), &error);
        }
    }
}

/// The job's JSON, with the bytes of the files the worker does not hold.
fn job_message(
    held: &HashSet<String>,
    id: u64,
    train: FileRef,
    validation: FileRef,
    numeric_columns: &[String],
    spec: &JobSpec<'_>,
) -> JsValue {
    let message = Object::new();
    // Each file's bytes are sent once, and only to a worker that does not hold it.
    let mut sending = held.clone();
    let mut table_ref = |file: FileRef| -> (TableRef, Option<Uint8Array>) {
        let bytes = sending
            .insert(file.sha256_hex.clone())
            .then(|| FILE_BYTES.with(|files| files.borrow().get(&file.sha256_hex).cloned()))
            .flatten()
            .map(|bytes| Uint8Array::from(&bytes[..]));
        let table = TableRef {
            file_name: file.file_name,
            sha256_hex: file.sha256_hex,
            bytes_attached: bytes.is_some(),
        };
        (table, bytes)
    };
    let attached = |(table, bytes): (TableRef, Option<Uint8Array>), field_name: &str| {
        if let Some(bytes) = bytes {
            let _ = Reflect::set(&message, &field_name.into(), &bytes);
        }
        table
    };
    let train = attached(table_ref(train), FIELD_TRAIN_BYTES);
    let validation = attached(table_ref(validation), FIELD_VALIDATION_BYTES);
    let monitor = spec.monitor.map(|(model, months, thresholds)| {
        let month_bytes = js_sys::Array::new();
        let months = months
            .iter()
            .map(|month| {
                let (table, bytes) = table_ref(month.clone());
                month_bytes.push(&bytes.map(JsValue::from).unwrap_or(JsValue::UNDEFINED));
                table
            })
            .collect();
        let _ = Reflect::set(&message, &FIELD_MONTH_BYTES.into(), &month_bytes);
        MonitorJob {
            model_json: model.to_json(),
            months,
            thresholds: thresholds.clone(),
        }
    });
    let job = TrainJob {
        protocol: PROTOCOL_VERSION,
        id,
        train,
        validation,
        numeric_columns: numeric_columns.to_vec(),
        request: spec.request.clone(),
        sweep_alphas: spec.sweep_alphas.map(<[f64]>::to_vec),
        trees: spec.trees.copied(),
        trials: spec.trials.cloned(),
        monitor,
    };
    let _ = Reflect::set(&message, &FIELD_JSON.into(), &job.to_json().into());
    message.into()
}

fn ensure_worker() -> Result<(), OffThreadError> {
    if CLIENT.with(|client| client.borrow().worker.is_some()) {
        return Ok(());
    }
    let worker = Worker::new(WORKER_URL).map_err(|error| {
        let reason = format!("the training worker cannot start here ({error:?})");
        CLIENT.with(|client| client.borrow_mut().unavailable = Some(reason.clone()));
        OffThreadError::Unavailable(reason)
    })?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(on_message);
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error = Closure::<dyn FnMut(Event)>::new(on_error);
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        client.worker = Some(worker);
        client.ready = false;
        client.held.clear();
    });
    Ok(())
}

/// A worker that fails before it is ready cannot start in this browser (train on the page
/// from now on); one that fails later stopped mid-job (the next job starts a fresh one).
fn on_error(event: Event) {
    event.prevent_default();
    let message = error_message(&event);
    let (pending, outcome) = CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        let outcome = if client.ready {
            OffThreadError::Failed(format!("the training worker stopped: {message}"))
        } else {
            let reason = format!("the training worker did not start: {message}");
            client.unavailable = Some(reason.clone());
            OffThreadError::Unavailable(reason)
        };
        if let Some(worker) = client.worker.take() {
            worker.terminate();
        }
        client.ready = false;
        client.held.clear();
        (client.pending.take(), outcome)
    });
    if let Some(pending) = pending {
        finish(pending, Err(outcome));
    }
}

fn on_message(event: MessageEvent) {
    let data = event.data();
    let reply = match field(&data, FIELD_JSON)
        .as_string()
        .ok_or_else(|| "a reply without text".to_string())
        .and_then(|text| WorkerReply::from_json(&text))
    {
        Ok(reply) => reply,
        Err(message) => {
            // A reply the page cannot read ends the job it answers: waiting would hang.
            web_sys::console::error_1(&message.clone().into());
            let pending = CLIENT.with(|client| {
                let mut client = client.borrow_mut();
                client.held.clear();
                client.pending.take()
            });
            if let Some(pending) = pending {
                finish(pending, Err(OffThreadError::Failed(message)));
            }
            return;
        }
    };
    let mut progress_to = None;
    let done = CLIENT.with(|client| {
        let mut client = client.borrow_mut();
        let current = client.pending.as_ref().map(|p| p.id);
        match reply {
            WorkerReply::Ready { protocol } if protocol != PROTOCOL_VERSION => {
                if let Some(worker) = client.worker.take() {
                    worker.terminate();
                }
                client.ready = false;
                client.held.clear();
                let reason = protocol_mismatch(PROTOCOL_VERSION, protocol);
                if reload_to_meet_worker() {
                    // The page goes; the job's request is in the saved notebook.
                    return None;
                }
                client.unavailable = Some(reason.clone());
                client
                    .pending
                    .take()
                    .map(|pending| (pending, Err(OffThreadError::Unavailable(reason))))
            }
            WorkerReply::Ready { .. } => {
                client.ready = true;
                if let Some(mut pending) = client.pending.take() {
                    send(&client, &mut pending);
                    client.pending = Some(pending);
                }
                None
            }
            WorkerReply::Progress { id, progress } => {
                // Told after the borrow ends: the listener may look at the worker's state.
                if let Some(pending) = client.pending.as_ref().filter(|_| current == Some(id)) {
                    progress_to = Some((pending.on_progress.clone(), progress));
                }
                None
            }
            WorkerReply::Done { id, reports } if current == Some(id) => {
                let coefficients = field(&data, FIELD_COEFFICIENTS)
                    .dyn_into::<Float64Array>()
                    .map(|array| array.to_vec())
                    .unwrap_or_default();
                let outcome = unpack_reports(reports, &coefficients)
                    .map(|reports| JobOutcome::Trained(Trained::Linear { reports }))
                    .map_err(OffThreadError::Failed);
                client.pending.take().map(|pending| (pending, outcome))
            }
            WorkerReply::Monitored {
                id,
                reference,
                months,
            } if current == Some(id) => client
                .pending
                .take()
                .map(|pending| (pending, Ok(JobOutcome::Monitored(reference, months)))),
            WorkerReply::TreesDone { id, report } if current == Some(id) => {
                let outcome = checked_tree_report(report)
                    .map(|report| JobOutcome::Trained(Trained::Trees { report }))
                    .map_err(OffThreadError::Failed);
                client.pending.take().map(|pending| (pending, outcome))
            }
            WorkerReply::Failed { id, message } if current == Some(id) || id == 0 => {
                // The worker may no longer hold what it was sent.
                client.held.clear();
                client
                    .pending
                    .take()
                    .map(|pending| (pending, Err(OffThreadError::Failed(message))))
            }
            // A reply to a job that was cancelled.
            _ => None,
        }
    });
    if let Some((listener, progress)) = progress_to {
        listener(progress);
    }
    if let Some((pending, outcome)) = done {
        finish(pending, outcome);
    }
}
