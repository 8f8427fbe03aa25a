//! Descriptions and tags of a registered model and of its versions: what the model is for,
//! who validated a version, which ticket it belongs to. They go to MLflow with the
//! registry push. The rules are the engine's registry (`flowbook_core::store`).

use leptos::prelude::*;

use crate::state::registry::RegistryStore;
use crate::views::feedback::{Feedback, FeedbackLine};
use crate::views::form::bound_input;

/// `key=value` pairs, one line (a model's or a version's tags).
pub fn tag_text(tags: &std::collections::BTreeMap<String, String>) -> String {
    tags.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The model's description and tags, shown above its versions.
#[component]
pub fn ModelDetails(name: String) -> impl IntoView {
    let registry = expect_context::<RegistryStore>();
    let model = move || registry.registry.with(|r| r.model(&name).cloned());
    view! {
        {move || model().map(|m| view! {
            <p data-testid="model-description">{m.description.clone()}</p>
            <p class="muted" data-testid="model-tags">{tag_text(&m.tags)}</p>
        })}
    }
}

/// Edits the description or sets a tag of the model or of one of its versions.
#[component]
pub fn DetailsForm(name: String) -> impl IntoView {
    let registry = expect_context::<RegistryStore>();
    let target = RwSignal::new("model".to_string());
    let description = RwSignal::new(String::new());
    let (key, value) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let feedback = RwSignal::new(None::<Result<String, String>>);
    let versions = {
        let name = name.clone();
        move || {
            registry.registry.with(|r| {
                r.model(&name)
                    .map(|m| m.versions.iter().map(|v| v.version).collect::<Vec<_>>())
                    .unwrap_or_default()
            })
        }
    };
    let which = move || -> Option<u32> { target.get_untracked().parse().ok() };
    let describe = {
        let name = name.clone();
        move |_| {
            let (name, text, version) = (name.clone(), description.get_untracked(), which());
            feedback.set(None);
            leptos::task::spawn_local(async move {
                let outcome = registry
                    .change(move |r, time| match version {
                        Some(version) => r.describe_version(&name, version, text.trim(), time),
                        None => r.describe_model(&name, text.trim(), time),
                    })
                    .await;
                feedback.set(Some(outcome.map(|()| "Description saved.".to_string())));
            });
        }
    };
    let tag = move |_| {
        let (name, version) = (name.clone(), which());
        let (k, v) = (
            key.get_untracked().trim().to_string(),
            value.get_untracked(),
        );
        let said = format!("Tag {k}={v} set.");
        feedback.set(None);
        leptos::task::spawn_local(async move {
            let outcome = registry
                .change(move |r, time| match version {
                    Some(version) => r.set_version_tag(&name, version, &k, &v, time),
                    None => r.set_model_tag(&name, &k, &v, time),
                })
                .await;
            feedback.set(Some(outcome.map(|()| said)));
        });
    };
    let input =
        |testid, signal, placeholder| bound_input(testid, signal, "text", Some(placeholder));
    view! {
        <div class="train-controls" data-testid="details-form">
            <label>
                "Describe or tag "
                <select data-testid="details-target" prop:value=move || target.get()
                    on:change=move |ev| target.set(event_target_value(&ev))>
                    <option value="model">"the model"</option>
                    {move || versions().into_iter().map(|v| view! {
                        <option value=v.to_string()>{format!("version {v}")}</option>
                    }).collect_view()}
                </select>
            </label>
            {input("details-description", description, "description")}
            <button class="button button-quiet" data-testid="save-description" on:click=describe>"Save description"</button>
            {input("details-tag-key", key, "tag key")}
            {input("details-tag-value", value, "tag value")}
            <button class="button button-quiet" data-testid="set-tag" on:click=tag>"Set tag"</button>
        </div>
        <FeedbackLine feedback=Signal::derive(move || feedback.get().map(Feedback::from)) testid="details-status" />
    }
}
