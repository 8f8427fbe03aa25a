//! MLflow settings and sync: server URL, experiment, credentials (kept in this page only),
//! "Test connection", and "Push runs" for every run not yet on the server. The engine's
//! `MlflowSync` does the protocol; this component only collects settings and shows states.

use flowbook_core::mlflow::{Auth, MlflowSync, ServerConfig, SyncError};
use flowbook_core::tracking::SyncState;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::mlflow_client::BrowserHttp;
use crate::runs::{with_model_directory, RunStore};

/// What the panel last did, for the status line.
#[derive(Debug, Clone, PartialEq)]
enum Activity {
    Idle,
    Working(String),
    Done(String),
    Failed(String),
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    url: RwSignal<String>,
    experiment: RwSignal<String>,
    auth_kind: RwSignal<String>,
    username: RwSignal<String>,
    secret: RwSignal<String>,
}

impl Settings {
    fn config(&self) -> ServerConfig {
        let auth = match self.auth_kind.get_untracked().as_str() {
            "basic" => Auth::Basic {
                username: self.username.get_untracked(),
                password: self.secret.get_untracked(),
            },
            "bearer" => Auth::Bearer {
                token: self.secret.get_untracked(),
            },
            _ => Auth::None,
        };
        ServerConfig::new(&self.url.get_untracked(), auth)
    }
}

/// Pushes every live run that is pending or failed. Stops at the first error that is the
/// server's or the network's (the next runs would fail the same way) and keeps the rest
/// pending, so a later push picks up where this one stopped.
async fn push_pending(settings: Settings, store: RunStore) -> Result<String, SyncError> {
    let sync = MlflowSync::new(BrowserHttp, settings.config());
    let server = sync.test_connection().await?;
    if !server.artifacts_proxied {
        return Err(SyncError::ArtifactsNotProxied);
    }
    let experiment_id = sync
        .ensure_experiment(&settings.experiment.get_untracked())
        .await?;
    let pending: Vec<_> = store.runs.with_untracked(|runs| {
        runs.iter()
            .filter(|s| !s.is_deleted() && !matches!(s.run.sync, SyncState::Synced { .. }))
            .map(|s| s.run.clone())
            .collect()
    });
    let mut pushed = 0;
    for run in pending {
        let client_id = run.client_id.clone();
        match sync
            .push_run(&with_model_directory(run), &experiment_id)
            .await
        {
            Ok(done) => {
                pushed += 1;
                store.set_sync(
                    &client_id,
                    SyncState::Synced {
                        server_run_id: done.run_id,
                        experiment_id: done.experiment_id,
                        url: done.url,
                    },
                );
            }
            Err(error) => {
                store.set_sync(
                    &client_id,
                    SyncState::Failed {
                        reason: error.to_string(),
                    },
                );
                return Err(error);
            }
        }
    }
    Ok(format!(
        "Pushed {pushed} run(s) to MLflow {} (experiment {experiment_id}).",
        server.version
    ))
}

#[component]
pub fn SyncPanel() -> impl IntoView {
    let store = expect_context::<RunStore>();
    let settings = Settings {
        url: RwSignal::new("http://127.0.0.1:5000".to_string()),
        experiment: RwSignal::new("Flowbook".to_string()),
        auth_kind: RwSignal::new("none".to_string()),
        username: RwSignal::new(String::new()),
        secret: RwSignal::new(String::new()),
    };
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
            activity.set(match push_pending(settings, store).await {
                Ok(message) => Activity::Done(message),
                Err(error) => Activity::Failed(error.to_string()),
            });
        });
    };
    let on_push = move |_| push_now();
    let pending = move || {
        store.runs.with(|runs| {
            runs.iter()
                .filter(|s| !s.is_deleted() && !matches!(s.run.sync, SyncState::Synced { .. }))
                .count()
        })
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
    let text_input = |testid: &'static str, signal: RwSignal<String>, kind: &'static str| {
        view! {
            <input
                data-testid=testid
                type=kind
                autocomplete="off"
                prop:value=move || signal.get()
                on:input=move |ev| signal.set(event_target_value(&ev))
            />
        }
    };

    view! {
        <section class="card" data-testid="sync-panel">
            <h2 class="card-title">"MLflow tracking server"</h2>
            <p class="muted">
                "Push your runs to a team's MLflow server. Credentials stay in this page only: they are never saved or exported."
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
                </Show>
            </div>
            <div class="train-controls">
                <button class="button button-quiet" data-testid="mlflow-test" prop:disabled=busy on:click=on_test>
                    "Test connection"
                </button>
                <button class="button" data-testid="mlflow-push" prop:disabled=move || busy() || pending() == 0 on:click=on_push>
                    {move || format!("Push {} run(s)", pending())}
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
