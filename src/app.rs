//! The page: header, the file picker, and one card per opened file.

use bytes::Bytes;
use flowbook_core::data::{inspect_parquet, FileSummary};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::load::{fetch_bytes, read_file};
use crate::state::{DataSource, Datasets, LoadState};
use crate::ui::bench_view::BenchView;
use crate::ui::{DatasetCard, FilePicker, TrainPanel};

/// The sample file bundled with the app, opened on page load.
pub const SAMPLE_FILE: &str = "green_tripdata_2021-01.parquet";

/// Where the bundled sample files are served.
pub const SAMPLE_DIR_URL: &str = "/data";

/// Inspects a parquet file's bytes with the engine; the error is the engine's message.
pub fn inspect(file_name: &str, bytes: Bytes) -> Result<FileSummary, String> {
    inspect_parquet(file_name, bytes).map_err(|e| e.to_string())
}

/// True when the page was opened as `/?bench`: run the benchmark instead of the notebook.
fn bench_requested() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|search| search.contains("bench"))
}

#[component]
pub fn App() -> impl IntoView {
    if bench_requested() {
        return view! { <main class="page"><BenchView /></main> }.into_any();
    }
    let datasets = Datasets::new();

    let sample_state = datasets.open(SAMPLE_FILE.to_string(), DataSource::BundledSample);
    spawn_local(async move {
        let url = format!("{SAMPLE_DIR_URL}/{SAMPLE_FILE}");
        let result = match fetch_bytes(&url).await {
            Ok(bytes) => inspect(SAMPLE_FILE, bytes),
            Err(message) => Err(message),
        };
        sample_state.set(LoadState::from(result));
    });

    let on_file = move |file: web_sys::File| {
        let file_name = file.name();
        let state = datasets.open(file_name.clone(), DataSource::LocalFile);
        spawn_local(async move {
            let result = match read_file(&file).await {
                Ok(bytes) => inspect(&file_name, bytes),
                Err(message) => Err(message),
            };
            state.set(LoadState::from(result));
        });
    };

    view! {
        <header class="topbar">
            <div class="brand">
                <span class="logo" aria-hidden="true">"◆"</span>
                <h1>"Flowbook"</h1>
            </div>
            <p class="tagline">"ML experiments on NYC taxi trips, in your browser"</p>
        </header>
        <main class="page">
            <section class="card toolbar">
                <div>
                    <h2 class="card-title">"Datasets"</h2>
                    <p class="muted">
                        "A sample month of green taxi trips is loaded for you. Open more TLC parquet files to compare."
                    </p>
                </div>
                <FilePicker on_file />
            </section>
            <TrainPanel />
            <For each=move || datasets.get() key=|dataset| dataset.id let(dataset)>
                <DatasetCard dataset />
            </For>
        </main>
    }
    .into_any()
}
