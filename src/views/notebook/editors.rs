//! The settings editors of each cell kind. An editor reads its cell's settings from the
//! document and writes a whole new settings value back through `commit`: the document,
//! the dataflow and the saved copy change together, and the stale cells re-run.

use flowbook_core::features::Categorical;
use flowbook_core::notebook::{
    render_markdown_with, CellKind, CompareSettings, DataSettings, DatasetRef, PredictSettings,
    PrepareSettings, TrainSettings, TREES_MODEL,
};
use flowbook_core::notebook::{RemoteImages, RenderedMarkdown};
use flowbook_core::trees::TreeParams;
use leptos::prelude::*;

use super::tree_editor::TreeSettingsEditor;
use crate::state::datasets::Role;
use crate::state::notebook::{settings, NotebookState};
use crate::state::notebook_runner::commit;
use crate::views::form::parse_number;
use crate::views::train_result::model_options_with_trees;

fn parse_zone(label: &str, text: &str) -> Result<i64, String> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| format!("{label} must be a taxi zone number such as 74 (got {text:?})"))
}

#[component]
pub fn MarkdownEditor(
    state: NotebookState,
    id: String,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let source = settings(state, id.clone(), |k| match k {
        CellKind::Markdown { source } => Some(source),
        _ => None,
    });
    let editing = RwSignal::new(false);
    let rendered = Memo::new(move |_| {
        render_markdown_with(&source.get().unwrap_or_default(), state.remote_images.get())
    });
    let held_back = held_back_images(state, rendered);
    let on_change = move |ev| {
        let source = event_target_value(&ev);
        commit(state, &id, CellKind::Markdown { source }, problem);
    };
    view! {
        <div class="markdown-cell">
            <button class="button button-quiet cell-edit-toggle" data-testid="markdown-edit"
                on:click=move |_| editing.update(|e| *e = !*e)>
                {move || if editing.get() { "Done" } else { "Edit" }}
            </button>
            <Show when=move || editing.get()>
                <textarea class="markdown-source" data-testid="markdown-source" rows="8"
                    prop:value=move || source.get().unwrap_or_default()
                    on:change=on_change.clone()></textarea>
            </Show>
            <div class="markdown-body" data-testid="markdown-html"
                inner_html=move || rendered.with(|r| r.html.clone())></div>
            {held_back}
        </div>
    }
}

/// The line under a note whose images from other hosts are held back: which hosts, and
/// a button that shows the notebook's images (for as long as this notebook is on screen).
fn held_back_images(state: NotebookState, rendered: Memo<RenderedMarkdown>) -> impl IntoView {
    move || {
        let hosts = rendered.with(|r| r.blocked_hosts.clone());
        (!hosts.is_empty()).then(|| {
            view! {
                <p class="muted blocked-images" data-testid="blocked-images">
                    {format!(
                        "Images from {} are not loaded: loading them tells those sites that this notebook was opened. ",
                        hosts.join(", ")
                    )}
                    <button class="button button-small button-quiet" data-testid="show-images"
                        on:click=move |_| state.remote_images.set(RemoteImages::Allowed)>
                        "Show images"
                    </button>
                </p>
            }
        })
    }
}

#[component]
pub fn DataEditor(
    state: NotebookState,
    id: String,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let datasets = state.datasets;
    let role_picker = move |role: Role, testid: &'static str| {
        let id = id.clone();
        let current = move || {
            datasets
                .get()
                .into_iter()
                .find(|d| d.role.get() == role)
                .map(|d| d.id.to_string())
                .unwrap_or_default()
        };
        let on_change = move |ev| {
            let Ok(chosen) = event_target_value(&ev).parse::<usize>() else {
                return;
            };
            datasets.set_role(chosen, role);
            let name = |r: Role| {
                untrack(|| datasets.get())
                    .into_iter()
                    .find(|d| d.role.get_untracked() == r)
                    .map(|d| d.file_name)
                    .unwrap_or_default()
            };
            let settings = DataSettings {
                train: DatasetRef::file(&name(Role::Train)),
                validation: DatasetRef::file(&name(Role::Validation)),
            };
            commit(state, &id, CellKind::Data(settings), problem);
        };
        view! {
            <label>
                {format!("{} data ", role.label())}
                <select data-testid=testid on:change=on_change prop:value=current>
                    <option value="">"(none)"</option>
                    {move || datasets.get().into_iter().map(|d| view! {
                        <option value=d.id.to_string() selected=move || d.role.get() == role>{d.file_name.clone()}</option>
                    }).collect_view()}
                </select>
            </label>
        }
    };
    view! {
        <div class="cell-controls">
            {role_picker(Role::Train, "cell-train-file")}
            {role_picker(Role::Validation, "cell-validation-file")}
        </div>
    }
}

