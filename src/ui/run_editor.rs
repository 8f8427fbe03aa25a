//! Editing one run chosen in the runs table: its name, description and tags. Deleting and
//! restoring are buttons on the row itself. The rules are the engine's (`RunEdit`).

use flowbook_core::store::RunEdit;
use leptos::prelude::*;

use crate::runs::RunStore;

#[component]
pub fn RunEditor(
    /// The run being edited; `None` closes the editor.
    editing: RwSignal<Option<String>>,
) -> impl IntoView {
    let store = expect_context::<RunStore>();
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let tag_key = RwSignal::new(String::new());
    let tag_value = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);

    // Opening a run fills the fields with what it has now.
    Effect::new(move |_| {
        let Some(id) = editing.get() else { return };
        let found = store.runs.with_untracked(|runs| {
            runs.iter()
                .find(|s| s.run.client_id == id)
                .map(|s| (s.run.name.clone(), s.run.description.clone()))
        });
        if let Some((n, d)) = found {
            name.set(n);
            description.set(d);
            problem.set(None);
        }
    });
    let apply = move |edit: RunEdit| {
        let Some(id) = editing.get_untracked() else {
            return;
        };
        problem.set(store.edit(&id, edit).err());
    };
    let tags = move || {
        let id = editing.get()?;
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
        <Show when=move || editing.get().is_some()>
            <div class="run-editor" data-testid="run-editor">
                <h3>"Edit run"</h3>
                <div class="train-controls">
                    <label>
                        "Name "
                        <input
                            data-testid="run-name-input"
                            type="text"
                            prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev))
                        />
                    </label>
                    <button class="button button-quiet" data-testid="run-rename" on:click=move |_| apply(RunEdit::Rename(name.get_untracked()))>
                        "Rename"
                    </button>
                </div>
                <div class="train-controls">
                    <label>
                        "Description "
                        <input
                            data-testid="run-description-input"
                            type="text"
                            prop:value=move || description.get()
                            on:input=move |ev| description.set(event_target_value(&ev))
                        />
                    </label>
                    <button class="button button-quiet" data-testid="run-describe" on:click=move |_| apply(RunEdit::Describe(description.get_untracked()))>
                        "Save description"
                    </button>
                </div>
                <ul class="run-tags">{tags}</ul>
                <div class="train-controls">
                    <input
                        data-testid="run-tag-key"
                        type="text"
                        placeholder="tag key"
                        prop:value=move || tag_key.get()
                        on:input=move |ev| tag_key.set(event_target_value(&ev))
                    />
                    <input
                        data-testid="run-tag-value"
                        type="text"
                        placeholder="value"
                        prop:value=move || tag_value.get()
                        on:input=move |ev| tag_value.set(event_target_value(&ev))
                    />
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
        </Show>
    }
}
