//! The page's root: provides the stores as context, opens the bundled samples and mounts
//! the views. Nothing else lives here.

use leptos::prelude::*;

use crate::state::datasets::Datasets;
use crate::state::mlflow_settings::MlflowSettings;
use crate::state::open_file::{open_local_file, open_samples};
use crate::state::registry::RegistryStore;
use crate::state::runs::RunStore;
use crate::state::server_comparison::ServerComparison;
use crate::state::workspace::{Panel, Workspace};
use crate::state::zones::Zones;
use crate::views::bench_view::BenchView;
use crate::views::compare_view::CompareView;
use crate::views::data_panel::DataPanel;
use crate::views::notebook::NotebookSection;
use crate::views::registry_panel::RegistryPanel;
use crate::views::runs_table::RunsTable;
use crate::views::server_runs::ServerRuns;
use crate::views::sync_panel::SyncPanel;
use crate::views::workspace::{PanelTabs, SidePanel};

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

    let workspace = Workspace::new();
    provide_context(workspace);

    let on_file = move |file: web_sys::File| open_local_file(datasets, file);

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
            <PanelTabs />
        </header>
        <main
            class="workspace"
            class:with-panel=move || workspace.open.get().is_some()
            data-testid="drop-zone"
            on:drop=on_drop
            on:dragover=on_dragover
        >
            <div class="notebook-column">
                <NotebookSection />
            </div>
            <SidePanel content=panel_content />
        </main>
    }
    .into_any()
}

/// What each side panel shows.
fn panel_content(panel: Panel) -> AnyView {
    match panel {
        Panel::Data => view! { <DataPanel /> }.into_any(),
        Panel::Runs => view! { <RunsTable /> }.into_any(),
        Panel::Compare => {
            let compared = expect_context::<Workspace>().compared;
            view! { <CompareView compared /> }.into_any()
        }
        Panel::Registry => view! { <RegistryPanel /> }.into_any(),
        Panel::Mlflow => view! { <SyncPanel /> <ServerRuns /> }.into_any(),
    }
}
