//! "Show the team's runs": the runs of an experiment on the MLflow server, read-only, page
//! by page, in a table with the same filter syntax as this browser's runs. The server and
//! sign-in are the sync panel's (`MlflowSettings`); the protocol and the conversion into
//! Flowbook runs are the engine's (`MlflowSync::list_experiments`, `search_server_runs`).

use std::collections::BTreeSet;

use flowbook_core::mlflow::{MlflowSync, PageGuard, ServerExperiment, SyncError};
use flowbook_core::store::{column_label, row_cells, select, CellValue, Column, StoredRun};
use flowbook_core::tracking::SyncState;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::services::mlflow_client::BrowserHttp;
use crate::state::mlflow_settings::MlflowSettings;
use crate::state::server_comparison::ServerComparison;
use crate::views::feedback::{Feedback, FeedbackLine, FeedbackSignal};

/// Runs per "Load more".
const PAGE_SIZE: u32 = 50;
/// Experiment pages read at most (100 experiments each) before the list is cut.
const MAX_EXPERIMENT_PAGES: usize = 20;

/// Every active experiment, all pages (up to [`MAX_EXPERIMENT_PAGES`]).
async fn all_experiments(
    sync: &MlflowSync<BrowserHttp>,
) -> Result<Vec<ServerExperiment>, SyncError> {
    let (mut experiments, mut token) = sync.list_experiments(None).await?;
    let mut pages = PageGuard::new();
    for _ in 1..MAX_EXPERIMENT_PAGES {
        let Some(next) = pages.next(&sync.config().base_url, token)? else {
            break;
        };
        let (page, after) = sync.list_experiments(Some(&next)).await?;
        experiments.extend(page);
        token = after;
    }
    Ok(experiments)
}

/// Metric columns first (what teams compare), then params; attributes around them.
fn table_columns(runs: &[StoredRun]) -> Vec<Column> {
    let metrics: BTreeSet<&String> = runs
        .iter()
        .flat_map(|s| s.run.metrics.iter().map(|m| &m.key))
        .collect();
    let params: BTreeSet<&String> = runs.iter().flat_map(|s| s.run.params.keys()).collect();
    let attribute = |name: &str| Column::parse(name).ok();
    attribute("attributes.run_name")
        .into_iter()
        .chain(attribute("attributes.status"))
        .chain(metrics.into_iter().map(|k| Column::Metric(k.clone())))
        .chain(params.into_iter().map(|k| Column::Param(k.clone())))
        .collect()
}

fn show(value: &CellValue) -> String {
    match value {
        CellValue::Missing => "—".to_string(),
        CellValue::Text(text) => text.clone(),
        CellValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
        CellValue::Number(n) => format!("{n:.6}"),
    }
}

fn raw(value: &CellValue) -> String {
    match value {
        CellValue::Number(n) => n.to_string(),
        CellValue::Text(text) => text.clone(),
        CellValue::Missing => String::new(),
    }
}

fn run_url(stored: &StoredRun) -> String {
    match &stored.run.sync {
        SyncState::Synced { url, .. } => url.clone(),
        _ => String::new(),
    }
}

