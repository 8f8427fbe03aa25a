//! MLflow settings and sync: server URL, experiment, credentials (kept in this page only),
//! "Test connection", and "Push runs" for every run not yet on the server. The engine's
//! `MlflowSync` does the protocol; this component only collects settings and shows states.
//! The settings are `MlflowSettings`, shared through a context with the server runs view.

use flowbook_core::mlflow::{Auth, MlflowSync, ServerConfig};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::services::mlflow_client::BrowserHttp;
use crate::state::mlflow_settings::{AuthKind, MlflowSettings};
use crate::state::registry::RegistryStore;
use crate::state::runs::RunStore;
use crate::state::sync::{push_registry_now, push_runs_now};
use crate::views::feedback::{Feedback, FeedbackLine, FeedbackSignal};
use crate::views::form::bound_input;

#[component]
pub fn SyncPanel() -> impl IntoView {
    let store = expect_context::<RunStore>();
    let settings = MlflowSettings::from_context();
    let activity: FeedbackSignal = RwSignal::new(None);
    let busy = move || matches!(activity.get(), Some(Feedback::Working(_)));

    let on_test = move |_| {
        activity.set(Some(Feedback::Working("Connecting…".into())));
        spawn_local(async move {
            let sync = MlflowSync::new(BrowserHttp, settings.config());
            activity.set(Some(match sync.test_connection().await {
                Ok(info) => Feedback::Done(format!(
                    "Connected: MLflow {}; artifacts {}.",
                    info.version,
                    if info.artifacts_proxied {
                        "are proxied (uploads work)"
                    } else {
                        "are NOT proxied: start the server with --serve-artifacts"
                    }
                )),
                Err(error) => Feedback::Failed(error.to_string()),
            }));
        });
    };
    let push_now = move || {
        if matches!(activity.get_untracked(), Some(Feedback::Working(_))) {
            return;
        }
        activity.set(Some(Feedback::Working("Pushing runs…".into())));
        spawn_local(async move {
            activity.set(Some(match push_runs_now(settings, store, None).await {
                Ok(message) => Feedback::Done(message),
                Err(error) => Feedback::Failed(error.to_string()),
            }));
        });
    };
    let on_push = move |_| push_now();
    let registry = expect_context::<RegistryStore>();
    let on_push_registry = move |_| {
        if matches!(activity.get_untracked(), Some(Feedback::Working(_))) {
            return;
        }
        activity.set(Some(Feedback::Working(
            "Pushing the model registry…".into(),
        )));
        spawn_local(async move {
            activity.set(Some(
                match push_registry_now(settings, store, registry).await {
                    Ok(message) => Feedback::Done(message),
                    Err(error) => Feedback::Failed(error.to_string()),
                },
            ));
        });
    };
    let model_count = move || registry.registry.with(|r| r.models.len());
    // Shown as soon as the settings would send a secret in clear, before any request.
    let credentials_in_clear = move || {
        let _tracked = (
            settings.url.get(),
            settings.auth_kind.get(),
            settings.username.get(),
            settings.secret.get(),
        );
        settings.config().credentials_in_clear()
    };
    // Counted for the server in the settings: runs synced to another server are pending.
    let pending = move || {
        let server_url = ServerConfig::new(&settings.url.get(), Auth::None).base_url;
        store
            .runs
            .with(|runs| runs.iter().filter(|s| s.needs_push_to(&server_url)).count())
    };

    // Offline queue: with "push automatically" on, runs made offline wait as pending and go
    // out when the browser is back online; new runs go out as they are recorded.
    let auto = RwSignal::new(false);
    let online = window_event_listener(leptos::ev::online, move |_| {
        if auto.get_untracked() {
            push_now();
        }
    });
    on_cleanup(move || online.remove());
    Effect::new(move |previous: Option<usize>| {
        let now = pending();
        let is_online = web_sys::window().is_some_and(|w| w.navigator().on_line());
        if auto.get_untracked() && is_online && previous.is_some_and(|before| now > before) {
            push_now();
        }
        now
    });
    let text_input = |testid, signal, kind| bound_input(testid, signal, kind, None);

    view! {
        <section class="card" data-testid="sync-panel">
            <h2 class="card-title">"MLflow tracking server"</h2>
            <p class="muted">
                "Push your runs and registered models to a team's MLflow server. The address and experiment are remembered on this device; a password or token only if you tick “Remember”. Credentials are never exported or shown in messages."
            </p>
            <div class="train-controls">
                <label>"Server " {text_input("mlflow-url", settings.url, "url")}</label>
                <label>"Experiment " {text_input("mlflow-experiment", settings.experiment, "text")}</label>
                <label>
                    "Sign-in "
                    <select
                        data-testid="mlflow-auth"
                        prop:value=move || settings.auth_kind.get().as_str()
                        on:change=move |ev| settings.auth_kind.set(AuthKind::from_value(&event_target_value(&ev)))
                    >
                        {AuthKind::ALL
                            .map(|kind| view! { <option value=kind.as_str()>{kind.label()}</option> })}
                    </select>
                </label>
                <Show when=move || settings.auth_kind.get() == AuthKind::Basic>
                    <label>"User " {text_input("mlflow-username", settings.username, "text")}</label>
                </Show>
                <Show when=move || settings.auth_kind.get() != AuthKind::None>
                    <label>"Secret " {text_input("mlflow-secret", settings.secret, "password")}</label>
                    <label title="Keeps the password or token in this browser's storage, readable by anyone using this device">
                        <input
                            type="checkbox"
                            data-testid="mlflow-remember-secret"
                            prop:checked=move || settings.remember_secret.get()
                            on:change=move |ev| settings.remember_secret.set(event_target_checked(&ev))
                        />
                        " Remember on this device"
                    </label>
                </Show>
                <Show when=credentials_in_clear>
                    <p class="error-message" data-testid="mlflow-insecure">
                        "This server address is plain http on another machine: the password or token would cross the network unencrypted. Use https:// if the server offers it."
                    </p>
                </Show>
            </div>
            <div class="train-controls">
                <button class="button button-quiet" data-testid="mlflow-test" prop:disabled=busy on:click=on_test>
                    "Test connection"
                </button>
                <button class="button" data-testid="mlflow-push" prop:disabled=move || busy() || pending() == 0 on:click=on_push>
                    {move || format!("Push {} run(s)", pending())}
                </button>
                <button
                    class="button button-quiet"
                    data-testid="mlflow-push-registry"
                    title="Pushes pending runs, then registered models, versions, stages and aliases"
                    prop:disabled=move || busy() || model_count() == 0
                    on:click=on_push_registry
                >
                    "Push model registry"
                </button>
                <label>
                    <input
                        type="checkbox"
                        data-testid="mlflow-auto"
                        prop:checked=move || auto.get()
                        on:change=move |ev| auto.set(event_target_checked(&ev))
                    />
                    " Push new runs automatically (and when back online)"
                </label>
            </div>
            <FeedbackLine feedback=activity testid="mlflow-status" />
        </section>
    }
}
