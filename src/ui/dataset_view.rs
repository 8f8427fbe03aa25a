//! A dataset's card: loading, failed, or the file's summary with its schema.

use flowbook_core::data::FileSummary;
use leptos::prelude::*;

use crate::state::{DataSource, Dataset, LoadState};
use crate::ui::format::{group_digits, human_size, plural};
use crate::ui::trip_preview::TripPreviewView;

/// A dataset in any state: a spinner while loading, the error message, or the summary.
#[component]
pub fn DatasetCard(dataset: Dataset) -> impl IntoView {
    let Dataset {
        file_name,
        source,
        state,
        preview,
        ..
    } = dataset;
    move || match state.get() {
        LoadState::Loading => view! {
            <article
                class="card dataset is-loading"
                data-testid="dataset"
                data-file-name=file_name.clone()
                aria-busy="true"
            >
                <div class="loading" data-testid="loading">
                    <span class="spinner" aria-hidden="true"></span>
                    <span>"Loading " <strong>{file_name.clone()}</strong> "…"</span>
                </div>
            </article>
        }
        .into_any(),
        LoadState::Failed(message) => view! {
            <article
                class="card dataset is-error"
                data-testid="dataset"
                data-file-name=file_name.clone()
            >
                <header class="card-header">
                    <div>
                        <h2 class="card-title">{file_name.clone()}</h2>
                        <p class="muted">{source.label()}</p>
                    </div>
                    <span class="badge badge-error">"Could not open"</span>
                </header>
                <p class="error-message" role="alert" data-testid="error">
                    {message}
                </p>
            </article>
        }
        .into_any(),
        LoadState::Loaded(summary) => view! {
            <DatasetView summary source />
            {move || preview.get().map(|preview| view! { <TripPreviewView preview /> })}
        }
        .into_any(),
    }
}

/// A parquet file's summary: size, rows, row groups, digest and schema.
#[component]
pub fn DatasetView(
    summary: FileSummary,
    #[prop(default = DataSource::LocalFile)] source: DataSource,
) -> impl IntoView {
    let FileSummary {
        file_name,
        size_bytes,
        sha256_hex,
        row_count,
        row_groups,
        columns,
    } = summary;
    let column_count = columns.len() as u64;
    let subtitle = format!(
        "{} · {} · {} · {}",
        source.label(),
        human_size(size_bytes),
        plural(row_count, "row", "rows"),
        plural(column_count, "column", "columns"),
    );
    let rows = columns
        .into_iter()
        .enumerate()
        .map(|(index, column)| {
            view! {
                <tr>
                    <td class="num muted">{index + 1}</td>
                    <td class="column-name"><code>{column.name}</code></td>
                    <td><span class="type">{column.arrow_type}</span></td>
                    <td class=if column.nullable { "nullable yes" } else { "nullable no" }>
                        {if column.nullable { "yes" } else { "no" }}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <article class="card dataset" data-testid="dataset" data-file-name=file_name.clone()>
            <header class="card-header">
                <div>
                    <h2 class="card-title" data-testid="file-name">{file_name.clone()}</h2>
                    <p class="muted">{subtitle}</p>
                </div>
                <span class="badge">"Parquet"</span>
            </header>
            <dl class="stats">
                <div class="stat">
                    <dt>"Rows"</dt>
                    <dd data-testid="row-count">{row_count}</dd>
                </div>
                <div class="stat">
                    <dt>"Columns"</dt>
                    <dd data-testid="column-count">{column_count}</dd>
                </div>
                <div class="stat">
                    <dt>"Row groups"</dt>
                    <dd data-testid="row-groups">{row_groups}</dd>
                </div>
                <div class="stat">
                    <dt>"Size"</dt>
                    <dd data-testid="size" title=format!("{} bytes", group_digits(size_bytes))>
                        {human_size(size_bytes)}
                    </dd>
                </div>
            </dl>
            <p class="digest">
                <span class="digest-label">"SHA-256"</span>
                <code data-testid="sha256">{sha256_hex}</code>
            </p>
            <div class="table-wrap">
                <table class="schema" data-testid="schema">
                    <caption>"Schema"</caption>
                    <thead>
                        <tr>
                            <th class="num">"#"</th>
                            <th>"Column"</th>
                            <th>"Arrow type"</th>
                            <th>"Nullable"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </article>
    }
}
