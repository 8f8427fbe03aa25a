//! A run record from one training (or one sweep) of the notebook's pipeline.

use crate::features::{FeatureSpec, PrepareSpec};
use crate::model::TripModel;
use crate::pipeline::{TrainReport, TrainRequest, TreeReport};
use crate::saved_model::MODEL_ARTIFACT;
use crate::solve::ModelKind;

use super::{DatasetInput, Run, RunStatus};

/// What the caller knows and the pipeline does not: ids, times, names, the files read.
#[derive(Debug, Clone, PartialEq)]
pub struct RunMeta {
    pub client_id: String,
    pub name: String,
    pub experiment: String,
    pub start_time_ms: i64,
    pub end_time_ms: i64,
    pub description: String,
    pub inputs: Vec<DatasetInput>,
}

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// A running run with the caller's names, times, description and inputs.
pub(super) fn new_run(meta: RunMeta) -> Run {
    let mut run = Run::new(
        &meta.client_id,
        &meta.name,
        &meta.experiment,
        meta.start_time_ms,
    );
    run.description = meta.description;
    run.inputs = meta.inputs;
    run
}

/// Params (model, alpha, l1_ratio, features, filters), metrics (one point per report,
/// `step` = its index in a sweep), the data lineage, and the selected model — the one with
/// the lowest validation RMSE — as `flowbook_model.json`.
pub fn run_from_training(request: &TrainRequest, reports: &[TrainReport], meta: RunMeta) -> Run {
    let end_time_ms = meta.end_time_ms;
    let mut run = new_run(meta);
    let params = &mut run.params;
    params.insert("model".into(), request.kind.short_name().into());
    if reports.len() > 1 {
        let alphas: Vec<f64> = reports.iter().filter_map(|r| r.kind.alpha()).collect();
        params.insert("alphas".into(), join(&alphas));
    } else if let Some(alpha) = reports.first().map_or(request.kind, |r| r.kind).alpha() {
        params.insert("alpha".into(), alpha.to_string());
    }
    if let ModelKind::ElasticNet { l1_ratio, .. } = request.kind {
        params.insert("l1_ratio".into(), l1_ratio.to_string());
    }
    data_params(params, &request.features, &request.prepare);

    let at = end_time_ms;
    for (step, report) in reports.iter().enumerate() {
        let step = step as i64;
        if reports.len() > 1 {
            if let Some(alpha) = report.kind.alpha() {
                run.log_metric("alpha", alpha, at, step);
            }
        }
        run.log_metric("train_rmse", report.train.rmse, at, step);
        run.log_metric("train_mae", report.train.mae, at, step);
        run.log_metric("train_r2", report.train.r2, at, step);
        run.log_metric("val_rmse", report.validation.rmse, at, step);
        run.log_metric("val_mae", report.validation.mae, at, step);
        run.log_metric("val_r2", report.validation.r2, at, step);
        run.log_metric("train_rows", report.train_rows as f64, at, step);
        run.log_metric("val_rows", report.val_rows as f64, at, step);
        run.log_metric("n_features", report.n_features as f64, at, step);
    }

    if let Some((step, selected)) = selected_report(reports) {
        run.tags
            .insert("flowbook.model".into(), selected.kind.to_string());
        run.tags
            .insert("flowbook.selected_step".into(), step.to_string());
        run.tags.insert(
            "flowbook.train_sha256".into(),
            selected.model.train_sha256.clone(),
        );
        run.add_artifact(MODEL_ARTIFACT, selected.model.to_json().into_bytes());
        // The features and the vocabularies learnt from the training rows, on their own
        // for readers who do not parse the model file.
        if let Ok(vocabulary) = serde_json::to_vec_pretty(&selected.model.encoder) {
            run.add_artifact(FEATURE_VOCABULARY, vocabulary);
        }
    }
    run.finish(RunStatus::Finished, end_time_ms);
    run
}

