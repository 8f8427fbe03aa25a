//! One cell on screen: its header (kind, state, buttons), its settings editor and its
//! latest output; and the menu that adds a cell below another.

use flowbook_core::notebook::{
    CellKind, CellState, CompareSettings, DataSettings, DatasetRef, EvaluateSettings,
    PredictSettings, PrepareSettings, SearchCellSettings, TrainSettings,
};
use leptos::prelude::*;

use crate::views::train_progress::TrainProgress;

use super::editors::{
    CompareEditor, DataEditor, MarkdownEditor, PredictEditor, PrepareEditor, TrainEditor,
};
use super::outputs::CellOutputView;
use super::search_view::{SearchEditor, SearchProgressView};
use crate::state::notebook::{NotebookState, RunRequest};
use crate::state::notebook_runner::{request_run, rerun_if_reactive};
use crate::state::open_file::{SAMPLE_TRAIN_FILE, SAMPLE_VALIDATION_FILE};

/// Runs one cell (and then whatever reads it), as the Run button and Shift+Enter do.
pub fn run_cell_now(state: NotebookState, id: &str) {
    state.flow.update(|flow| {
        let _ = flow.edit(id);
    });
    state.reactive.set(true);
    state.remember_autorun();
    request_run(state, RunRequest::Stale);
}

fn state_name(state: &CellState) -> &'static str {
    match state {
        CellState::Fresh => "fresh",
        CellState::Stale => "stale",
        CellState::Running => "running",
        CellState::Error(_) => "error",
        CellState::Blocked(_) => "blocked",
    }
}

fn state_text(state: &CellState) -> String {
    match state {
        CellState::Error(message) => format!("error: {message}"),
        CellState::Blocked(reason) => format!("waiting: {reason}"),
        other => state_name(other).to_string(),
    }
}

#[component]
pub fn CellView(state: NotebookState, id: String) -> impl IntoView {
    let kind_name = state
        .kind_of(&id)
        .map(|k| k.name().to_string())
        .unwrap_or_default();
    let label = state.kind_of(&id).map(|k| k.label()).unwrap_or_default();
    let cell_id = StoredValue::new(id.clone());
    let collapsed = Memo::new(move |_| {
        state
            .doc
            .with(|n| n.cell(&cell_id.get_value()).is_ok_and(|c| c.collapsed))
    });
    let cell_state = Memo::new(move |_| {
        state
            .flow
            .with(|f| f.state(&cell_id.get_value()).cloned())
            .unwrap_or(CellState::Stale)
    });
    let runs = Memo::new(move |_| {
        state
            .run_counts
            .with(|c| c.get(&cell_id.get_value()).copied().unwrap_or(0))
    });
    let output = Memo::new(move |_| state.outputs.with(|o| o.get(&cell_id.get_value()).cloned()));
    let problem = RwSignal::new(None::<String>);

    let change = move |edit: fn(&mut flowbook_core::notebook::Notebook, &str)| {
        move |_| {
            state.change(|n| edit(n, &cell_id.get_value()));
            rerun_if_reactive(state);
        }
    };
    let editor = match kind_name.as_str() {
        "markdown" => view! { <MarkdownEditor state id=id.clone() problem /> }.into_any(),
        "data" => view! { <DataEditor state id=id.clone() problem /> }.into_any(),
        "prepare" => view! { <PrepareEditor state id=id.clone() problem /> }.into_any(),
        "train" => view! { <TrainEditor state id=id.clone() problem /> }.into_any(),
        "compare" => view! { <CompareEditor state id=id.clone() problem /> }.into_any(),
        "predict" => view! { <PredictEditor state id=id.clone() problem /> }.into_any(),
        "search" => view! { <SearchEditor state id=id.clone() problem /> }.into_any(),
        "monitor" => {
            view! { <super::monitor_view::MonitorEditor state id=id.clone() problem /> }.into_any()
        }
        _ => ().into_any(),
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" && ev.shift_key() && !ev.ctrl_key() && !ev.meta_key() {
            ev.prevent_default();
            ev.stop_propagation();
            run_cell_now(state, &cell_id.get_value());
        }
    };
    view! {
        <section class="nb-cell" tabindex="0" data-testid="cell" data-kind=kind_name.clone()
            data-cell-id=id.clone() data-runs=move || runs.get().to_string()
            class:nb-cell-collapsed=move || collapsed.get()
            on:keydown=on_keydown>
            <header class="nb-cell-header">
                <span class="nb-cell-kind">{label}</span>
                <span class="nb-state" data-testid="cell-state"
                    data-state=move || state_name(&cell_state.get())
                    title=move || state_text(&cell_state.get())>
                    {move || state_text(&cell_state.get())}
                </span>
                <span class="nb-cell-buttons">
                    <button class="button button-small" data-testid="cell-run" title="Run (Shift+Enter)"
                        on:click=move |_| run_cell_now(state, &cell_id.get_value())>"▶ Run"</button>
                    <button class="button button-quiet button-small" data-testid="cell-collapse"
                        title="Collapse or expand"
                        on:click=move |_| state.change(|n| {
                            let id = cell_id.get_value();
                            let now = n.cell(&id).is_ok_and(|c| c.collapsed);
                            let _ = n.set_collapsed(&id, !now);
                        })>
                        {move || if collapsed.get() { "▸" } else { "▾" }}
                    </button>
                    <button class="button button-quiet button-small" data-testid="cell-move-up" title="Move up"
                        on:click=change(|n, id| { let _ = n.move_up(id); })>"↑"</button>
                    <button class="button button-quiet button-small" data-testid="cell-move-down" title="Move down"
                        on:click=change(|n, id| { let _ = n.move_down(id); })>"↓"</button>
                    <button class="button button-quiet button-small" data-testid="cell-duplicate" title="Duplicate"
                        on:click=change(|n, id| { let _ = n.duplicate(id); })>"Duplicate"</button>
                    <button class="button button-quiet button-small" data-testid="cell-delete" title="Delete"
                        on:click=change(|n, id| { let _ = n.remove(id); })>"Delete"</button>
                </span>
            </header>
            <div class="nb-cell-body" hidden=move || collapsed.get()>
                {editor}
                {move || problem.get().map(|message| view! {
                    <p class="error-message" data-testid="cell-edit-error">{message}</p>
                })}
                {move || match cell_state.get() {
                    CellState::Error(message) => Some(view! {
                        <p class="error-message" data-testid="cell-error">{message}</p>
                    }),
                    _ => None,
                }}
                {(kind_name == "train").then(|| {
                    let progress = Signal::derive(move || {
                        state.train_progress.get().and_then(|(training, progress)| {
                            (training == cell_id.get_value()).then_some(progress)
                        })
                    });
                    view! { <TrainProgress progress /> }
                })}
                {(kind_name == "search").then(|| {
                    let progress = Signal::derive(move || {
                        state.search_progress.get().and_then(|(searching, progress)| {
                            (searching == cell_id.get_value()).then_some(progress)
                        })
                    });
                    view! { <SearchProgressView progress /> }
                })}
                {move || output.get().map(|stamped| view! { <CellOutputView output=stamped.output /> })}
            </div>
        </section>
    }
}

