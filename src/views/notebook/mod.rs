//! The notebook section of the page: a toolbar (Run all, Save, Open, messages) over the
//! cells of the notebook document. The document, its dataflow and the file format are the
//! engine's (`flowbook_core::notebook`); this module shows them and runs the cells.
//!
//! The notebook's state and its runner are in `crate::state::notebook` and
//! `crate::state::notebook_runner`.
//!
//! - [`cell_view`]: one cell's frame, and the add-cell menu.
//! - [`editors`]: each kind's settings editor.
//! - [`outputs`]: each kind's result.

pub mod cell_view;
pub mod editors;
pub mod monitor_view;
pub mod outputs;
pub mod search_view;
pub mod tree_editor;

use flowbook_core::notebook::{open_bytes, save, CellKind, Notebook, Opened};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::services::load::{
    fetch_bytes_with_progress, offer_download, offer_text_download, read_file, MAX_NOTEBOOK_BYTES,
};
use crate::state::datasets::{Datasets, Role, RoleHolder};
use crate::state::notebook::{stored_notebook, NotebookState, RunRequest};
use crate::state::notebook_runner::request_run;
use crate::state::other_tabs::follow_notebook_in_other_tabs;
use crate::state::runs::RunStore;
use cell_view::{AddCellMenu, CellView};

/// The address in `?notebook=<url>`, if the page was opened with one.
fn notebook_url() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let query = search.strip_prefix('?').unwrap_or(&search);
    query.split('&').find_map(|pair| {
        let value = pair.strip_prefix("notebook=")?;
        js_sys::decode_uri_component(value)
            .ok()
            .and_then(|v| v.as_string())
    })
}

/// The page's address without its `notebook` parameter: where the address bar points
/// once the user kept the shared notebook or went back to theirs, so a reload shows
/// their own.
fn forget_notebook_url() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let (Ok(path), Ok(search), Ok(hash)) =
        (location.pathname(), location.search(), location.hash())
    else {
        return;
    };
    let kept: Vec<&str> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("notebook="))
        .collect();
    let query = if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", kept.join("&"))
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}{query}{hash}")),
        );
    }
}

/// Where an opened notebook came from: a file the user chose becomes their notebook; a
/// link's notebook is shown as its own document.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    ChosenFile,
    Link,
}

/// Puts an opened notebook file in place, or says why it cannot be; the notebook on
/// screen stays as it was when the file is not a readable notebook.
fn take_opened(state: NotebookState, source: &str, from: Source, opened: Result<Opened, String>) {
    match opened {
        Ok(Opened { notebook, warnings }) => {
            let missing_files = take_roles_from(&notebook, state.datasets);
            match from {
                Source::ChosenFile => state.replace(notebook),
                Source::Link => state.show_shared(notebook, source),
            }
            let mut message = format!("Opened {source}.");
            for warning in warnings.into_iter().chain(missing_files) {
                message.push(' ');
                message.push_str(&warning);
            }
            state.message.set(Some(Ok(message)));
            if state.reactive.get_untracked() {
                request_run(state, RunRequest::All);
            }
        }
        Err(message) => state
            .message
            .set(Some(Err(format!("Could not open {source}: {message}")))),
    }
}

/// Gives the train and validation roles to the files the notebook's Data cell names, so
/// a notebook handed round reads the same months everywhere. Returns what to tell the
/// user about named files that are not open in this page.
fn take_roles_from(notebook: &Notebook, datasets: Datasets) -> Vec<String> {
    let Some(data) = notebook.cells.iter().find_map(|cell| match &cell.kind {
        CellKind::Data(data) => Some(data),
        _ => None,
    }) else {
        return Vec::new();
    };
    [(Role::Train, &data.train), (Role::Validation, &data.validation)]
        .into_iter()
        .filter(|(role, file)| {
            !file.file_name.is_empty() && !datasets.set_role_by_name(&file.file_name, *role)
        })
        .map(|(role, file)| {
            let purpose = if role == Role::Train { "training" } else { "validation" };
            format!(
                "Its {purpose} data is {}, which is not open here: open that file, then choose it in the Data cell.",
                file.file_name
            )
        })
        .collect()
}

fn open_result(bytes: Result<bytes::Bytes, String>) -> Result<Opened, String> {
    open_bytes(&bytes?).map_err(|e| e.to_string())
}

/// Which decoded tables hold the train and validation roles: a change means the Data
/// cells' results are out of date.
fn ready_tables(datasets: Datasets) -> (Option<usize>, Option<usize>) {
    let key = |role| match datasets.holder(role) {
        RoleHolder::Ready(table) => Some(std::sync::Arc::as_ptr(&table) as usize),
        _ => None,
    };
    (key(Role::Train), key(Role::Validation))
}

