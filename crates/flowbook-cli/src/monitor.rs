//! `flowbook monitor --model MODEL.json --reference REF --current A [B …]`: the model's
//! error and the data's drift on each later month against the reference, for a scheduled
//! job. Exit status 0 when no month calls for retraining, 3 when one does.

use std::path::{Path, PathBuf};

use clap::Args;
use flowbook_core::data::{TripTable, ZoneLookup};
use flowbook_core::monitor::{check_months, monitored_sample, MonthCheck, Thresholds};
use flowbook_core::saved_model::SavedModel;
use flowbook_core::tracking::{run_from_monitoring, DatasetRole, MonitoringSummary, RunMeta};
use serde_json::{json, Map, Value};

use crate::args::MlflowCli;
use crate::mlflow_sync;

#[derive(Debug, Args)]
pub struct MonitorCli {
    /// A model file written by `flowbook train --save-model`
    #[arg(long, value_name = "MODEL.json")]
    pub model: PathBuf,
    /// What to compare against: by default, the file the model was trained on
    #[arg(long, value_name = "FILE")]
    pub reference: PathBuf,
    /// Later months to check, in order (each is one step of the monitoring run)
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    pub current: Vec<PathBuf>,
    /// Thresholds as JSON (any of: columns, psi, drift_warning_fraction, drift_share,
    /// rmse_warning, rmse_alert, unseen_warning, unseen_alert); Evidently's defaults and
    /// Flowbook's otherwise
    #[arg(long, value_name = "FILE")]
    pub thresholds: Option<PathBuf>,
    /// taxi_zone_lookup.csv, to name the zone pairs that changed most
    #[arg(long, value_name = "CSV")]
    pub zones: Option<PathBuf>,
    /// How the monitoring run names the model (e.g. duration@champion) [default: the
    /// model file's name]
    #[arg(long, value_name = "NAME")]
    pub model_label: Option<String>,
    /// Print one JSON object per current file (one per line), then, with --mlflow-uri,
    /// one with the push's outcome
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub mlflow: MlflowCli,
}

/// Checks every month; `Ok(true)` when one of them calls for retraining.
pub fn run(cli: &MonitorCli) -> Result<bool, String> {
    let mlflow = cli.mlflow.checked()?;
    if mlflow.as_ref().is_some_and(|m| m.register_model.is_some()) {
        return Err("--register-model does not apply to monitor: it trains no model".into());
    }
    let started = mlflow_sync::now_ms();
    let text = std::fs::read_to_string(&cli.model)
        .map_err(|e| format!("cannot read {}: {e}", cli.model.display()))?;
    let model =
        SavedModel::from_json(&text).map_err(|e| format!("{}: {e}", cli.model.display()))?;
    let thresholds = match &cli.thresholds {
        Some(path) => read_thresholds(path)?,
        None => Thresholds::default(),
    };
    let zones = match &cli.zones {
        Some(path) => {
            let bytes =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Some(ZoneLookup::parse_csv(&file_name(path), &bytes).map_err(|e| e.to_string())?)
        }
        None => None,
    };
    let numeric = &model.encoder().spec.numerical;
    let reference_table = crate::load(&cli.reference, numeric)?;
    let reference = monitored_sample(&model, &reference_table).map_err(|e| e.to_string())?;
    let mut tables: Vec<TripTable> = Vec::with_capacity(cli.current.len());
    let mut samples = Vec::with_capacity(cli.current.len());
    for path in &cli.current {
        let table = crate::load(path, numeric)?;
        samples.push(monitored_sample(&model, &table).map_err(|e| e.to_string())?);
        tables.push(table);
    }
    let months = check_months(&reference, &samples, &thresholds).map_err(|e| e.to_string())?;
    let alert = months.iter().any(|m| m.verdict.retrain);
    let pushed = mlflow.as_ref().map(|args| {
        let label = cli
            .model_label
            .clone()
            .unwrap_or_else(|| file_name(&cli.model));
        let mut inputs = vec![mlflow_sync::dataset(
            &reference_table,
            &cli.reference,
            DatasetRole::Reference,
        )];
        inputs.extend(
            tables
                .iter()
                .zip(&cli.current)
                .map(|(t, p)| mlflow_sync::dataset(t, p, DatasetRole::Current)),
        );
        let meta = RunMeta {
            client_id: args
                .client_id
                .clone()
                .unwrap_or_else(mlflow_sync::invocation_client_id),
            name: args
                .run_name
                .clone()
                .unwrap_or_else(|| format!("monitor {label} ({} months)", months.len())),
            experiment: args.experiment.clone(),
            start_time_ms: started,
            end_time_ms: mlflow_sync::now_ms(),
            description: args.description.clone().unwrap_or_default(),
            inputs,
        };
        let summary = MonitoringSummary {
            model_label: &label,
            model_train_digest: model.train_sha256(),
            model_family: model.family_name(),
            reference: &reference.summary(),
            months: &months,
            thresholds: &thresholds,
        };
        mlflow_sync::push(args, &run_from_monitoring(meta, &summary))
    });
    if cli.json {
        for month in &months {
            println!("{}", month_json(month, zones.as_ref()));
        }
        match pushed {
            Some(Ok(summary)) => println!("{}", json!({ "mlflow": summary })),
            Some(Err(message)) => {
                println!("{}", json!({ "mlflow": { "error": message } }));
                return Err(format!("MLflow sync failed: {message}"));
            }
            None => {}
        }
    } else {
        println!(
            "{} on {}: {} trips, rmse {:.4}",
            model.family_name(),
            reference.file_name,
            reference.rows(),
            reference.metrics.rmse
        );
        for month in &months {
            print_month(month, zones.as_ref());
        }
        mlflow_sync::print_push(pushed)?;
    }
    Ok(alert)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn read_thresholds(path: &Path) -> Result<Thresholds, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: not a thresholds file ({e}); expected a JSON object such as {{\"rmse_alert\": 0.25}}",
            path.display()
        )
    })?;
    Thresholds::from_value(value)
        .map_err(|e| format!("{}: not a thresholds file ({e})", path.display()))
}

