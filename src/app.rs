//! The page: header, the file picker, and one card per opened file.

use std::sync::Arc;

use bytes::Bytes;
use flowbook_core::data::{inspect_parquet, open_trip_file, trip_preview, FileSummary, ZoneLookup};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::load::{fetch_bytes, read_file};
use crate::notebook_ui::NotebookSection;
use crate::registry::RegistryStore;
use crate::runs::RunStore;
use crate::state::{DataSource, DatasetHandle, Datasets, LoadState, Role};
use crate::ui::bench_view::BenchView;
use crate::ui::compare_view::ServerComparison;
use crate::ui::registry_panel::RegistryPanel;
use crate::ui::runs_table::RunsTable;
use crate::ui::server_runs::ServerRuns;
use crate::ui::sync_panel::{MlflowSettings, SyncPanel};
use crate::ui::url_loader::UrlLoader;
use crate::ui::{DatasetCard, FilePicker, TrainPanel};

/// The sample files bundled with the app, opened on page load with their roles: the
/// course trains on January 2021 and validates on February.
pub const SAMPLE_FILES: [(&str, Role); 2] = [
    ("green_tripdata_2021-01.parquet", Role::Train),
    ("green_tripdata_2021-02.parquet", Role::Validation),
];

/// Where the bundled sample files are served.
pub const SAMPLE_DIR_URL: &str = "/data";

/// Rows shown in a file's preview table.
const PREVIEW_ROWS: usize = 8;

/// The numerical columns decoded from every opened file (the training worker decodes the
/// same ones).
pub fn decoded_numeric_columns() -> Vec<String> {
    vec!["trip_distance".to_string()]
}

/// Reports a file's outcome: the footer summary first, then the decoded preview.
fn report(handle: DatasetHandle, file_name: &str, bytes: Result<Bytes, String>) {
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
                    crate::train_worker::remember_file_bytes(&table.sha256_hex, bytes);
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

/// The zone names, shared with every component that shows location IDs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Zones(pub RwSignal<Option<ZoneLookup>>);

/// Inspects a parquet file's bytes with the engine; the error is the engine's message.
pub fn inspect(file_name: &str, bytes: Bytes) -> Result<FileSummary, String> {
    inspect_parquet(file_name, bytes).map_err(|e| e.to_string())
}

/// True when the page was opened as `/?bench`: run the benchmark instead of the notebook.
fn bench_requested() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|search| flowbook_core::bench::bench_page(&search).is_some())
}

#[component]
pub fn App() -> impl IntoView {
    if bench_requested() {
        return view! { <main class="page"><BenchView /></main> }.into_any();
    }
    let datasets = Datasets::new();
    provide_context(datasets);
    provide_context(RunStore::open());
    provide_context(MlflowSettings::new());
    provide_context(ServerComparison::new());
    provide_context(RegistryStore::open());

    let zones = Zones(RwSignal::new(None));
    provide_context(zones);
    spawn_local(async move {
        // Without the zone table the previews show bare IDs: nothing else depends on it.
        if let Ok(bytes) = fetch_bytes(&format!("{SAMPLE_DIR_URL}/taxi_zone_lookup.csv")).await {
            zones
                .0
                .set(ZoneLookup::parse_csv("taxi_zone_lookup.csv", &bytes).ok());
        }
    });

    for (file_name, role) in SAMPLE_FILES {
        let sample = datasets.open(file_name.to_string(), DataSource::BundledSample, role);
        spawn_local(async move {
            let url = format!("{SAMPLE_DIR_URL}/{file_name}");
            report(sample, file_name, fetch_bytes(&url).await);
        });
    }

    let on_file = move |file: web_sys::File| {
        let file_name = file.name();
        let handle = datasets.open(file_name.clone(), DataSource::LocalFile, Role::Other);
        spawn_local(async move {
            report(handle, &file_name, read_file(&file).await);
        });
    };

    let on_url_bytes = move |file_name: String, bytes: Result<Bytes, String>| {
        let handle = datasets.open(file_name.clone(), DataSource::Url, Role::Other);
        report(handle, &file_name, bytes);
    };

    // Files dropped anywhere on the page open like chosen ones.
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        let Some(files) = ev.data_transfer().and_then(|t| t.files()) else {
            return;
        };
        for index in 0..files.length() {
            if let Some(file) = files.get(index) {
                on_file(file);
            }
        }
    };
    let on_dragover = |ev: web_sys::DragEvent| ev.prevent_default();

    view! {
        <header class="topbar">
            <div class="brand">
                <span class="logo" aria-hidden="true">"◆"</span>
                <h1>"Flowbook"</h1>
            </div>
            <p class="tagline">"ML experiments on NYC taxi trips, in your browser"</p>
        </header>
        <main class="page" data-testid="drop-zone" on:drop=on_drop on:dragover=on_dragover>
            <section class="card toolbar">
                <div>
                    <h2 class="card-title">"Datasets"</h2>
                    <p class="muted">
                        "January and February 2021 green taxi trips are loaded for you, as training and validation data. Open more TLC parquet or CSV files, or drop them anywhere on the page, and give each a role."
                    </p>
                </div>
                <FilePicker on_file />
                <UrlLoader on_bytes=on_url_bytes />
            </section>
            <NotebookSection />
            <TrainPanel />
            <RunsTable />
            <RegistryPanel />
            <SyncPanel />
            <ServerRuns />
            <For each=move || datasets.get() key=|dataset| dataset.id let(dataset)>
                <DatasetCard dataset />
            </For>
        </main>
    }
    .into_any()
}
