//! A run record from one monitoring check: a model against its reference over later
//! months, each month one step of the run's metrics, so that MLflow's charts show the
//! model's error and drift month by month next to its training runs.

use crate::monitor::{MonthCheck, SampleSummary, Thresholds};

use super::from_training::new_run;
use super::{RunMeta, RunStatus};

/// The run artifact holding every month's full check (statistics, statuses, reasons).
pub const MONITORING_ARTIFACT: &str = "monitoring.json";

/// What a monitoring run records besides the caller's names and times.
pub struct MonitoringSummary<'a> {
    /// How the user named the model: `name@alias`, `name/3`, a run or a file.
    pub model_label: &'a str,
    /// The digest of the file the model was trained on.
    pub model_train_digest: &'a str,
    pub model_family: &'a str,
    pub reference: &'a SampleSummary,
    pub months: &'a [MonthCheck],
    pub thresholds: &'a Thresholds,
}

/// Params (the model, the thresholds), tags naming the model and the reference's digest,
/// metrics with `step` = the month's index (RMSE, MAE, R², unseen share, drifted share,
/// retrain as 0/1, and each column's drift value as `drift.<column>` and `psi.<column>`),
/// and the checks as `monitoring.json`.
pub fn run_from_monitoring(meta: RunMeta, summary: &MonitoringSummary<'_>) -> super::Run {
    let end_time_ms = meta.end_time_ms;
    let mut run = new_run(meta);
    let thresholds = summary.thresholds;
    for (key, value) in [
        ("monitor.model", summary.model_label.to_string()),
        ("monitor.model_family", summary.model_family.to_string()),
        ("monitor.reference", summary.reference.file_name.clone()),
        ("monitor.months", summary.months.len().to_string()),
        ("threshold.drift_share", thresholds.drift_share.to_string()),
        (
            "threshold.rmse_baseline",
            summary
                .months
                .first()
                .map_or(f64::NAN, |m| m.baseline_rmse)
                .to_string(),
        ),
        (
            "threshold.rmse_warning",
            thresholds.rmse_warning.to_string(),
        ),
        ("threshold.rmse_alert", thresholds.rmse_alert.to_string()),
        (
            "threshold.unseen_warning",
            thresholds.unseen_warning.to_string(),
        ),
        (
            "threshold.unseen_alert",
            thresholds.unseen_alert.to_string(),
        ),
    ] {
        run.params.insert(key.to_string(), value);
    }
    for (column, threshold) in &thresholds.columns {
        run.params
            .insert(format!("threshold.drift.{column}"), threshold.to_string());
    }
    let alert = summary.months.iter().any(|m| m.verdict.retrain);
    for (key, value) in [
        ("flowbook.kind", "monitoring".to_string()),
        ("flowbook.monitor.model", summary.model_label.to_string()),
        (
            "flowbook.monitor.model_train_digest",
            summary.model_train_digest.to_string(),
        ),
        (
            "flowbook.monitor.reference_digest",
            summary.reference.digest.clone(),
        ),
        ("flowbook.monitor.alert", alert.to_string()),
    ] {
        run.tags.insert(key.to_string(), value);
    }
    run.log_metric(
        "reference_rmse",
        summary.reference.metrics.rmse,
        end_time_ms,
        0,
    );
    for (step, month) in summary.months.iter().enumerate() {
        let step = step as i64;
        let mut log = |key: &str, value: f64| run.log_metric(key, value, end_time_ms, step);
        log("rmse", month.metrics.rmse);
        log("mae", month.metrics.mae);
        log("r2", month.metrics.r2);
        log("unseen_share", month.unseen_share);
        log("drifted_share", month.drifted_share);
        log("retrain", f64::from(u8::from(month.verdict.retrain)));
        for drift in &month.drift {
            log(&format!("drift.{}", drift.column), drift.test.value);
            if let Some(psi) = &drift.psi {
                log(&format!("psi.{}", drift.column), psi.value);
            }
        }
    }
    let checks = serde_json::json!({
        "model": summary.model_label,
        "reference": {
            "file": summary.reference.file_name,
            "digest": summary.reference.digest,
            "rows": summary.reference.rows(),
            "rmse": summary.reference.metrics.rmse,
        },
        "thresholds": thresholds,
        "months": summary.months,
    });
    run.add_artifact(
        MONITORING_ARTIFACT,
        serde_json::to_vec_pretty(&checks).unwrap_or_default(),
    );
    run.finish(RunStatus::Finished, end_time_ms);
    run
}
