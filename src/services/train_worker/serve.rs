//! The training worker's side: decodes the files it is sent (keeping each decoded table
//! under its file's SHA-256 for the next job), runs the engine's Train step and posts its
//! progress and reports back. Runs in `flowbook-worker` (src/bin/flowbook-worker.rs).

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;
use flowbook_core::data::{open_trip_file, TripTable};
use flowbook_core::pipeline::{train_job, Trained};
use flowbook_core::search::{run_trip_search, SearchSpace, StopReason};
use flowbook_core::train_protocol::{
    pack_reports, protocol_mismatch, TableRef, TrainJob, WorkerReply, PROTOCOL_VERSION,
};
use js_sys::{Array, Float64Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::{field, FIELD_COEFFICIENTS, FIELD_JSON, FIELD_TRAIN_BYTES, FIELD_VALIDATION_BYTES};

/// Decoded tables by SHA-256; only the latest job's two are kept.
type Tables = Rc<RefCell<HashMap<String, Arc<TripTable>>>>;

/// Starts answering jobs and tells the page so.
pub fn serve() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let tables: Tables = Rc::default();
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        handle(&reply_scope, &tables, &event.data());
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

fn handle(scope: &DedicatedWorkerGlobalScope, tables: &Tables, data: &JsValue) {
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
    match run(scope, tables, &job, data) {
        Ok(JobDone::Searched(stop)) => post(scope, &WorkerReply::SearchDone { id, stop }, None),
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

/// What a job produced: a training's reports, or the end of a search (whose trials were
/// posted as they finished).
enum JobDone {
    Trained(Trained),
    Searched(StopReason),
}

fn run(
    scope: &DedicatedWorkerGlobalScope,
    tables: &Tables,
    job: &TrainJob,
    data: &JsValue,
) -> Result<JobDone, String> {
    let train = table(
        tables,
        &job.train,
        data,
        FIELD_TRAIN_BYTES,
        &job.numeric_columns,
    )?;
    let validation = table(
        tables,
        &job.validation,
        data,
        FIELD_VALIDATION_BYTES,
        &job.numeric_columns,
    )?;
    // Keep only what the next job most likely needs again.
    tables
        .borrow_mut()
        .retain(|sha, _| *sha == job.train.sha256_hex || *sha == job.validation.sha256_hex);
    if let Some(search) = &job.search {
        let space = SearchSpace::from_value(search.space.clone()).map_err(|e| e.to_string())?;
        search.settings.validate()?;
        let stop = run_trip_search(
            &train,
            &validation,
            &space,
            &search.settings,
            &mut |trial| {
                let reply = WorkerReply::Trial {
                    id: job.id,
                    trial: Box::new(trial.clone()),
                };
                post(scope, &reply, None);
                ControlFlow::Continue(())
            },
        );
        return Ok(JobDone::Searched(stop));
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

/// The decoded table `wanted`: from the bytes sent with the job, else from the last jobs.
fn table(
    tables: &Tables,
    wanted: &TableRef,
    data: &JsValue,
    bytes_field: &str,
    numeric_columns: &[String],
) -> Result<Arc<TripTable>, String> {
    if !wanted.bytes_attached {
        return tables
            .borrow()
            .get(&wanted.sha256_hex)
            .cloned()
            .ok_or_else(|| format!("the worker no longer holds {}", wanted.file_name));
    }
    let bytes = field(data, bytes_field)
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