#[component]
pub fn PrepareEditor(
    state: NotebookState,
    id: String,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let current = settings(state, id.clone(), |k| match k {
        CellKind::Prepare(s) => Some(s),
        _ => None,
    });
    let id = StoredValue::new(id);
    let update = move |change: &dyn Fn(&mut PrepareSettings) -> Result<(), String>| {
        let Some(mut next) = current.get_untracked() else {
            return;
        };
        match change(&mut next) {
            Ok(()) => commit(state, &id.get_value(), CellKind::Prepare(next), problem),
            Err(message) => problem.set(Some(message)),
        }
    };
    let number = move |testid: &'static str,
                       label: &'static str,
                       get: fn(&PrepareSettings) -> f64,
                       set: fn(&mut PrepareSettings, f64)| {
        view! {
            <label>
                {label}" "
                <input type="number" step="any" data-testid=testid
                    prop:value=move || current.get().map(|s| get(&s).to_string()).unwrap_or_default()
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        update(&|s| { set(s, parse_number(label, &text)?); Ok(()) });
                    } />
            </label>
        }
    };
    let categorical = Categorical::ALL.map(|feature| {
        let checked = move || {
            current
                .get()
                .is_some_and(|s| s.features.categorical.contains(&feature))
        };
        view! {
            <label class="checkbox">
                <input type="checkbox" data-testid=format!("prepare-feature-{}", feature.name())
                    prop:checked=checked
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        update(&|s| {
                            s.features.categorical.retain(|c| *c != feature);
                            if on {
                                s.features.categorical.push(feature);
                            }
                            Ok(())
                        });
                    } />
                {feature.name()}
            </label>
        }
    });
    view! {
        <div class="cell-controls">
            {number("prepare-min-duration", "min duration (min)", |s| s.prepare.min_duration_min, |s, v| s.prepare.min_duration_min = v)}
            {number("prepare-max-duration", "max duration (min)", |s| s.prepare.max_duration_min, |s, v| s.prepare.max_duration_min = v)}
            <fieldset class="feature-choice">
                <legend>"categorical"</legend>
                {categorical.into_iter().collect_view()}
            </fieldset>
            <label>
                "numerical "
                <input type="text" data-testid="prepare-numerical" placeholder="trip_distance"
                    prop:value=move || current.get().map(|s| s.features.numerical.join(", ")).unwrap_or_default()
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        update(&|s| {
                            s.features.numerical = text.split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect();
                            Ok(())
                        });
                    } />
            </label>
        </div>
    }
}

#[component]
pub fn TrainEditor(
    state: NotebookState,
    id: String,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let current = settings(state, id.clone(), |k| match k {
        CellKind::Train(s) => Some(s),
        _ => None,
    });
    let id = StoredValue::new(id);
    let update = move |change: &dyn Fn(&mut TrainSettings) -> Result<(), String>| {
        let Some(mut next) = current.get_untracked() else {
            return;
        };
        let checked = change(&mut next).and_then(|()| match next.tree_params() {
            Some(params) => params.validate().map_err(|e| e.to_string()),
            None => next.model_kind().map(|_| ()),
        });
        match checked {
            Ok(()) => commit(state, &id.get_value(), CellKind::Train(next), problem),
            Err(message) => problem.set(Some(format!("Cannot use these settings: {message}"))),
        }
    };
    let is_ols = move || current.get().is_none_or(|s| s.model == "ols");
    let is_trees = move || current.get().is_some_and(|s| s.model == TREES_MODEL);
    let tree_params = Signal::derive(move || {
        current
            .get()
            .and_then(|s| s.tree_params())
            .unwrap_or_else(TreeParams::workshop)
    });
    let change_trees = Callback::new(move |edited: Result<TreeParams, String>| match edited {
        Ok(params) => update(&|s| {
            s.trees = Some(params);
            Ok(())
        }),
        Err(message) => problem.set(Some(format!("Cannot use these settings: {message}"))),
    });
    let linear_fields = view! {
            <label>
                "model "
                <select data-testid="cell-model"
                    prop:value=move || current.get().map(|s| s.model).unwrap_or_default()
                    on:change=move |ev| {
                        let model = event_target_value(&ev);
                        update(&|s| { s.model = model.clone(); Ok(()) });
                    }>
                    {model_options_with_trees(None)}
                </select>
            </label>
    };
    let linear_only = view! {
            <label>
                "alpha "
                <input type="number" step="any" min="0" data-testid="cell-alpha"
                    prop:disabled=is_ols
                    prop:value=move || current.get().map(|s| s.alpha.to_string()).unwrap_or_default()
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        update(&|s| { s.alpha = parse_number("alpha", &text)?; Ok(()) });
                    } />
            </label>
            <label>
                "l1 ratio "
                <input type="number" step="any" min="0" max="1" data-testid="cell-l1-ratio"
                    prop:disabled=move || current.get().is_none_or(|s| s.model != "elasticnet")
                    prop:value=move || current.get().map(|s| s.l1_ratio.to_string()).unwrap_or_default()
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        update(&|s| { s.l1_ratio = parse_number("l1 ratio", &text)?; Ok(()) });
                    } />
            </label>
            <label>
                "sweep alphas "
                <input type="text" data-testid="cell-sweep" placeholder="e.g. 0.1, 1, 10"
                    prop:disabled=is_ols
                    prop:value=move || current.get().and_then(|s| s.sweep_alphas).map(|a| a.iter().map(f64::to_string).collect::<Vec<_>>().join(", ")).unwrap_or_default()
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        update(&|s| {
                            let alphas = text.split(',').map(str::trim).filter(|t| !t.is_empty())
                                .map(|t| parse_number("each sweep alpha", t))
                                .collect::<Result<Vec<f64>, String>>()?;
                            s.sweep_alphas = (!alphas.is_empty()).then_some(alphas);
                            Ok(())
                        });
                    } />
            </label>
    };
    view! {
        <div class="cell-controls">
            {linear_fields}
            <span class="linear-settings" style:display=move || if is_trees() { "none" } else { "contents" }>{linear_only}</span>
        </div>
        <Show when=is_trees>
            <TreeSettingsEditor params=tree_params change=change_trees />
        </Show>
    }
}

