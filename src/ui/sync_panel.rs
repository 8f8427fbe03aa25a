//! MLflow settings and sync: server URL, experiment, credentials (kept in this page only),
//! "Test connection", and "Push runs" for every run not yet on the server. The engine's
//! `MlflowSync` does the protocol; this component only collects settings and shows states.
//! The settings are [`MlflowSettings`], shared through a context with the server runs view.

use flowbook_core::mlflow::{Auth, MlflowSync, PushedRun, ServerConfig, SyncError};
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

/// Where the MLflow server is and how to sign in. The page provides one in a context
/// (`provide_context(MlflowSettings::new())` in `App`) so the sync panel and the server runs
/// view talk to the same server; a component without it gets its own (see [`Self::from_context`]).
#[derive(Debug, Clone, Copy)]
pub struct MlflowSettings {
    pub url: RwSignal<String>,
    pub experiment: RwSignal<String>,
    /// `none`, `basic` or `bearer`.
    pub auth_kind: RwSignal<String>,
    pub username: RwSignal<String>,
    /// The password or token; kept in this page only, never saved.
    pub secret: RwSignal<String>,
}

impl Default for MlflowSettings {
    fn default() -> Self {
        Self::new()
    }
}

impl MlflowSettings {
    pub fn new() -> MlflowSettings {
        MlflowSettings {
            url: RwSignal::new("http://127.0.0.1:5000".to_string()),
            experiment: RwSignal::new("Flowbook".to_string()),
            auth_kind: RwSignal::new("none".to_string()),
            username: RwSignal::new(String::new()),
            secret: RwSignal::new(String::new()),
        }
    }

    /// The page's settings, or new ones (provided below this component) when the page
    /// provides none.
    pub fn from_context() -> MlflowSettings {
        use_context::<MlflowSettings>().unwrap_or_else(|| {
            let settings = MlflowSettings::new();
            provide_context(settings);
            settings
        })
    }

    /// The server as the engine needs it, read without tracking.
    pub fn config(&self) -> ServerConfig {
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

/// Pushes every live run that is pending or failed, in one `push_runs` call (one client-id
/// lookup for all). Each run's state is saved as soon as it is done or has failed. Stops at
/// the first error (the server's or the network's: the next runs would fail the same way)
/// and keeps the rest pending, so a later push picks up where this one stopped.
async fn push_pending(settings: MlflowSettings, store: RunStore) -> Result<String, SyncError> {
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
            .filter(|s| s.needs_push())
            .map(|s| with_model_directory(s.run.clone()))
            .collect()
    });
    let record_outcome = |index: usize, outcome: Result<&PushedRun, &SyncError>| {
        let client_id = &pending[index].client_id;
        let state = match outcome {
            Ok(done) => SyncState::Synced {
                server_run_id: done.run_id.clone(),
                experiment_id: done.experiment_id.clone(),
                url: done.url.clone(),
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
    Ok(format!(
        "Pushed {} run(s) to MLflow {} (experiment {experiment_id}).",
        pushed.len(),
        server.version
    ))
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
            activity.set(match push_pending(settings, store).await {
                Ok(message) => Activity::Done(message),
                Err(error) => Activity::Failed(error.to_string()),
            });
        });
    };
    let on_push = move |_| push_now();
    let pending = move || {
        store
            .runs
            .with(|runs| runs.iter().filter(|s| s.needs_push()).count())
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
