//! The runs table: every recorded run, filtered with MLflow's search syntax, sorted by any
//! column, with the columns the user picks. Selection and sorting are the engine's
//! (`flowbook_core::store::select`).

use flowbook_core::store::filter::Attribute;
use flowbook_core::store::{
    column_label, columns, nest_trials, parse_order_by, row_cells, select_in_experiment,
    sort_rows_by, CellValue, Column, RunEdit, SortSpec, StoredRun,
};
use flowbook_core::tracking::SyncState;
use leptos::prelude::*;

use crate::services::load::offer_text_download;
use crate::state::mlflow_settings::MlflowSettings;
use crate::state::runs::RunStore;
use crate::state::sync::push_runs_now;
use crate::state::workspace::{Panel, Workspace};
use crate::views::experiment_picker::ExperimentPicker;
use crate::views::feedback::{Feedback, FeedbackLine};
use crate::views::format::local_time;
use crate::views::run_editor::RunEditor;
use crate::views::store_status::StoreStatusLine;

/// Columns shown before the user picks others: what the course compares.
fn default_columns() -> Vec<Column> {
    vec![
        Column::Attribute(Attribute::RunName),
        Column::Param("model".into()),
        Column::Param("alpha".into()),
        Column::Param("categorical".into()),
        Column::Metric("train_rmse".into()),
        Column::Metric("val_rmse".into()),
        Column::Metric("val_mae".into()),
        Column::Attribute(Attribute::StartTime),
    ]
}

/// A cell as text: times as local dates, errors to 6 decimals, counts as integers.
fn show(column: &Column, value: &CellValue) -> String {
    match (column, value) {
        (_, CellValue::Missing) => "—".to_string(),
        (_, CellValue::Text(text)) => text.clone(),
        (Column::Attribute(Attribute::StartTime | Attribute::EndTime), CellValue::Number(ms)) => {
            local_time(*ms)
        }
        (_, CellValue::Number(n)) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
        (_, CellValue::Number(n)) => format!("{n:.6}"),
    }
}

fn raw(value: &CellValue) -> String {
    match value {
        CellValue::Number(n) => n.to_string(),
        CellValue::Text(text) => text.clone(),
        CellValue::Missing => String::new(),
    }
}

/// A run's sync state as its cell shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum SyncView {
    Pending,
    /// On the server, with a web link to the run there.
    Link(String),
    Synced,
    Failed(String),
}

impl SyncView {
    fn of(sync: &SyncState) -> SyncView {
        match sync {
            SyncState::Pending => SyncView::Pending,
            // Only web links: a run record from an imported file could carry any URL.
            SyncState::Synced { url, .. }
                if url.starts_with("http://") || url.starts_with("https://") =>
            {
                SyncView::Link(url.clone())
            }
            SyncState::Synced { .. } => SyncView::Synced,
            SyncState::Failed { reason } => SyncView::Failed(reason.clone()),
        }
    }
}

/// A run's sync state: pending, a link to the run on the server, or the failure; a run
/// not on the server yet can be pushed on its own (the failure's reason is its tooltip).
fn sync_cell(sync: SyncView, push: Option<PushOne>) -> impl IntoView {
    let button = move |label: &'static str| {
        push.map(|push| {
            view! {
                <button class="button button-quiet button-small" data-testid="push-run" on:click=move |_| push.run()>
                    {label}
                </button>
            }
        })
    };
    match sync {
        SyncView::Pending => view! {
            <td data-testid="sync-state" data-state="pending" class="muted">"pending " {button("Push")}</td>
        }
        .into_any(),
        SyncView::Link(url) => view! {
            <td data-testid="sync-state" data-state="synced">
                <a href=url target="_blank" rel="noopener">"synced"</a>
            </td>
        }
        .into_any(),
        SyncView::Synced => view! {
            <td data-testid="sync-state" data-state="synced">"synced"</td>
        }
        .into_any(),
        SyncView::Failed(reason) => view! {
            <td data-testid="sync-state" data-state="failed" class="error-message" title=reason>
                "failed " {button("Retry")}
            </td>
        }
        .into_any(),
    }
}

/// Pushes one run to the MLflow server of the sync panel's settings.
#[derive(Clone, Copy)]
struct PushOne {
    settings: MlflowSettings,
    store: RunStore,
    client_id: StoredValue<String>,
}

impl PushOne {
    fn run(self) {
        let client_id = self.client_id.get_value();
        leptos::task::spawn_local(async move {
            push_runs_now(self.settings, self.store, Some(vec![client_id]))
                .await
                .ok();
        });
    }
}

