//! The browser's store: IndexedDB with three object stores. `runs` holds one record per run
//! (keyed by its client id), so a save writes one run and not the whole history; `registry`
//! holds one record, the model registry, which is small and changes as a whole; so does
//! `experiments`, the experiments created by name (without their runs, which name them). Records
//! are the engine's text (`stored_run_to_json`, the registry's JSON); this file only moves
//! strings. `artifacts` holds run files (models) once per distinct content, keyed by
//! SHA-256, as bytes; run records only name them (`flowbook_core::store::detached`).
//! The two single records change by read-modify-write in one transaction
//! ([`update_registry`], [`update_experiments`]), so tabs that change them at once keep
//! every change.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use flowbook_core::store::Blob;
use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

const DATABASE: &str = "flowbook";
/// Bumped when stores are added; `onupgradeneeded` creates what is missing.
const DATABASE_VERSION: u32 = 4;
pub const RUNS: &str = "runs";
pub const REGISTRY: &str = "registry";
pub const EXPERIMENTS: &str = "experiments";
pub const ARTIFACTS: &str = "artifacts";
/// Every object store of the current version, created on upgrade when missing.
const STORES: [&str; 4] = [RUNS, REGISTRY, EXPERIMENTS, ARTIFACTS];
/// The key of the experiment list's single record.
const EXPERIMENTS_KEY: &str = "experiments";
/// The key of the registry's single record.
const REGISTRY_KEY: &str = "registry";

/// Plain words for what the browser reported, with what the user can do. A failed read
/// leaves what is stored as it was; a failed write leaves the change on the page only.
fn storage_message(action: &str, error: JsValue) -> String {
    let name = error
        .dyn_ref::<web_sys::DomException>()
        .map(|e| (e.name(), e.message()))
        .or_else(|| {
            error
                .dyn_ref::<js_sys::Error>()
                .map(|e| (String::from(e.name()), String::from(e.message())))
        });
    let advice = if action.starts_with("read") {
        "What is stored is left as it is: try again, or reload the page."
    } else {
        "What is on this page stays until the page is closed; export the experiment to keep \
         it."
    };
    match name {
        Some((name, _)) if name == "QuotaExceededError" => format!(
            "Could not {action}: this site's browser storage is full. Delete old runs or export \
             the experiment to a file, then try again."
        ),
        Some((name, message)) => format!(
            "Could not {action}: the browser's storage refused ({name}: {message}). {advice}"
        ),
        None => format!(
            "Could not {action}: browser storage is not available here (private window or \
             storage disabled). {advice}"
        ),
    }
}

