//! A search as runs: one parent run (the space, the algorithm, the best trial, the
//! objective per trial) and one child run per trial (its settings and metrics), nested
//! the way MLflow nests Python's runs.

use crate::saved_model::SavedModel;
use crate::saved_model::MODEL_ARTIFACT;
use crate::search::{SearchSettings, StopReason, TrialConfig, TrialMetrics};

use super::from_training::{data_params, new_run, FEATURE_VOCABULARY};
use super::{client_id_from_seed, Run, RunMeta, RunStatus, PARENT_CLIENT_ID_TAG};

/// The artifact with the search space as the user wrote it.
pub const SEARCH_SPACE_ARTIFACT: &str = "search_space.json";

/// A trial's client id: derived from its search's, so a retried push finds it again.
pub fn trial_client_id(parent_client_id: &str, trial: usize) -> String {
    client_id_from_seed(format!("{parent_client_id}/trial/{trial}").as_bytes())
}

/// One trial's outcome, as the parent's summary and the child run need it.
pub struct TrialRecord<'a> {
    pub number: usize,
    pub config: &'a TrialConfig,
    /// The trial's metrics, or why it failed.
    pub outcome: Result<&'a TrialMetrics, &'a str>,
    pub start_time_ms: i64,
    pub end_time_ms: i64,
}

/// A trial's child run, with its model when given (Flowbook keeps the best trial's, the
/// one "Register best" registers).
pub fn run_from_trial(parent: &Run, trial: &TrialRecord<'_>, model: Option<&SavedModel>) -> Run {
    let meta = RunMeta {
        client_id: trial_client_id(&parent.client_id, trial.number),
        name: format!("{} trial {}", parent.name, trial.number),
        experiment: parent.experiment.clone(),
        start_time_ms: trial.start_time_ms,
        end_time_ms: trial.end_time_ms,
        description: String::new(),
        inputs: parent.inputs.clone(),
    };
    let mut run = new_run(meta);
    for (key, value) in &trial.config.params {
        run.params.insert(key.clone(), value.clone());
    }
    data_params(
        &mut run.params,
        &trial.config.features,
        &trial.config.prepare,
    );
    run.params.remove("min_duration");
    run.params.remove("max_duration");
    run.tags
        .insert(PARENT_CLIENT_ID_TAG.into(), parent.client_id.clone());
    run.tags
        .insert("flowbook.trial".into(), trial.number.to_string());
    let at = trial.end_time_ms;
    match trial.outcome {
        Ok(score) => {
            for (key, value) in [
                ("train_rmse", score.train.rmse),
                ("train_mae", score.train.mae),
                ("train_r2", score.train.r2),
                ("val_rmse", score.validation.rmse),
                ("val_mae", score.validation.mae),
                ("val_r2", score.validation.r2),
                ("train_rows", score.train_rows as f64),
                ("val_rows", score.val_rows as f64),
                ("n_features", score.n_features as f64),
            ] {
                run.log_metric(key, value, at, 0);
            }
            if let Some(best) = score.best_iteration {
                run.log_metric("best_iteration", f64::from(best), at, 0);
            }
            if let Some(model) = model {
                run.add_artifact(MODEL_ARTIFACT, model.to_json().into_bytes());
                if let Ok(vocabulary) = serde_json::to_vec_pretty(model.encoder()) {
                    run.add_artifact(FEATURE_VOCABULARY, vocabulary);
                }
                run.tags
                    .insert("flowbook.model".into(), model.family_name().to_string());
                run.tags.insert(
                    "flowbook.train_sha256".into(),
                    model.train_sha256().to_string(),
                );
            }
            run.finish(RunStatus::Finished, trial.end_time_ms);
        }
        Err(message) => {
            run.tags
                .insert("flowbook.error".into(), message.to_string());
            run.finish(RunStatus::Failed, trial.end_time_ms);
        }
    }
    run
}

/// What a finished search reports on its parent run.
pub struct SearchSummary<'a> {
    pub settings: &'a SearchSettings,
    pub space_name: &'a str,
    pub space_source: &'a serde_json::Value,
    /// Validation RMSE per trial (infinite where a trial failed), in trial order.
    pub losses: &'a [f64],
    pub best_trial: Option<usize>,
    pub best_params: &'a [(String, String)],
    pub stop: StopReason,
}

/// The search's parent run: settings as params, the best trial's metrics, the objective
/// and the best so far per trial (step = trial number), the space as an artifact.
pub fn run_from_search(meta: RunMeta, summary: &SearchSummary<'_>) -> Run {
    let end_time_ms = meta.end_time_ms;
    let mut run = new_run(meta);
    let s = summary.settings;
    for (key, value) in [
        ("search_algorithm", s.algorithm.name().to_string()),
        ("max_evals", s.max_evals.to_string()),
        ("seed", s.seed.to_string()),
        ("batch", s.batch.to_string()),
        ("search_space", summary.space_name.to_string()),
    ] {
        run.params.insert(key.into(), value);
    }
    if let Some(patience) = s.patience {
        run.params.insert("patience".into(), patience.to_string());
    }
    if s.algorithm == crate::search::Algorithm::Tpe {
        run.params.insert(
            "tpe_n_startup_trials".into(),
            s.tpe.n_startup_trials.to_string(),
        );
        run.params
            .insert("tpe_gamma".into(), s.tpe.gamma.to_string());
        run.params.insert(
            "tpe_n_ei_candidates".into(),
            s.tpe.n_ei_candidates.to_string(),
        );
    }
    let at = end_time_ms;
    let mut best = f64::INFINITY;
    for (step, &loss) in summary.losses.iter().enumerate() {
        if loss.is_finite() {
            run.log_metric("trial_val_rmse", loss, at, step as i64);
        }
        best = best.min(loss);
        if best.is_finite() {
            run.log_metric("best_val_rmse_so_far", best, at, step as i64);
        }
    }
    run.log_metric("trials", summary.losses.len() as f64, at, 0);
    let failed = summary.losses.iter().filter(|l| !l.is_finite()).count();
    run.log_metric("failed_trials", failed as f64, at, 0);
    if let Some(trial) = summary.best_trial {
        run.log_metric("best_val_rmse", summary.losses[trial], at, 0);
        run.tags
            .insert("flowbook.best_trial".into(), trial.to_string());
        run.tags.insert(
            "flowbook.best_trial_client_id".into(),
            trial_client_id(&run.client_id, trial),
        );
        for (key, value) in summary.best_params {
            run.params.insert(format!("best_{key}"), value.clone());
        }
    }
    run.tags.insert("flowbook.search".into(), "parent".into());
    run.tags.insert(
        "flowbook.search_stop".into(),
        summary.stop.describe().into(),
    );
    if let Ok(space) = serde_json::to_vec_pretty(summary.space_source) {
        run.add_artifact(SEARCH_SPACE_ARTIFACT, space);
    }
    run.finish(RunStatus::Finished, end_time_ms);
    run
}