#[component]
pub fn CompareEditor(
    state: NotebookState,
    id: String,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let current = settings(state, id.clone(), |k| match k {
        CellKind::Compare(s) => Some(s),
        _ => None,
    });
    let id = StoredValue::new(id);
    let field = move |testid: &'static str,
                      label: &'static str,
                      get: fn(&CompareSettings) -> String,
                      set: fn(&mut CompareSettings, String)| {
        view! {
            <label>
                {label}" "
                <input type="text" data-testid=testid
                    prop:value=move || current.get().map(|s| get(&s)).unwrap_or_default()
                    on:change=move |ev| {
                        let Some(mut next) = current.get_untracked() else { return };
                        set(&mut next, event_target_value(&ev));
                        commit(state, &id.get_value(), CellKind::Compare(next), problem);
                    } />
            </label>
        }
    };
    view! {
        <div class="cell-controls">
            {field("compare-filter", "filter", |s| s.filter.clone(), |s, v| s.filter = v)}
            {field("compare-sort", "sort", |s| s.sort.clone(), |s, v| s.sort = v)}
        </div>
    }
}

#[component]
pub fn PredictEditor(
    state: NotebookState,
    id: String,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let current = settings(state, id.clone(), |k| match k {
        CellKind::Predict(s) => Some(s),
        _ => None,
    });
    let id = StoredValue::new(id);
    let field = move |testid: &'static str,
                      label: &'static str,
                      get: fn(&PredictSettings) -> String,
                      set: fn(&mut PredictSettings, &str) -> Result<(), String>| {
        view! {
            <label>
                {label}" "
                <input type="number" step="any" data-testid=testid
                    prop:value=move || current.get().map(|s| get(&s)).unwrap_or_default()
                    on:change=move |ev| {
                        let Some(mut next) = current.get_untracked() else { return };
                        match set(&mut next, &event_target_value(&ev)) {
                            Ok(()) => commit(state, &id.get_value(), CellKind::Predict(next), problem),
                            Err(message) => problem.set(Some(message)),
                        }
                    } />
            </label>
        }
    };
    view! {
        <div class="cell-controls">
            {field("cell-predict-pickup", "pickup zone", |s| s.pickup_zone.to_string(), |s, t| { s.pickup_zone = parse_zone("the pickup zone", t)?; Ok(()) })}
            {field("cell-predict-dropoff", "dropoff zone", |s| s.dropoff_zone.to_string(), |s, t| { s.dropoff_zone = parse_zone("the dropoff zone", t)?; Ok(()) })}
            {field("cell-predict-distance", "distance (miles)", |s| s.trip_distance.to_string(), |s, t| { s.trip_distance = parse_number("the distance", t)?; Ok(()) })}
        </div>
    }
}
