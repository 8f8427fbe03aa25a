//! A dataset's card: loading, failed, or the file's summary with its schema.

use flowbook_core::data::FileSummary;
use leptos::prelude::*;

use crate::state::datasets::{DataSource, Dataset, Datasets, LoadState, Role};
use crate::views::format::{group_digits, human_size, plural};
use crate::views::trip_preview::TripPreviewView;

/// A dataset in any state: a spinner while loading, the error message, or the summary.
#[component]
pub fn DatasetCard(dataset: Dataset) -> impl IntoView {
    let Dataset {
        id,
        file_name,
        source,
        state,
        preview,
        role,
        ..
    } = dataset;
    let file_stem = file_name
        .rsplit_once('.')
        .map_or(file_name.clone(), |(stem, _)| stem.to_string());
    move || {
        match state.get() {
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
            <DatasetView summary source role=(id, role) />
            {
                let file_stem = file_stem.clone();
                move || {
                    preview
                        .get()
                        .map(|preview| view! { <TripPreviewView preview file_stem=file_stem.clone() /> })
                }
            }
        }
        .into_any(),
    }
    }
}

/// A parquet file's summary: size, rows, row groups, digest and schema.
#[component]
pub fn DatasetView(
    summary: FileSummary,
    #[prop(default = DataSource::LocalFile)] source: DataSource,
    /// The dataset's id and role, when the user may change the role.
    #[prop(optional)]
    role: Option<(usize, RwSignal<Role>)>,
) -> impl IntoView {
    let FileSummary {
        file_name,
        format,
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
                <div class="card-actions">
                    {role.map(|(id, role)| view! { <RolePicker id role /> })}
                    <span class="badge" data-testid="format">{format.label()}</span>
                </div>
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

/// The dataset's role in the notebook: train, validation or other.
#[component]
fn RolePicker(id: usize, role: RwSignal<Role>) -> impl IntoView {
    let datasets = use_context::<Datasets>();
    let on_change = move |ev| {
        let chosen = Role::from_key(&event_target_value(&ev));
        match datasets {
            Some(datasets) => datasets.set_role(id, chosen),
            None => role.set(chosen),
        }
    };
    view! {
        <label class="role-picker">
            "Role "
            <select data-testid="role" prop:value=move || role.get().key() on:change=on_change>
                {Role::ALL
                    .into_iter()
                    .map(|r| view! { <option value=r.key()>{r.label()}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}