/// A new cell of the kind named in the add menu, with its default settings.
fn new_cell(kind: &str) -> Option<CellKind> {
    Some(match kind {
        "markdown" => CellKind::Markdown {
            source: "Write notes here, in **Markdown**.".to_string(),
        },
        "data" => CellKind::Data(DataSettings {
            train: DatasetRef::file(SAMPLE_TRAIN_FILE),
            validation: DatasetRef::file(SAMPLE_VALIDATION_FILE),
        }),
        "prepare" => CellKind::Prepare(PrepareSettings::default()),
        "train" => CellKind::Train(TrainSettings::default()),
        "evaluate" => CellKind::Evaluate(EvaluateSettings::default()),
        "compare" => CellKind::Compare(CompareSettings::default()),
        "predict" => CellKind::Predict(PredictSettings::default()),
        "search" => CellKind::Search(SearchCellSettings::default()),
        "monitor" => CellKind::Monitor(flowbook_core::notebook::MonitorSettings::default()),
        _ => return None,
    })
}

/// "Add cell" menu; the new cell goes right after `after` (at the top when `None`).
#[component]
pub fn AddCellMenu(state: NotebookState, after: Option<String>) -> impl IntoView {
    let after = StoredValue::new(after);
    let on_change = move |ev: leptos::ev::Event| {
        let Some(kind) = new_cell(&event_target_value(&ev)) else {
            return;
        };
        state.change(|n| {
            let index = after
                .get_value()
                .and_then(|id| n.index_of(&id).ok())
                .map_or(0, |i| i + 1);
            let _ = n.add(index, kind);
        });
        // Back to the prompt, ready for the next addition.
        if let Some(select) = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlSelectElement>(t).ok())
        {
            select.set_value("");
        }
        rerun_if_reactive(state);
    };
    view! {
        <div class="nb-add">
            <select data-testid="add-cell" on:change=on_change aria-label="Add a cell">
                <option value="" selected>"+ add cell…"</option>
                <option value="markdown">"Markdown"</option>
                <option value="data">"Data"</option>
                <option value="prepare">"Prepare"</option>
                <option value="train">"Train"</option>
                <option value="evaluate">"Evaluate"</option>
                <option value="compare">"Compare"</option>
                <option value="predict">"Predict"</option>
                <option value="search">"Search"</option>
                <option value="monitor">"Monitor"</option>
            </select>
        </div>
    }
}
