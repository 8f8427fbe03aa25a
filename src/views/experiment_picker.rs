//! Above the runs table: which experiment is shown (and receives new runs), creating and
//! renaming experiments, and the user's name recorded on new runs as `mlflow.user`.

use leptos::prelude::*;

use crate::services::local_settings::{local_setting, set_local_setting};
use crate::state::runs::{RunStore, USER_NAME_KEY};

#[component]
pub fn ExperimentPicker() -> impl IntoView {
    let store = expect_context::<RunStore>();
    let name = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let user = RwSignal::new(local_setting(USER_NAME_KEY).unwrap_or_default());

    let options = move || {
        let current = store.current.get();
        store
            .experiment_names()
            .into_iter()
            .map(|n| {
                let selected = n == current;
                view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
            })
            .collect_view()
    };
    let act = move |rename: bool| {
        let wanted = name.get_untracked();
        let outcome = if rename {
            store.rename_current(&wanted)
        } else {
            store.create_experiment(&wanted)
        };
        match outcome {
            Ok(()) => {
                name.set(String::new());
                problem.set(None);
            }
            Err(message) => problem.set(Some(message)),
        }
    };
    view! {
        <div class="train-controls experiment-picker">
            <label>
                "Experiment "
                <select
                    data-testid="experiment-select"
                    prop:value=move || store.current.get()
                    on:change=move |ev| store.switch_to(&event_target_value(&ev))
                >
                    {options}
                </select>
            </label>
            <input
                data-testid="experiment-name"
                type="text"
                placeholder="Experiment name"
                prop:value=move || name.get()
                on:input=move |ev| name.set(event_target_value(&ev))
            />
            <button class="button button-quiet" data-testid="experiment-create" on:click=move |_| act(false)>
                "New experiment"
            </button>
            <button class="button button-quiet" data-testid="experiment-rename" on:click=move |_| act(true)>
                "Rename current"
            </button>
            <label>
                "Your name "
                <input
                    data-testid="user-name"
                    type="text"
                    placeholder="recorded on new runs"
                    prop:value=move || user.get()
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        set_local_setting(USER_NAME_KEY, value.trim());
                        user.set(value);
                    }
                />
            </label>
        </div>
        {move || problem.get().map(|message| view! {
            <p class="error-message" data-testid="experiment-problem">{message}</p>
        })}
    }
}
