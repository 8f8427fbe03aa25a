//! The Data panel: opening more trip files (chosen, or from an address) and a card per
//! dataset with its role, schema and preview. Files dropped anywhere on the page open
//! through the same store (`App`).

use leptos::prelude::*;

use crate::state::datasets::Datasets;
use crate::state::open_file::{open_downloaded, open_local_file};
use crate::views::dataset_view::DatasetCard;
use crate::views::file_picker::FilePicker;
use crate::views::url_loader::UrlLoader;

#[component]
pub fn DataPanel() -> impl IntoView {
    let datasets = expect_context::<Datasets>();
    let on_file = move |file: web_sys::File| open_local_file(datasets, file);
    let on_url_bytes = move |file_name: String, bytes| open_downloaded(datasets, file_name, bytes);
    view! {
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
        <For each=move || datasets.get() key=|dataset| dataset.id let(dataset)>
            <DatasetCard dataset />
        </For>
    }
}
