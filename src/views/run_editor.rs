//! Editing one run chosen in the runs table: its name, description and tags. Deleting and
//! restoring are buttons on the row itself. The rules are the engine's (`RunEdit`).

use flowbook_core::store::RunEdit;
use leptos::prelude::*;

use crate::state::runs::RunStore;
use crate::views::form::bound_input;

#[component]
pub fn RunEditor(
    /// The run being edited; `None` closes the editor.
    editing: RwSignal<Option<String>>,
) -> impl IntoView {
    // Each opening builds the fields afresh from what the run has now.
    move || {
        editing
            .get()
            .map(|id| view! { <RunEditorFields id editing /> })
    }
}

/// The editor's fields for the run `id`, filled with its name and description.
#[component]
fn RunEditorFields(id: String, editing: RwSignal<Option<String>>) -> impl IntoView {
    let store = expect_context::<RunStore>();
    let (current_name, current_description) = store
        .runs
        .with_untracked(|runs| {
            runs.iter()
                .find(|s| s.run.client_id == id)
                .map(|s| (s.run.name.clone(), s.run.description.clone()))
        })
        .unwrap_or_default();
    let name = RwSignal::new(current_name);
    let description = RwSignal::new(current_description);
    let tag_key = RwSignal::new(String::new());
    let tag_value = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);

    let apply = {
        let id = id.clone();
        move |edit: RunEdit| problem.set(store.edit(&id, edit).err())
    };
    let apply = StoredValue::new(apply);
    let apply = move |edit: RunEdit| apply.with_value(|apply| apply(edit));
    let tags = move || {
        let tags = store.runs.with(|runs| {
            runs.iter()
                .find(|s| s.run.client_id == id)
                .map(|s| s.run.tags.clone())
        })?;
        Some(
            tags.into_iter()
                .map(|(key, value)| {
                    let remove = key.clone();
                    view! {
                        <li data-testid="run-tag" data-key=key.clone() data-value=value.clone()>
                            <code>{format!("{key} = {value}")}</code>
                            " "
                            <button
                                class="button button-quiet"
                                data-testid="run-tag-remove"
                                on:click=move |_| apply(RunEdit::DeleteTag(remove.clone()))
                            >
                                "Remove"
                            </button>
                        </li>
                    }
                })
                .collect_view(),
        )
    };
    view! {
        <div class="run-editor" data-testid="run-editor">
            <h3>"Edit run"</h3>
            <div class="train-controls">
                <label>
                    "Name "
                    {bound_input("run-name-input", name, "text", None)}
                </label>
                <button class="button button-quiet" data-testid="run-rename" on:click=move |_| apply(RunEdit::Rename(name.get_untracked()))>
                    "Rename"
                </button>
            </div>
            <div class="train-controls">
                <label>
                    "Description "
                    {bound_input("run-description-input", description, "text", None)}
                </label>
                <button class="button button-quiet" data-testid="run-describe" on:click=move |_| apply(RunEdit::Describe(description.get_untracked()))>
                    "Save description"
                </button>
            </div>
            <ul class="run-tags">{tags}</ul>
            <div class="train-controls">
                {bound_input("run-tag-key", tag_key, "text", Some("tag key"))}
                {bound_input("run-tag-value", tag_value, "text", Some("value"))}
                <button
                    class="button button-quiet"
                    data-testid="run-tag-add"
                    on:click=move |_| {
                        apply(RunEdit::SetTag {
                            key: tag_key.get_untracked().trim().to_string(),
                            value: tag_value.get_untracked(),
                        });
                        if problem.with_untracked(Option::is_none) {
                            tag_key.set(String::new());
                            tag_value.set(String::new());
                        }
                    }
                >
                    "Add tag"
                </button>
                <button class="button button-quiet" data-testid="run-editor-close" on:click=move |_| editing.set(None)>
                    "Close"
                </button>
            </div>
            {move || problem.get().map(|message| view! {
                <p class="error-message" data-testid="run-edit-problem">{message}</p>
            })}
        </div>
    }
}
