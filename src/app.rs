//! The page's root: provides the stores as context, opens the bundled samples and mounts
//! the views. Nothing else lives here.

use leptos::prelude::*;

use crate::state::datasets::Datasets;
use crate::state::mlflow_settings::MlflowSettings;
use crate::state::open_file::{open_downloaded, open_local_file, open_samples};
use crate::state::registry::RegistryStore;
use crate::state::runs::RunStore;
use crate::state::server_comparison::ServerComparison;
use crate::state::zones::Zones;
use crate::views::bench_view::BenchView;
use crate::views::notebook::NotebookSection;
use crate::views::registry_panel::RegistryPanel;
use crate::views::runs_table::RunsTable;
use crate::views::server_runs::ServerRuns;
use crate::views::sync_panel::SyncPanel;
use crate::views::url_loader::UrlLoader;
use crate::views::{DatasetCard, FilePicker, TrainPanel};

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
    let (runs, registry) = (RunStore::open(), RegistryStore::open());
    provide_context(runs);
    provide_context(MlflowSettings::new());
    provide_context(ServerComparison::new());
    provide_context(registry);
    crate::state::other_tabs::follow_other_tabs(runs, registry);

    let zones = Zones::new();
    provide_context(zones);
    zones.load_bundled();
    open_samples(datasets);
    // The worker's wasm downloads and compiles while the page renders and decodes the samples.
    crate::services::train_worker::prewarm();

    let on_file = move |file: web_sys::File| open_local_file(datasets, file);
    let on_url_bytes = move |file_name: String, bytes| open_downloaded(datasets, file_name, bytes);

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