/// Resolves with the request's result once it succeeds.
async fn finished(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_success = {
            let request = request.clone();
            Closure::once_into_js(move |_: web_sys::Event| {
                let _ = resolve.call1(&JsValue::NULL, &request.result().unwrap_or_default());
            })
        };
        let on_error = {
            let request = request.clone();
            Closure::once_into_js(move |_: web_sys::Event| {
                let error = request.error().ok().flatten().map(JsValue::from);
                let _ = reject.call1(&JsValue::NULL, &error.unwrap_or_default());
            })
        };
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

/// Resolves once the transaction is committed (a write is durable only then).
async fn committed(transaction: &IdbTransaction) -> Result<(), JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let on_abort = {
            let transaction = transaction.clone();
            Closure::once_into_js(move |_: web_sys::Event| {
                let error = transaction.error().map(JsValue::from);
                let _ = reject.call1(&JsValue::NULL, &error.unwrap_or_default());
            })
        };
        transaction.set_oncomplete(Some(on_complete.unchecked_ref()));
        transaction.set_onabort(Some(on_abort.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(|_| ())
}

async fn open() -> Result<IdbDatabase, JsValue> {
    let factory = web_sys::window()
        .ok_or(JsValue::NULL)?
        .indexed_db()?
        .ok_or(JsValue::NULL)?;
    let request = factory.open_with_u32(DATABASE, DATABASE_VERSION)?;
    let on_upgrade = {
        let request = request.clone();
        Closure::once_into_js(move |_: web_sys::Event| {
            if let Ok(result) = request.result() {
                let database: IdbDatabase = result.unchecked_into();
                // A database of an older version keeps its stores and gains the new ones.
                let present = database.object_store_names();
                for name in STORES {
                    if !present.contains(name) {
                        let _ = database.create_object_store(name);
                    }
                }
            }
        })
    };
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    Ok(finished(&request).await?.unchecked_into())
}

fn store(
    database: &IdbDatabase,
    name: &str,
    mode: IdbTransactionMode,
) -> Result<(IdbTransaction, IdbObjectStore), JsValue> {
    let transaction = database.transaction_with_str_and_mode(name, mode)?;
    let store = transaction.object_store(name)?;
    Ok((transaction, store))
}

/// Every stored run's text.
pub async fn load_runs() -> Result<Vec<String>, String> {
    let read = async {
        let database = open().await?;
        let (_, store) = store(&database, RUNS, IdbTransactionMode::Readonly)?;
        let all: Array = finished(&store.get_all()?).await?.unchecked_into();
        database.close();
        Ok::<_, JsValue>(all.iter().filter_map(|v| v.as_string()).collect())
    };
    read.await
        .map_err(|e| storage_message("read the saved runs", e))
}

/// Writes (or replaces) one run's text under its client id, with the files it names
/// (`blobs`, by SHA-256: writing the same content again changes nothing), in one
/// transaction, and waits for the commit.
pub async fn save_run(client_id: &str, text: &str, blobs: &[Blob]) -> Result<(), String> {
    let write = async {
        let database = open().await?;
        let names = Array::of2(&JsValue::from_str(RUNS), &JsValue::from_str(ARTIFACTS));
        let transaction = database
            .transaction_with_str_sequence_and_mode(&names, IdbTransactionMode::Readwrite)?;
        let files = transaction.object_store(ARTIFACTS)?;
        for blob in blobs {
            let bytes = js_sys::Uint8Array::from(blob.bytes.as_slice());
            files.put_with_key(&bytes, &JsValue::from_str(&blob.sha256))?;
        }
        let runs = transaction.object_store(RUNS)?;
        runs.put_with_key(&JsValue::from_str(text), &JsValue::from_str(client_id))?;
        committed(&transaction).await?;
        database.close();
        Ok::<_, JsValue>(())
    };
    write.await.map_err(|e| storage_message("save the run", e))
}

/// The stored files with these SHA-256 digests; a missing one is simply absent from the
/// answer (the caller names what is missing).
pub async fn load_blobs(digests: &[String]) -> Result<HashMap<String, Vec<u8>>, String> {
    let read = async {
        let database = open().await?;
        let (_, store) = store(&database, ARTIFACTS, IdbTransactionMode::Readonly)?;
        let mut found = HashMap::new();
        for digest in digests {
            if found.contains_key(digest) {
                continue;
            }
            let value = finished(&store.get(&JsValue::from_str(digest))?).await?;
            if let Some(bytes) = value.dyn_ref::<js_sys::Uint8Array>() {
                found.insert(digest.clone(), bytes.to_vec());
            }
        }
        database.close();
        Ok::<_, JsValue>(found)
    };
    read.await
        .map_err(|e| storage_message("read the runs' saved files", e))
}

/// One stored run's text, or `None` when there is none with this client id (another tab
/// saved it: this one reads it to show it too).
pub async fn load_run(client_id: &str) -> Result<Option<String>, String> {
    let read = async {
        let database = open().await?;
        let (_, store) = store(&database, RUNS, IdbTransactionMode::Readonly)?;
        let record = finished(&store.get(&JsValue::from_str(client_id))?).await?;
        database.close();
        Ok::<_, JsValue>(record.as_string())
    };
    read.await
        .map_err(|e| storage_message("read a saved run", e))
}

/// What a read-modify-write of one record made: the text written and the change's own
/// answer, or the change's refusal (nothing written).
pub type Updated<T> = Result<(String, T), String>;

/// Reads the single record `key` of object store `name`, lets `change` make the next text
/// from it (`None`: no record yet) and writes that text, in one readwrite transaction.
/// IndexedDB runs readwrite transactions on one store one after another, across all tabs
/// of the site, so a change another tab commits between this read and this write cannot
/// happen: both changes are kept. `change` runs inside the read's success event, while the
/// transaction is still active, so it must not wait for anything. When `change` refuses,
/// nothing is written and its refusal is the answer. The outer `Err` is the storage's.
async fn update_record<T: 'static>(
    name: &'static str,
    key: &'static str,
    action: &str,
    change: impl FnOnce(Option<String>) -> Result<(String, T), String> + 'static,
) -> Result<Updated<T>, String> {
    let answer: Rc<RefCell<Option<Updated<T>>>> = Rc::new(RefCell::new(None));
    let write = async {
        let database = open().await?;
        let (transaction, store) = store(&database, name, IdbTransactionMode::Readwrite)?;
        let request = store.get(&JsValue::from_str(key))?;
        let on_read = {
            let (request, answer, transaction) =
                (request.clone(), answer.clone(), transaction.clone());
            Closure::once_into_js(move |_: web_sys::Event| {
                let current = request.result().ok().and_then(|value| value.as_string());
                let outcome = change(current);
                if let Ok((text, _)) = &outcome {
                    if store
                        .put_with_key(&JsValue::from_str(text), &JsValue::from_str(key))
                        .is_err()
                    {
                        let _ = transaction.abort();
                    }
                }
                *answer.borrow_mut() = Some(outcome);
            })
        };
        request.set_onsuccess(Some(on_read.unchecked_ref()));
        committed(&transaction).await?;
        database.close();
        Ok::<_, JsValue>(())
    };
    write.await.map_err(|e| storage_message(action, e))?;
    let outcome = answer.borrow_mut().take();
    outcome.ok_or_else(|| format!("Could not {action}: the browser's storage did not answer."))
}

/// Changes the saved registry in one transaction (see [`update_record`]): `change` gets the
/// stored text (`None` before the first save) and gives the text to store.
pub async fn update_registry<T: 'static>(
    change: impl FnOnce(Option<String>) -> Result<(String, T), String> + 'static,
) -> Result<Updated<T>, String> {
    update_record(REGISTRY, REGISTRY_KEY, "save the model registry", change).await
}