/// The tick box that puts a run in the comparison.
fn select_cell(compared: RwSignal<Vec<String>>, id: String) -> impl IntoView {
    let checked = compared.with_untracked(|c| c.contains(&id));
    view! {
        <td>
            <input
                type="checkbox"
                data-testid="run-select"
                aria-label="Compare this run"
                prop:checked=checked
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    compared.update(|c| {
                        c.retain(|x| *x != id);
                        if on {
                            c.push(id.clone());
                        }
                    });
                }
            />
        </td>
    }
}

/// Edit, and delete or restore (soft: a deleted run is only hidden).
fn actions_cell(
    store: RunStore,
    editing: RwSignal<Option<String>>,
    id: String,
    deleted: bool,
) -> impl IntoView {
    let edit_id = id.clone();
    let (test_id, label, change) = if deleted {
        ("run-restore", "Restore", RunEdit::Restore)
    } else {
        ("run-delete", "Delete", RunEdit::Delete)
    };
    view! {
        <td class="run-actions">
            <button class="button button-quiet" data-testid="run-edit" on:click=move |_| editing.set(Some(edit_id.clone()))>
                "Edit"
            </button>
            <button
                class="button button-quiet"
                data-testid=test_id
                on:click=move |_| {
                    // The run exists (its row is shown), so the edit cannot fail.
                    let _ = store.edit(&id, change.clone());
                }
            >
                {label}
            </button>
        </td>
    }
}