/// The features and filters, as params every training's run carries.
pub(super) fn data_params(
    params: &mut std::collections::BTreeMap<String, String>,
    features: &FeatureSpec,
    prepare: &PrepareSpec,
) {
    let categorical: Vec<&str> = features.categorical.iter().map(|c| c.name()).collect();
    params.insert("categorical".into(), join(&categorical));
    params.insert("numerical".into(), join(&features.numerical));
    params.insert(
        "min_duration_min".into(),
        prepare.min_duration_min.to_string(),
    );
    params.insert(
        "max_duration_min".into(),
        prepare.max_duration_min.to_string(),
    );
    if let Some(min_distance) = prepare.min_distance_exclusive {
        params.insert("min_distance_exclusive".into(), min_distance.to_string());
    }
}

/// A gradient-boosted tree training as a run: XGBoost's parameter names, the learning
/// curve as the history of `train_rmse` and `val_rmse` (step = round), and, as MLflow's
/// XGBoost autologging does after early stopping, the kept model's metrics once more one
/// step past the last round, so that a metric's latest value is the model's.
pub fn run_from_trees(report: &TreeReport, meta: RunMeta) -> Run {
    let end_time_ms = meta.end_time_ms;
    let mut run = new_run(meta);
    let model = &report.model;
    let p = &model.params;
    let params = &mut run.params;
    params.insert("model".into(), "gbdt".into());
    for (key, value) in [
        ("num_boost_round", p.num_boost_round.to_string()),
        ("learning_rate", p.learning_rate.to_string()),
        ("max_depth", p.max_depth.to_string()),
        ("min_child_weight", p.min_child_weight.to_string()),
        ("reg_lambda", p.reg_lambda.to_string()),
        ("reg_alpha", p.reg_alpha.to_string()),
        ("gamma", p.gamma.to_string()),
        ("subsample", p.subsample.to_string()),
        ("colsample_bytree", p.colsample_bytree.to_string()),
        ("max_bin", p.max_bin.to_string()),
        ("seed", p.seed.to_string()),
    ] {
        params.insert(key.into(), value);
    }
    if let Some(rounds) = p.early_stopping_rounds {
        params.insert("early_stopping_rounds".into(), rounds.to_string());
    }
    data_params(params, &model.encoder.spec, &model.prepare);

    let at = end_time_ms;
    for point in &report.curve {
        let step = i64::from(point.round);
        run.log_metric("train_rmse", point.train_rmse, at, step);
        run.log_metric("val_rmse", point.val_rmse, at, step);
    }
    let last = report.curve.len() as i64;
    run.log_metric("train_rmse", report.train.rmse, at, last);
    run.log_metric("val_rmse", report.validation.rmse, at, last);
    for (key, value) in [
        ("train_mae", report.train.mae),
        ("train_r2", report.train.r2),
        ("val_mae", report.validation.mae),
        ("val_r2", report.validation.r2),
        ("train_rows", report.train_rows as f64),
        ("val_rows", report.val_rows as f64),
        ("n_features", report.n_features as f64),
        ("best_iteration", f64::from(report.best_iteration)),
        ("rounds_trained", f64::from(report.rounds_trained)),
        ("n_nodes", model.ensemble.n_nodes() as f64),
    ] {
        run.log_metric(key, value, at, last);
    }
    run.tags
        .insert("flowbook.model".into(), model.description());
    run.tags
        .insert("flowbook.train_sha256".into(), model.train_sha256.clone());
    run.add_artifact(MODEL_ARTIFACT, model.to_json().into_bytes());
    if let Ok(vocabulary) = serde_json::to_vec_pretty(&model.encoder) {
        run.add_artifact(FEATURE_VOCABULARY, vocabulary);
    }
    run.finish(RunStatus::Finished, end_time_ms);
    run
}

/// The artifact with the model's features and vocabularies.
pub const FEATURE_VOCABULARY: &str = "feature_vocabulary.json";

/// The report whose model a run keeps: the lowest validation RMSE (NaN never wins).
pub fn selected_report(reports: &[TrainReport]) -> Option<(usize, &TrainReport)> {
    reports.iter().enumerate().min_by(|(_, a), (_, b)| {
        let key = |r: &TrainReport| {
            if r.validation.rmse.is_nan() {
                f64::INFINITY
            } else {
                r.validation.rmse
            }
        };
        key(a).total_cmp(&key(b))
    })
}
