//! Opening a file: the bundled samples on page load, a chosen or dropped file, a file
//! downloaded from an address. Each becomes a dataset card: the footer summary first, then
//! the decoded preview.

use std::sync::Arc;

use bytes::Bytes;
use flowbook_core::data::{inspect_parquet, open_trip_file, trip_preview, FileSummary};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::services::load::{fetch_bytes, read_file};
use crate::state::datasets::{DataSource, DatasetHandle, Datasets, LoadState, Role};

/// The sample files bundled with the app, opened on page load with their roles: the
/// course trains on January 2021 and validates on February.
pub const SAMPLE_FILES: [(&str, Role); 2] = [
    (SAMPLE_TRAIN_FILE, Role::Train),
    (SAMPLE_VALIDATION_FILE, Role::Validation),
];

/// The bundled training file (January 2021).
pub const SAMPLE_TRAIN_FILE: &str = "green_tripdata_2021-01.parquet";
/// The bundled validation file (February 2021).
pub const SAMPLE_VALIDATION_FILE: &str = "green_tripdata_2021-02.parquet";

/// Where the bundled sample files are served: relative to the page, so that the app works
/// under any base path.
pub const SAMPLE_DIR_URL: &str = "data";

/// Rows shown in a file's preview table.
const PREVIEW_ROWS: usize = 8;

/// The numerical columns decoded from every opened file (the training worker decodes the
/// same ones).
pub fn decoded_numeric_columns() -> Vec<String> {
    vec!["trip_distance".to_string()]
}

/// Reports a file's outcome: the footer summary first, then the decoded preview.
pub fn report(handle: DatasetHandle, file_name: &str, bytes: Result<Bytes, String>) {
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(message) => {
            handle.state.set(LoadState::Failed(message));
            return;
        }
    };
    // One engine call: the footer for the card, the decoded trips for the preview.
    match open_trip_file(file_name, bytes.clone(), &decoded_numeric_columns()) {
        Ok((summary, trips)) => {
            handle.state.set(LoadState::Loaded(summary));
            let preview = match trips {
                Ok(table) => {
                    // The training worker decodes its own copy from the same bytes.
                    crate::services::train_worker::remember_file_bytes(&table.sha256_hex, bytes);
                    let preview = trip_preview(&table, PREVIEW_ROWS);
                    handle.trips.set(Some(Arc::new(table)));
                    Ok(preview)
                }
                Err(error) => Err(error.to_string()),
            };
            handle.preview.set(Some(preview));
        }
        Err(error) => handle.state.set(LoadState::Failed(error.to_string())),
    }
}

/// Inspects a parquet file's bytes with the engine; the error is the engine's message.
pub fn inspect(file_name: &str, bytes: Bytes) -> Result<FileSummary, String> {
    inspect_parquet(file_name, bytes).map_err(|e| e.to_string())
}

/// Opens the bundled sample files with their roles, fetching them in the background.
pub fn open_samples(datasets: Datasets) {
    for (file_name, role) in SAMPLE_FILES {
        let sample = datasets.open(file_name.to_string(), DataSource::BundledSample, role);
        spawn_local(async move {
            let url = format!("{SAMPLE_DIR_URL}/{file_name}");
            report(sample, file_name, fetch_bytes(&url).await);
        });
    }
}

/// Opens a file the user chose or dropped.
pub fn open_local_file(datasets: Datasets, file: web_sys::File) {
    let file_name = file.name();
    let handle = datasets.open(file_name.clone(), DataSource::LocalFile, Role::Other);
    spawn_local(async move {
        report(handle, &file_name, read_file(&file).await);
    });
}

/// Opens a file downloaded from an address the user typed.
pub fn open_downloaded(datasets: Datasets, file_name: String, bytes: Result<Bytes, String>) {
    let handle = datasets.open(file_name.clone(), DataSource::Url, Role::Other);
    report(handle, &file_name, bytes);
}