#[component]
pub fn RunsTable() -> impl IntoView {
    let store = expect_context::<RunStore>();
    let settings = use_context::<MlflowSettings>();
    let filter = RwSignal::new(String::new());
    let sort = RwSignal::new(None::<SortSpec>);
    // MLflow's order_by text (several keys); when given it decides over a header's sort.
    let order_by = RwSignal::new(String::new());
    let chosen = RwSignal::new(default_columns());
    let show_deleted = RwSignal::new(false);
    // The run open in the editor, and the runs ticked for comparing (client ids).
    let editing = RwSignal::new(None::<String>);
    let workspace = expect_context::<Workspace>();
    let compared = workspace.compared;
    let ticked = move || workspace.ticked_count(&store);
    // Searches whose trial runs are shown under them (parent client ids).
    let expanded = RwSignal::new(std::collections::HashSet::<String>::new());

    let selection = move || {
        let experiment = store.current.get();
        let order = parse_order_by(&order_by.get()).map_err(|e| format!("order by: {e}"))?;
        store.runs.with(|runs| {
            let sort = sort.get().filter(|_| order.is_empty());
            let mut rows = select_in_experiment(
                runs,
                &experiment,
                &filter.get(),
                sort.as_ref(),
                show_deleted.get(),
            )
            .map_err(|e| e.to_string())?;
            if !order.is_empty() {
                sort_rows_by(runs, &mut rows, &order);
            }
            Ok::<_, String>(rows)
        })
    };
    let on_header = move |column: Column| {
        sort.update(|current| {
            *current = Some(match current {
                Some(spec) if spec.column == column => SortSpec {
                    column,
                    descending: !spec.descending,
                },
                _ => SortSpec {
                    column,
                    descending: false,
                },
            });
        });
    };
    let header = move || {
        chosen
            .get()
            .into_iter()
            .map(|column| {
                let label = column_label(&column);
                let arrow = match sort.get() {
                    Some(spec) if spec.column == column && spec.descending => " ▼",
                    Some(spec) if spec.column == column => " ▲",
                    _ => "",
                };
                let key = column.clone();
                view! {
                    <th>
                        <button class="sort" data-column=label.clone() on:click=move |_| on_header(key.clone())>
                            {label.clone()}{arrow}
                        </button>
                    </th>
                }
            })
            .collect_view()
    };
    // The table's lines, each keyed by everything it shows: a change re-renders only the
    // lines it touches, and the others (their tick boxes, their focus) stay as they are.
    let lines = Memo::new(move |_| {
        let rows = selection()?;
        let columns = chosen.get();
        let open = expanded.get();
        Ok::<_, String>(store.runs.with(|runs| {
            let shown: Vec<&StoredRun> = rows.into_iter().filter_map(|i| runs.get(i)).collect();
            body_lines(&nest_trials(&shown), &columns, &open)
        }))
    });
    let filter_error = move || {
        lines.with(|l| l.as_ref().err().cloned()).map(|message| {
            view! {
                <tr><td colspan="99" class="error-message" data-testid="runs-filter-error">{message}</td></tr>
            }
        })
    };
    let body = view! {
        {filter_error}
        <For
            each=move || lines.get().unwrap_or_default()
            key=|line| line.clone()
            children=move |line| match line {
                BodyLine::Run(run) => view! { <RunRow run store settings editing compared /> }.into_any(),
                BodyLine::Toggle { parent, count, open } => {
                    view! { <ChildrenToggle parent count open expanded /> }.into_any()
                }
            }
        />
    };
    let picker = move || {
        store.runs.with(|runs| {
            columns(runs.iter().map(|stored| &stored.run))
                .into_iter()
                .map(|column| {
                    let label = column_label(&column);
                    let checked = chosen.with(|c| c.contains(&column));
                    let toggle = column.clone();
                    view! {
                        <label class="column-choice">
                            <input
                                type="checkbox"
                                prop:checked=checked
                                on:change=move |_| chosen.update(|c| {
                                    if let Some(at) = c.iter().position(|x| *x == toggle) {
                                        c.remove(at);
                                    } else {
                                        c.push(toggle.clone());
                                    }
                                })
                            />
                            {label}
                        </label>
                    }
                })
                .collect_view()
        })
    };
    let count = move || store.runs.with(Vec::len);
    let exchange = RwSignal::new(None::<Result<String, String>>);
    let registry_store = use_context::<crate::state::registry::RegistryStore>();
    let on_export = move |_| {
        let registry = registry_store
            .map(|r| r.registry.get_untracked())
            .unwrap_or_default();
        // Runs loaded on page open hold their files' names only: read the files back.
        leptos::task::spawn_local(async move {
            let written = match store.export_file(&registry).await {
                Ok(text) => offer_text_download("flowbook-experiment.json", &text),
                Err(message) => Err(message),
            };
            if let Err(message) = written {
                exchange.set(Some(Err(message)));
            }
        });
    };
    let on_import = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        input.set_value("");
        leptos::task::spawn_local(async move {
            let outcome = match crate::services::load::read_file(&file).await {
                Ok(bytes) => {
                    match std::str::from_utf8(&bytes) {
                        Ok(text) => match store.import_file(text) {
                            Ok((said, models)) => Ok(match registry_store {
                                Some(registry) if !models.is_empty() => {
                                    match registry.change(move |r, _| Ok(r.merge(models))).await {
                                    Ok(added) => format!("{said} {added} model version(s) added to the registry."),
                                    Err(e) => format!("{said} Its registry entries were not added: {e}"),
                                }
                                }
                                _ => said,
                            }),
                            Err(e) => Err(e),
                        },
                        Err(_) => Err(format!(
                            "{}: this is not a text file, so not an experiment file.",
                            file.name()
                        )),
                    }
                }
                Err(message) => Err(message),
            };
            exchange.set(Some(
                outcome.map_err(|e| format!("Could not import {}: {e}", file.name())),
            ));
        });
    };

    view! {
        <section class="card" data-testid="runs" data-saving=move || store.saving.get().to_string()>
            <header class="card-header">
                <div>
                    <h2 class="card-title">"Runs"</h2>
                    <p class="muted">
                        {move || format!("{} recorded in this browser. Every training is kept, also offline and across reloads.", count())}
                    </p>
                </div>
            </header>
            <StoreStatusLine status=store.status retry=move || reload_page() testid="runs-status"
                loading="Loading saved runs…" file_name="flowbook-runs-unreadable.json" />
            <StoreStatusLine status=store.experiments_status retry=move || store.reload_experiments()
                testid="experiments-status" loading="Loading the saved experiments…"
                file_name="flowbook-experiments-as-stored.json" />
            <div class="train-controls">
                <button
                    class="button button-quiet"
                    data-testid="open-compare"
                    title=move || (ticked() == 0).then_some("Tick runs in the Compare column first")
                    prop:disabled=move || ticked() == 0
                    on:click=move |_| workspace.set_open(Some(Panel::Compare))
                >
                    {move || format!("Compare ticked ({})", ticked())}
                </button>
                <button class="button button-quiet" data-testid="export-experiment" on:click=on_export>
                    "Export experiment"
                </button>
                <label class="button button-quiet">
                    "Import experiment…"
                    <input data-testid="import-experiment" type="file" accept=".json,application/json" hidden on:change=on_import />
                </label>
            </div>
            <FeedbackLine feedback=Signal::derive(move || exchange.get().map(Feedback::from)) testid="exchange-status" />
            <ExperimentPicker />
            <input
                class="filter"
                data-testid="runs-filter"
                type="search"
                placeholder="Filter, e.g. metrics.val_rmse < 8 and params.model = 'ridge'"
                prop:value=move || filter.get()
                on:input=move |ev| filter.set(event_target_value(&ev))
            />
            <input
                class="filter order-by"
                data-testid="runs-order-by"
                type="search"
                placeholder="Order by, e.g. metrics.val_rmse ASC, start_time DESC"
                prop:value=move || order_by.get()
                on:input=move |ev| order_by.set(event_target_value(&ev))
            />
            <label class="show-deleted">
                <input
                    type="checkbox"
                    data-testid="show-deleted"
                    prop:checked=move || show_deleted.get()
                    on:change=move |ev| show_deleted.set(event_target_checked(&ev))
                />
                " Show deleted"
            </label>
            <details class="column-picker">
                <summary>"Columns"</summary>
                <div class="column-choices">{picker}</div>
            </details>
            <div class="table-wrap">
                <table class="schema runs-table" data-testid="runs-table">
                    <thead><tr><th>"Compare"</th>{header}<th>"MLflow"</th><th>"Run"</th></tr></thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
            <RunEditor editing=editing />
        </section>
    }
}

