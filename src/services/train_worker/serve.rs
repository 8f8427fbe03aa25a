//! The training worker's side: decodes the files it is sent (keeping each decoded table
//! under its file's SHA-256 for the next job), runs the engine's Train step and posts its
//! progress and reports back. Runs in `flowbook-worker` (src/bin/flowbook-worker.rs).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;
use flowbook_core::data::{open_trip_file, TripTable};
use flowbook_core::monitor::{check_tables, MonthCheck, SampleSummary};
use flowbook_core::pipeline::{train_job, Trained};
use flowbook_core::saved_model::SavedModel;
use flowbook_core::search::{TrialReport, TripSearch};
use flowbook_core::train_protocol::{
    pack_reports, protocol_mismatch, MonitorJob, TableRef, TrainJob, TrialsJob, WorkerReply,
    PROTOCOL_VERSION,
};
use js_sys::{Array, Float64Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::{
    field, FIELD_COEFFICIENTS, FIELD_JSON, FIELD_MONTH_BYTES, FIELD_TRAIN_BYTES,
    FIELD_VALIDATION_BYTES,
};

/// Decoded tables by SHA-256; only the latest job's are kept.
type Tables = Rc<RefCell<HashMap<String, Arc<TripTable>>>>;

/// A search's shared data (prepared sets, block splits, binnings) on the tables it was
/// made for, kept for the search's next trials.
struct HeldSearch {
    train_sha256: String,
    validation_sha256: String,
    trips: TripSearch<Arc<TripTable>>,
}

#[derive(Default)]
struct Held {
    tables: Tables,
    search: RefCell<Option<HeldSearch>>,
}

/// Starts answering jobs and tells the page so.
pub fn serve() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let held = Rc::new(Held::default());
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        handle(&reply_scope, &held, &event.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let ready = WorkerReply::Ready {
        protocol: PROTOCOL_VERSION,
    };
    post(&scope, &ready, None);
}

fn post(scope: &DedicatedWorkerGlobalScope, reply: &WorkerReply, coefficients: Option<&[f64]>) {
    let message = Object::new();
    let _ = Reflect::set(&message, &FIELD_JSON.into(), &reply.to_json().into());
    let transfer = Array::new();
    if let Some(coefficients) = coefficients {
        let buffer = Float64Array::from(coefficients);
        let _ = Reflect::set(&message, &FIELD_COEFFICIENTS.into(), &buffer);
        transfer.push(&buffer.buffer());
    }
    if let Err(error) = scope.post_message_with_transfer(&message, &transfer) {
        web_sys::console::error_2(&"Flowbook worker: could not post a reply".into(), &error);
    }
}

fn handle(scope: &DedicatedWorkerGlobalScope, held: &Held, data: &JsValue) {
    let job = match field(data, FIELD_JSON)
        .as_string()
        .ok_or_else(|| "a message without a job".to_string())
        .and_then(|text| TrainJob::from_json(&text))
    {
        Ok(job) => job,
        Err(message) => {
            post(scope, &WorkerReply::Failed { id: 0, message }, None);
            return;
        }
    };
    let id = job.id;
    if job.protocol != PROTOCOL_VERSION {
        let message = protocol_mismatch(job.protocol, PROTOCOL_VERSION);
        post(scope, &WorkerReply::Failed { id, message }, None);
        return;
    }
    match run(scope, held, &job, data) {
        Ok(JobDone::Trials(reports)) => post(scope, &WorkerReply::Trials { id, reports }, None),
        Ok(JobDone::Monitored(reference, months)) => post(
            scope,
            &WorkerReply::Monitored {
                id,
                reference,
                months,
            },
            None,
        ),
        Ok(JobDone::Trained(Trained::Linear { reports })) => {
            let (reports, coefficients) = pack_reports(reports);
            post(
                scope,
                &WorkerReply::Done { id, reports },
                Some(&coefficients),
            );
        }
        Ok(JobDone::Trained(Trained::Trees { report })) => {
            post(scope, &WorkerReply::TreesDone { id, report }, None)
        }
        Err(message) => post(scope, &WorkerReply::Failed { id, message }, None),
    }
}

/// What a job produced: a training's reports, search trials' reports, or a monitoring
/// check.
enum JobDone {
    Trained(Trained),
    Trials(Vec<TrialReport>),
    Monitored(Box<SampleSummary>, Vec<MonthCheck>),
}

fn run(
    scope: &DedicatedWorkerGlobalScope,
    held: &Held,
    job: &TrainJob,
    data: &JsValue,
) -> Result<JobDone, String> {
    let tables = &held.tables;
    let columns = &job.numeric_columns;
    let train = table(tables, &job.train, field(data, FIELD_TRAIN_BYTES), columns)?;
    // A monitoring check reads the reference (the job's training table) and the months only.
    if let Some(monitor) = &job.monitor {
        return check(tables, &train, monitor, data, columns);
    }
    let validation = table(
        tables,
        &job.validation,
        field(data, FIELD_VALIDATION_BYTES),
        columns,
    )?;
    // Keep only what the next job most likely needs again.
    tables
        .borrow_mut()
        .retain(|sha, _| *sha == job.train.sha256_hex || *sha == job.validation.sha256_hex);
    if let Some(trials) = &job.trials {
        return Ok(JobDone::Trials(train_trials(
            held, train, validation, trials,
        )));
    }
    let mut last_done = None;
    train_job(
        &train,
        &validation,
        &job.request,
        job.sweep_alphas.as_deref(),
        job.trees.as_ref(),
        &mut |progress| {
            if last_done != Some(progress.done) {
                last_done = Some(progress.done);
                post(
                    scope,
                    &WorkerReply::Progress {
                        id: job.id,
                        progress,
                    },
                    None,
                );
            }
        },
    )
    .map(JobDone::Trained)
    .map_err(|e| e.to_string())
}

/// A batch's trials on the search data held for these tables (made afresh for others).
fn train_trials(
    held: &Held,
    train: Arc<TripTable>,
    validation: Arc<TripTable>,
    job: &TrialsJob,
) -> Vec<TrialReport> {
    let mut search = held.search.borrow_mut();
    let same_tables = search.as_ref().is_some_and(|s| {
        s.train_sha256 == train.sha256_hex && s.validation_sha256 == validation.sha256_hex
    });
    if !same_tables {
        *search = Some(HeldSearch {
            train_sha256: train.sha256_hex.clone(),
            validation_sha256: validation.sha256_hex.clone(),
            trips: TripSearch::new(train, validation),
        });
    }
    let Some(search) = search.as_ref() else {
        return Vec::new();
    };
    // A trial sends its model only if it beats every trial before it, this job's too.
    let mut best = job.best_before.unwrap_or(f64::INFINITY);
    job.trials
        .iter()
        .map(|task| {
            let report = search
                .trips
                .report(task.number, task.planned, task.config.clone(), best);
            best = best.min(report.loss());
            report
        })
        .collect()
}

/// A monitoring check of the months against `reference` (the job's train table); the
/// worker then keeps the reference and the months, which checking again needs.
fn check(
    tables: &Tables,
    reference: &TripTable,
    job: &MonitorJob,
    data: &JsValue,
    columns: &[String],
) -> Result<JobDone, String> {
    let model = SavedModel::from_json(&job.model_json).map_err(|e| e.to_string())?;
    let month_bytes = Array::from(&field(data, FIELD_MONTH_BYTES));
    let months = job
        .months
        .iter()
        .enumerate()
        .map(|(i, month)| table(tables, month, month_bytes.get(i as u32), columns))
        .collect::<Result<Vec<_>, _>>()?;
    tables.borrow_mut().retain(|sha, _| {
        *sha == reference.sha256_hex || job.months.iter().any(|m| m.sha256_hex == *sha)
    });
    let months: Vec<&TripTable> = months.iter().map(|t| t.as_ref()).collect();
    let (summary, checks) =
        check_tables(&model, reference, &months, &job.thresholds).map_err(|e| e.to_string())?;
    Ok(JobDone::Monitored(Box::new(summary), checks))
}

/// The decoded table `wanted`: one this worker holds already, else decoded from `bytes`
/// (the file's bytes sent with the job).
fn table(
    tables: &Tables,
    wanted: &TableRef,
    bytes: JsValue,
    numeric_columns: &[String],
) -> Result<Arc<TripTable>, String> {
    if let Some(held) = tables.borrow().get(&wanted.sha256_hex) {
        return Ok(held.clone());
    }
    if !wanted.bytes_attached {
        return Err(format!("the worker no longer holds {}", wanted.file_name));
    }
    let bytes = bytes
        .dyn_into::<Uint8Array>()
        .map_err(|_| format!("{} came without its bytes", wanted.file_name))?
        .to_vec();
    let (_, trips) = open_trip_file(&wanted.file_name, Bytes::from(bytes), numeric_columns)
        .map_err(|e| e.to_string())?;
    let table = Arc::new(trips.map_err(|e| e.to_string())?);
    if table.sha256_hex != wanted.sha256_hex {
        return Err(format!(
            "{} changed on its way to the worker (its SHA-256 differs)",
            wanted.file_name
        ));
    }
    tables
        .borrow_mut()
        .insert(wanted.sha256_hex.clone(), table.clone());
    Ok(table)
}