fn month_json(month: &MonthCheck, zones: Option<&ZoneLookup>) -> Value {
    let mut drift = Map::new();
    let mut psi = Map::new();
    for d in &month.drift {
        let test = |t: &flowbook_core::monitor::DriftTest| {
            json!({
                "stat_test": t.stat_test.name(),
                "value": t.value,
                "threshold": t.threshold,
                "drifted": t.drifted,
            })
        };
        let mut entry = test(&d.test);
        entry["status"] = json!(d.status.name());
        entry["role"] = json!(d.role);
        drift.insert(d.column.clone(), entry);
        if let Some(p) = &d.psi {
            psi.insert(d.column.clone(), test(p));
        }
    }
    json!({
        "file": month.file_name,
        "digest": month.digest,
        "rows": month.rows,
        "rows_in_file": month.rows_in_file,
        "rmse": month.metrics.rmse,
        "mae": month.metrics.mae,
        "r2": month.metrics.r2,
        "reference_rmse": month.reference_metrics.rmse,
        "baseline_rmse": month.baseline_rmse,
        "unseen_share": month.unseen_share,
        "unseen_by_feature": month.unseen_by_feature.iter().map(|(f, s)| (f.name().to_string(), json!(s))).collect::<Map<String, Value>>(),
        "drift": drift,
        "psi": psi,
        "drifted_share": month.drifted_share,
        "status": {
            "rmse": month.verdict.rmse.name(),
            "unseen": month.verdict.unseen.name(),
            "dataset_drift": month.verdict.dataset_drift.name(),
        },
        "changed_pairs": month.changed_pairs.iter().map(|p| json!({
            "pickup_zone": p.pickup_zone,
            "dropoff_zone": p.dropoff_zone,
            "pickup_name": ZoneLookup::label_in(zones, p.pickup_zone),
            "dropoff_name": ZoneLookup::label_in(zones, p.dropoff_zone),
            "reference_share": p.reference_share,
            "current_share": p.current_share,
        })).collect::<Vec<_>>(),
        "alert": month.verdict.retrain,
        "reasons": month.verdict.reasons,
    })
}

fn print_month(month: &MonthCheck, zones: Option<&ZoneLookup>) {
    println!(
        "{}: {} trips, rmse {:.4} (mae {:.4}, r2 {:.4}), unseen {:.2} %, drifted {:.0} % of columns — {}",
        month.file_name,
        month.rows,
        month.metrics.rmse,
        month.metrics.mae,
        month.metrics.r2,
        month.unseen_share * 100.0,
        month.drifted_share * 100.0,
        if month.verdict.retrain { "RETRAIN" } else { "ok" }
    );
    for d in &month.drift {
        println!(
            "    {:<16} {:<30} {:>10.6}  threshold {:<5} {}",
            d.column,
            d.test.stat_test.display_name(),
            d.test.value,
            d.test.threshold,
            d.status.name()
        );
    }
    for pair in month.changed_pairs.iter().take(3) {
        println!(
            "    zone pair {} → {}: {:.2} % of trips, was {:.2} %",
            ZoneLookup::label_in(zones, pair.pickup_zone),
            ZoneLookup::label_in(zones, pair.dropoff_zone),
            pair.current_share * 100.0,
            pair.reference_share * 100.0
        );
    }
    for reason in &month.verdict.reasons {
        println!("    · {reason}");
    }
}
