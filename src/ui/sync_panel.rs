//! MLflow settings and sync: server URL, experiment, credentials (kept in this page only),
//! "Test connection", and "Push runs" for every run not yet on the server. The engine's
//! `MlflowSync` does the protocol; this component only collects settings and shows states.
//! The settings are [`MlflowSettings`], shared through a context with the server runs view.

use flowbook_core::export::MODEL_DIR;
use flowbook_core::mlflow::{Auth, MlflowSync, PushedRun, ServerConfig, SyncError};
use flowbook_core::tracking::SyncState;
use flowbook_core::tracking::PARENT_CLIENT_ID_TAG;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::mlflow_client::BrowserHttp;
pub use crate::mlflow_settings::MlflowSettings;
use crate::registry::RegistryStore;
use crate::runs::{with_model_directory, RunStore};
use crate::ui::form::bound_input;

/// What the panel last did, for the status line.
#[derive(Debug, Clone, PartialEq)]
enum Activity {
    Idle,
    Working(String),
    Done(String),
    Failed(String),
}

/// Pushes every live run that is pending or failed (or only those of `only`), in one
/// `push_runs` call (one client-id lookup for all). Each run's state is saved as soon as it
/// is done or has failed. Stops at the first error (the server's or the network's: the
/// next runs would fail the same way) and keeps the rest pending, so a later push picks up
/// where this one stopped. Returns the server's version and how many runs went out.
async fn push_pending(
    sync: &MlflowSync<BrowserHttp>,
    settings: MlflowSettings,
    store: RunStore,
    only: Option<&[String]>,
) -> Result<(String, usize), SyncError> {
    let server = sync.test_connection().await?;
    if !server.artifacts_proxied {
        return Err(SyncError::ArtifactsNotProxied);
    }
    let server_url = sync.config().base_url.clone();
    let pending_ids: Vec<String> = store.runs.with_untracked(|runs| {
        runs.iter()
            .filter(|s| s.needs_push_to(&server_url))
            .filter(|s| only.is_none_or(|ids| ids.contains(&s.run.client_id)))
            .map(|s| s.run.client_id.clone())
            .collect()
    });
    // Runs loaded on page open hold their files' names only: read the files back.
    let mut pending: Vec<_> = store
        .full_runs(&pending_ids)
        .await
        .map_err(SyncError::InvalidInput)?
        .into_iter()
        .map(with_model_directory)
        .collect();
    // A search's trials go after every parent: each is nested under its parent's server id.
    pending.sort_by_key(|run| run.tags.contains_key(PARENT_CLIENT_ID_TAG));
    if pending.is_empty() {
        return Ok((server.version, 0));
    }
    let experiment_id = sync
        .ensure_experiment(&settings.experiment.get_untracked())
        .await?;
    let record_outcome = |index: usize, outcome: Result<&PushedRun, &SyncError>| {
        let client_id = &pending[index].client_id;
        let state = match outcome {
            Ok(done) => SyncState::Synced {
                server_run_id: done.run_id.clone(),
                experiment_id: done.experiment_id.clone(),
                url: done.url.clone(),
                server: server_url.clone(),
            },
            Err(error) => SyncState::Failed {
                reason: error.to_string(),
            },
        };
        store.set_sync(client_id, state);
    };
    let pushed = sync
        .push_runs(&pending, &experiment_id, record_outcome)
        .await?;
    Ok((server.version, pushed.len()))
}

/// Pushes the pending runs (or only those of `only`). When the push fails before a run
/// was tried (server down, wrong password), runs pushed on their own are marked failed
/// with the reason, so the row says what happened.
pub async fn push_runs_now(
    settings: MlflowSettings,
    store: RunStore,
    only: Option<Vec<String>>,
) -> Result<String, SyncError> {
    let sync = MlflowSync::new(BrowserHttp, settings.config());
    let server_url = sync.config().base_url.clone();
    match push_pending(&sync, settings, store, only.as_deref()).await {
        Ok((version, pushed)) => Ok(format!(
            "Pushed {pushed} run(s) to MLflow {version} (experiment “{}”).",
            settings.experiment.get_untracked()
        )),
        Err(error) => {
            for client_id in only.iter().flatten() {
                let untouched = store.runs.with_untracked(|runs| {
                    runs.iter()
                        .any(|s| &s.run.client_id == client_id && s.needs_push_to(&server_url))
                });
                if untouched {
                    let reason = error.to_string();
                    store.set_sync(client_id, SyncState::Failed { reason });
                }
            }
            Err(error)
        }
    }
}

