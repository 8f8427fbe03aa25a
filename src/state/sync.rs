//! Pushing to MLflow from the page: the pending runs (all, or a chosen few), then the local
//! registry. The engine's `MlflowSync` does the protocol; this records each run's outcome in
//! the run store as soon as it is known.

use flowbook_core::export::MODEL_DIR;
use flowbook_core::mlflow::{MlflowSync, PushedRun, SyncError};
use flowbook_core::tracking::{SyncState, PARENT_CLIENT_ID_TAG};
use leptos::prelude::*;

use crate::services::mlflow_client::BrowserHttp;
use crate::state::mlflow_settings::MlflowSettings;
use crate::state::registry::RegistryStore;
use crate::state::runs::{with_model_directory, RunStore};

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
pub async fn push_registry_now(
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