/// Changes the saved experiment list in one transaction, as [`update_registry`].
pub async fn update_experiments<T: 'static>(
    change: impl FnOnce(Option<String>) -> Result<(String, T), String> + 'static,
) -> Result<Updated<T>, String> {
    update_record(EXPERIMENTS, EXPERIMENTS_KEY, "save the experiments", change).await
}

/// The saved registry's text, or `None` when no registry was saved yet.
pub async fn load_registry() -> Result<Option<String>, String> {
    let read = async {
        let database = open().await?;
        let (_, store) = store(&database, REGISTRY, IdbTransactionMode::Readonly)?;
        let record = finished(&store.get(&JsValue::from_str(REGISTRY_KEY))?).await?;
        database.close();
        Ok::<_, JsValue>(record.as_string())
    };
    read.await
        .map_err(|e| storage_message("read the saved model registry", e))
}

/// The saved experiment list's text, or `None` when none was saved yet.
pub async fn load_experiments() -> Result<Option<String>, String> {
    let read = async {
        let database = open().await?;
        let (_, store) = store(&database, EXPERIMENTS, IdbTransactionMode::Readonly)?;
        let record = finished(&store.get(&JsValue::from_str(EXPERIMENTS_KEY))?).await?;
        database.close();
        Ok::<_, JsValue>(record.as_string())
    };
    read.await
        .map_err(|e| storage_message("read the saved experiments", e))
}