#[component]
pub fn NotebookSection() -> impl IntoView {
    let datasets = expect_context::<Datasets>();
    let (notebook, problem) = stored_notebook();
    let state = NotebookState::new(
        notebook,
        datasets,
        use_context::<RunStore>(),
        use_context::<crate::state::zones::Zones>(),
    );
    state.saved_unreadable.set(problem);
    follow_notebook_in_other_tabs(state);
    if let Some(url) = notebook_url() {
        // A link runs nothing by itself: not the shared notebook, nor the user's own
        // while the shared one downloads.
        state.reactive.set(false);
        spawn_local(async move {
            let bytes =
                fetch_bytes_with_progress(&url, MAX_NOTEBOOK_BYTES, "a notebook file", |_, _| {})
                    .await;
            take_opened(state, &url, Source::Link, open_result(bytes));
        });
    }

    // New data in the train or validation role: the Data cells (and what reads them) are
    // stale, and run again once the user has run the notebook.
    let tables = Memo::new(move |_| ready_tables(datasets));
    Effect::new(move |previous: Option<()>| {
        let (train, validation) = tables.get();
        if previous.is_none() && (train.is_none() || validation.is_none()) {
            return;
        }
        let data_cells: Vec<String> = state.doc.with_untracked(|n| {
            n.cells
                .iter()
                .filter(|c| c.kind.name() == "data")
                .map(|c| c.id.clone())
                .collect()
        });
        state.flow.update(|flow| {
            for id in &data_cells {
                let _ = flow.edit(id);
            }
        });
        if state.reactive.get_untracked() && train.is_some() && validation.is_some() {
            request_run(state, RunRequest::Stale);
        }
    });

    let run_all = move || {
        state.reactive.set(true);
        state.remember_autorun();
        request_run(state, RunRequest::All);
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            run_all();
        }
    };
    let on_save = move |_| {
        let text = state.doc.with_untracked(save);
        let url = format!(
            "data:application/json;charset=utf-8,{}",
            String::from(js_sys::encode_uri_component(&text))
        );
        if let Err(message) = offer_download(&url, "flowbook-notebook.json") {
            state
                .message
                .set(Some(Err(format!("Could not save the notebook: {message}"))));
        }
    };
    let on_open = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        // Choosing the same file again must fire `change` again.
        input.set_value("");
        spawn_local(async move {
            let name = file.name();
            take_opened(
                state,
                &name,
                Source::ChosenFile,
                open_result(read_file(&file).await),
            );
        });
    };
    let ids = Memo::new(move |_| {
        state
            .doc
            .with(|n| n.cells.iter().map(|c| c.id.clone()).collect::<Vec<_>>())
    });
    view! {
        <section class="card notebook" data-testid="notebook" on:keydown=on_keydown>
            <header class="nb-toolbar">
                <h2 class="card-title" data-testid="notebook-title">{move || state.doc.with(|n| n.title.clone())}</h2>
                <button class="button" data-testid="run-all" title="Run all (Ctrl+Enter)" on:click=move |_| run_all()>
                    "▶ Run all"
                </button>
                <button class="button button-quiet" data-testid="save-notebook" on:click=on_save>
                    "Save notebook"
                </button>
                <label class="button button-quiet nb-open">
                    "Open notebook"
                    <input type="file" accept=".json,application/json" data-testid="open-notebook" on:change=on_open />
                </label>
                <label class="nb-run-on-open" title="Run the notebook by itself each time Flowbook opens">
                    <input type="checkbox" data-testid="run-on-open"
                        prop:checked=move || state.run_on_open.get()
                        on:change=move |ev| state.set_run_on_open(event_target_checked(&ev)) />
                    " Run on open"
                </label>
                <span class="muted nb-keys">"Shift+Enter runs a cell · Ctrl+Enter runs all"</span>
            </header>
            <SharedBanner state />
            <UnreadableSaved state />
            {move || state.message.get().map(|message| {
                let is_problem = message.is_err();
                let text = message.unwrap_or_else(|problem| problem);
                view! {
                    <p class="nb-message" class:nb-message-problem=is_problem data-testid="notebook-message">
                        {text}
                    </p>
                }
            })}
            <AddCellMenu state after=None />
            <For each=move || ids.get() key=|id| id.clone() let(id)>
                <CellView state id=id.clone() />
                <AddCellMenu state after=Some(id) />
            </For>
        </section>
    }
}

/// Above the notebook while the saved one cannot be read: why, and its text as a file, a
/// retry, or giving it up for the one on screen.
#[component]
fn UnreadableSaved(state: NotebookState) -> impl IntoView {
    let export_failed = RwSignal::new(None::<String>);
    move || {
        state.saved_unreadable.get().map(|saved| {
            let raw = saved.raw.clone();
            view! {
                <div class="store-unreadable" data-testid="notebook-unreadable">
                    <p class="error-message" data-testid="notebook-unreadable-message">{saved.message}</p>
                    <button class="button button-small" data-testid="notebook-unreadable-export"
                        on:click=move |_| export_failed.set(offer_text_download("flowbook-notebook-saved.json", &raw).err())>
                        "Export the saved notebook"
                    </button>
                    <button class="button button-small button-quiet" data-testid="notebook-unreadable-retry"
                        on:click=move |_| state.retry_saved()>
                        "Try again"
                    </button>
                    <button class="button button-small button-quiet" data-testid="notebook-unreadable-discard"
                        on:click=move |_| state.discard_unreadable()>
                        "Discard it and keep this one"
                    </button>
                    {move || export_failed.get().map(|e| view! { <p class="error-message">{e}</p> })}
                </div>
            }
        })
    }
}

/// Above a notebook opened from a link: whose it is, that the user's own is kept, and the
/// two ways on.
#[component]
fn SharedBanner(state: NotebookState) -> impl IntoView {
    let keep = move |_| {
        state.keep_shared();
        forget_notebook_url();
        state.message.set(Some(Ok(
            "This notebook is now yours: it is kept for your next visit.".into(),
        )));
    };
    let back = move |_| {
        state.back_to_own();
        forget_notebook_url();
        state.message.set(Some(Ok("Back to your notebook.".into())));
    };
    move || {
        state.shared.get().map(|address| {
            let shown = address.clone();
            view! {
                <div class="nb-shared" data-testid="shared-notebook" data-address=address.clone()>
                    <p>
                        "This notebook was shared at " <code>{shown}</code>
                        ". Your own notebook is kept as it was: edits here are not saved unless you keep this one, and nothing runs until you press Run all."
                    </p>
                    <button class="button" data-testid="keep-shared" on:click=keep>"Keep this one"</button>
                    <button class="button button-quiet" data-testid="back-to-mine" on:click=back>"Back to mine"</button>
                </div>
            }
        })
    }
}