#[component]
pub fn ServerRuns() -> impl IntoView {
    let settings = MlflowSettings::from_context();
    let experiments = RwSignal::new(Vec::<ServerExperiment>::new());
    let chosen = RwSignal::new(String::new());
    let runs = RwSignal::new(Vec::<StoredRun>::new());
    let compared = use_context::<ServerComparison>();
    let next_page = RwSignal::new(None::<String>);
    let filter = RwSignal::new(String::new());
    let loading: FeedbackSignal = RwSignal::new(None);
    let busy = move || matches!(loading.get(), Some(Feedback::Working(_)));

    let on_show = move |_| {
        loading.set(Some(Feedback::Working(
            "Reading the server's experiments…".into(),
        )));
        spawn_local(async move {
            let sync = MlflowSync::new(BrowserHttp, settings.config());
            match all_experiments(&sync).await {
                Ok(list) => {
                    // Maybe another server than before: forget the runs shown from the last one.
                    chosen.set(String::new());
                    runs.set(Vec::new());
                    next_page.set(None);
                    experiments.set(list);
                    loading.set(None);
                }
                Err(error) => loading.set(Some(Feedback::Failed(error.to_string()))),
            }
        });
    };

    // Reads one page of the chosen experiment; the first page replaces what is shown.
    let load_page = move |first: bool| {
        let experiment_id = chosen.get_untracked();
        if experiment_id.is_empty() {
            return;
        }
        let token = if first {
            None
        } else {
            next_page.get_untracked()
        };
        if !first && token.is_none() {
            return;
        }
        loading.set(Some(Feedback::Working("Reading runs…".into())));
        spawn_local(async move {
            let sync = MlflowSync::new(BrowserHttp, settings.config());
            let page = sync
                .search_server_runs(&experiment_id, "", token.as_deref(), PAGE_SIZE)
                .await;
            // The choice changed while this page was on its way: drop it.
            if chosen.get_untracked() != experiment_id {
                return;
            }
            match page {
                Ok((page, next)) => {
                    let page = page.into_iter().map(StoredRun::new);
                    runs.update(|runs| {
                        if first {
                            runs.clear();
                        }
                        runs.extend(page);
                    });
                    next_page.set(next);
                    loading.set(None);
                }
                Err(error) => loading.set(Some(Feedback::Failed(error.to_string()))),
            }
        });
    };

    let on_choose = move |ev| {
        chosen.set(event_target_value(&ev));
        runs.set(Vec::new());
        next_page.set(None);
        load_page(true);
    };

    // The same filter syntax and order as this browser's runs table.
    let selection =
        move || runs.with(|all| select(all, &filter.get(), None, false).map_err(|e| e.to_string()));
    let columns = move || runs.with(|all| table_columns(all));
    let header = move || {
        columns()
            .iter()
            .map(|c| view! { <th>{column_label(c)}</th> })
            .collect_view()
    };
    let body = move || {
        match selection() {
        Err(message) => view! {
            <tr><td colspan="99" class="error-message" data-testid="server-runs-filter-error">{message}</td></tr>
        }
        .into_any(),
        Ok(rows) => runs.with(|all| {
            let columns = columns();
            rows.into_iter()
                .filter_map(|i| all.get(i))
                .map(|stored| {
                    let cells = columns
                        .iter()
                        .zip(row_cells(&stored.run, &columns))
                        .map(|(column, value)| {
                            view! { <td data-column=column_label(column) data-value=raw(&value)>{show(&value)}</td> }
                        })
                        .collect_view();
                    let ticked = compared.is_some_and(|c| c.contains(&stored.run.client_id));
                    let tick = compared.map(|compared| {
                        let run = stored.clone();
                        view! {
                            <input
                                type="checkbox"
                                data-testid="server-run-select"
                                aria-label="Compare this server run"
                                prop:checked=ticked
                                on:change=move |ev| compared.set(&run, event_target_checked(&ev))
                            />
                        }
                    });
                    view! {
                        <tr data-testid="server-run-row" data-run-id=stored.run.client_id.clone()>
                            <td>{tick}</td>
                            {cells}
                            <td><a data-testid="server-run-link" href=run_url(stored) target="_blank" rel="noopener">"open ↗"</a></td>
                        </tr>
                    }
                })
                .collect_view()
                .into_any()
        }),
    }
    };
    let experiment_options = move || {
        experiments
            .get()
            .into_iter()
            .map(|e| view! { <option value=e.experiment_id.clone()>{e.name.clone()}</option> })
            .collect_view()
    };
    let summary = move || {
        let shown = selection().map(|rows| rows.len()).unwrap_or(0);
        let more = if next_page.get().is_some() {
            "; more on the server"
        } else {
            ""
        };
        format!(
            "{shown} of {} loaded run(s) shown{more}",
            runs.with(Vec::len)
        )
    };

    view! {
        <section class="card" data-testid="server-runs">
            <h2 class="card-title">"The team's runs"</h2>
            <p class="muted">
                "Runs on the MLflow server set above, read-only. Filter them like your own runs."
            </p>
            <div class="train-controls">
                <button class="button button-quiet" data-testid="server-show" prop:disabled=busy on:click=on_show>
                    "Show the team's runs"
                </button>
                <Show when=move || !experiments.with(Vec::is_empty)>
                    <label>
                        "Experiment "
                        <select data-testid="server-experiment" prop:value=move || chosen.get() on:change=on_choose>
                            <option value="">"Choose…"</option>
                            {experiment_options}
                        </select>
                    </label>
                </Show>
            </div>
            <FeedbackLine feedback=loading testid="server-runs-status" />
            <Show when=move || !chosen.get().is_empty()>
                <input
                    class="filter"
                    data-testid="server-runs-filter"
                    type="search"
                    placeholder="Filter, e.g. metrics.val_rmse < 8 and params.model = 'ridge'"
                    prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev))
                />
                <p class="muted" data-testid="server-runs-summary">{summary}</p>
                <div class="table-wrap">
                    <table class="schema runs-table" data-testid="server-runs-table">
                        <thead><tr><th>"Compare"</th>{header}<th>"MLflow"</th></tr></thead>
                        <tbody>{body}</tbody>
                    </table>
                </div>
                <button
                    class="button button-quiet"
                    data-testid="server-load-more"
                    prop:disabled=move || busy() || next_page.get().is_none()
                    on:click=move |_| load_page(false)
                >
                    "Load more"
                </button>
            </Show>
        </section>
    }
}