/// One cell of a run's row, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ShownCell {
    column: String,
    raw: String,
    text: String,
}

/// A run's row, as shown: its key in the table is all of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RunLine {
    id: String,
    parent: Option<String>,
    deleted: bool,
    cells: Vec<ShownCell>,
    sync: SyncView,
}

/// A line of the table's body: a run, or the button that shows a search's trials.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum BodyLine {
    Run(RunLine),
    Toggle {
        parent: String,
        count: usize,
        open: bool,
    },
}

fn run_line(stored: &StoredRun, columns: &[Column], parent: Option<String>) -> RunLine {
    RunLine {
        id: stored.run.client_id.clone(),
        parent,
        deleted: stored.is_deleted(),
        cells: columns
            .iter()
            .zip(row_cells(&stored.run, columns))
            .map(|(column, value)| ShownCell {
                column: column_label(column),
                raw: raw(&value),
                text: show(column, &value),
            })
            .collect(),
        sync: SyncView::of(&stored.run.sync),
    }
}

/// The body's lines: each group's parent, the toggle of its trials if it has any, and the
/// trials themselves when the group is open.
fn body_lines(
    groups: &[(&StoredRun, Vec<&StoredRun>)],
    columns: &[Column],
    open: &std::collections::HashSet<String>,
) -> Vec<BodyLine> {
    let mut lines = Vec::new();
    for (parent, children) in groups {
        let id = &parent.run.client_id;
        lines.push(BodyLine::Run(run_line(parent, columns, None)));
        if children.is_empty() {
            continue;
        }
        let is_open = open.contains(id);
        lines.push(BodyLine::Toggle {
            parent: id.clone(),
            count: children.len(),
            open: is_open,
        });
        if is_open {
            lines.extend(
                children
                    .iter()
                    .map(|child| BodyLine::Run(run_line(child, columns, Some(id.clone())))),
            );
        }
    }
    lines
}

/// One run's row: tick box, the chosen columns, its sync state, its actions.
#[component]
fn RunRow(
    run: RunLine,
    store: RunStore,
    settings: Option<MlflowSettings>,
    editing: RwSignal<Option<String>>,
    compared: RwSignal<Vec<String>>,
) -> impl IntoView {
    let RunLine {
        id,
        parent,
        deleted,
        cells,
        sync,
    } = run;
    let push = settings.map(|settings| PushOne {
        settings,
        store,
        client_id: StoredValue::new(id.clone()),
    });
    let child = parent.is_some();
    let cells = cells
        .into_iter()
        .map(|c| view! { <td data-column=c.column data-value=c.raw>{c.text}</td> })
        .collect_view();
    let select = select_cell(compared, id.clone());
    let actions = actions_cell(store, editing, id.clone(), deleted);
    let sync = sync_cell(sync, push);
    view! {
        <tr data-testid="run-row" data-client-id=id data-deleted=deleted.to_string()
            data-parent=parent class:deleted=deleted class:run-child=child>
            {select}
            {cells}
            {sync}
            {actions}
        </tr>
    }
}

/// The button that shows or hides a search's `count` trial runs.
#[component]
fn ChildrenToggle(
    parent: String,
    count: usize,
    open: bool,
    expanded: RwSignal<std::collections::HashSet<String>>,
) -> impl IntoView {
    let key = parent.clone();
    view! {
        <tr class="run-children-toggle" data-testid="run-children-toggle" data-parent=parent
            data-children=count.to_string()>
            <td colspan="99">
                <button class="button button-quiet button-small"
                    on:click=move |_| expanded.update(|e| {
                        if !e.remove(&key) {
                            e.insert(key.clone());
                        }
                    })>
                    {format!("{} {count} trial run(s)", if open { "▾" } else { "▸" })}
                </button>
            </td>
        </tr>
    }
}

/// The runs load once per page: trying again is loading the page again.
fn reload_page() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
