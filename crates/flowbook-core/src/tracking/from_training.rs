//! A run record from one training (or one sweep) of the notebook's pipeline.

use crate::pipeline::{TrainReport, TrainRequest};
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

/// Params (model, alpha, l1_ratio, features, filters), metrics (one point per report,
/// `step` = its index in a sweep), the data lineage, and the selected model — the one with
/// the lowest validation RMSE — as `flowbook_model.json`.
pub fn run_from_training(request: &TrainRequest, reports: &[TrainReport], meta: RunMeta) -> Run {
    let mut run = Run::new(
        &meta.client_id,
        &meta.name,
        &meta.experiment,
        meta.start_time_ms,
    );
    run.description = meta.description;
    run.inputs = meta.inputs;
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
    let categorical: Vec<&str> = request
        .features
        .categorical
        .iter()
        .map(|c| c.name())
        .collect();
    params.insert("categorical".into(), join(&categorical));
    params.insert("numerical".into(), join(&request.features.numerical));
    params.insert(
        "min_duration_min".into(),
        request.prepare.min_duration_min.to_string(),
    );
    params.insert(
        "max_duration_min".into(),
        request.prepare.max_duration_min.to_string(),
    );
    if let Some(min_distance) = request.prepare.min_distance_exclusive {
        params.insert("min_distance_exclusive".into(), min_distance.to_string());
    }

    let at = meta.end_time_ms;
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
        run.add_artifact("flowbook_model.json", selected.model.to_json().into_bytes());
        // The features and the vocabularies learnt from the training rows, on their own
        // for readers who do not parse the model file.
        if let Ok(vocabulary) = serde_json::to_vec_pretty(&selected.model.encoder) {
            run.add_artifact(FEATURE_VOCABULARY, vocabulary);
        }
    }
    run.finish(RunStatus::Finished, meta.end_time_ms);
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