/// Pushes the pending runs first (a version needs its run on the server), then the whole
/// local registry: models, versions linked to their runs, stages and aliases.
async fn push_registry_now(
    settings: MlflowSettings,
    store: RunStore,
    registry: RegistryStore,
) -> Result<String, SyncError> {
    let sync = MlflowSync::new(BrowserHttp, settings.config());
    let (version, runs_pushed) = push_pending(&sync, settings, store, None).await?;
    let server_url = sync.config().base_url.clone();
    let models = registry.registry.with_untracked(|r| r.models.clone());
    let server_ids: std::collections::HashMap<String, String> = store.runs.with_untracked(|runs| {
        runs.iter()
            .filter_map(|s| {
                let on_server = s.run.sync.server_run_id_on(&server_url)?;
                Some((s.run.client_id.clone(), on_server.to_string()))
            })
            .collect()
    });
    let report = sync
        .push_registry(&models, |id| server_ids.get(id).cloned(), MODEL_DIR)
        .await?;
    let created = report.versions.iter().filter(|v| v.created).count();
    let mut message = format!(
        "MLflow {version}: {} model(s), {} version(s) ({created} new), {} alias(es); {runs_pushed} run(s) pushed first.",
        models.len(),
        report.versions.len(),
        report.aliases
    );
    if !report.waiting.is_empty() {
        let waiting: Vec<String> = report
            .waiting
            .iter()
            .map(|(model, v)| format!("{model} v{v}"))
            .collect();
        message.push_str(&format!(
            " Not pushed, because their run is deleted or not on this server: {}.",
            waiting.join(", ")
        ));
    }
    Ok(message)
}

#[component]
pub fn SyncPanel() -> impl IntoView {
    let store = expect_context::<RunStore>();
    let settings = MlflowSettings::from_context();
    let activity = RwSignal::new(Activity::Idle);
    let busy = move || matches!(activity.get(), Activity::Working(_));

    let on_test = move |_| {
        activity.set(Activity::Working("Connecting…".into()));
        spawn_local(async move {
            let sync = MlflowSync::new(BrowserHttp, settings.config());
            activity.set(match sync.test_connection().await {
                Ok(info) => Activity::Done(format!(
                    "Connected: MLflow {}; artifacts {}.",
                    info.version,
                    if info.artifacts_proxied {
                        "are proxied (uploads work)"
                    } else {
                        "are NOT proxied: start the server with --serve-artifacts"
                    }
                )),
                Err(error) => Activity::Failed(error.to_string()),
            });
        });
    };
    let push_now = move || {
        if matches!(activity.get_untracked(), Activity::Working(_)) {
            return;
        }
        activity.set(Activity::Working("Pushing runs…".into()));
        spawn_local(async move {
            activity.set(match push_runs_now(settings, store, None).await {
                Ok(message) => Activity::Done(message),
                Err(error) => Activity::Failed(error.to_string()),
            });
        });
    };
    let on_push = move |_| push_now();
    let registry = expect_context::<RegistryStore>();
    let on_push_registry = move |_| {
        if matches!(activity.get_untracked(), Activity::Working(_)) {
            return;
        }
        activity.set(Activity::Working("Pushing the model registry…".into()));
        spawn_local(async move {
            activity.set(match push_registry_now(settings, store, registry).await {
                Ok(message) => Activity::Done(message),
                Err(error) => Activity::Failed(error.to_string()),
            });
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
                        prop:value=move || settings.auth_kind.get()
                        on:change=move |ev| settings.auth_kind.set(event_target_value(&ev))
                    >
                        <option value="none">"None"</option>
                        <option value="basic">"Username and password"</option>
                        <option value="bearer">"Token"</option>
                    </select>
                </label>
                <Show when=move || settings.auth_kind.get() == "basic">
                    <label>"User " {text_input("mlflow-username", settings.username, "text")}</label>
                </Show>
                <Show when=move || settings.auth_kind.get() != "none">
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
            {move || match activity.get() {
                Activity::Idle => None,
                Activity::Working(text) => Some(view! { <p class="muted" data-testid="mlflow-status">{text}</p> }.into_any()),
                Activity::Done(text) => Some(view! { <p data-testid="mlflow-status" data-state="done">{text}</p> }.into_any()),
                Activity::Failed(text) => Some(view! {
                    <p class="error-message" data-testid="mlflow-status" data-state="failed">{text}</p>
                }.into_any()),
            }}
        </section>
    }
}
