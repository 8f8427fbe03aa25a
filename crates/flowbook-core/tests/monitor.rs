//! The monitor on real TLC months: the course's model trained on January 2021 checked on
//! later months. Evidently's figures are checked live in tests/oracle/test_monitor.py;
//! here, what follows from the engine itself.

mod common;

use common::{load, sha256_of};
use flowbook_core::monitor::{check_months, monitored_sample, Status, Thresholds, TARGET_COLUMN};
use flowbook_core::saved_model::SavedModel;
use flowbook_core::solve::ModelKind;

fn course_model() -> (SavedModel, f64) {
    let report = common::course_prepared()
        .train(ModelKind::Ols)
        .expect("train");
    (SavedModel::Linear(report.model), report.validation.rmse)
}

#[test]
fn later_months_against_january_2021() {
    let (model, validation_rmse) = course_model();
    let reference = load("green_tripdata_2021-01.parquet", &["trip_distance"]);
    let reference = monitored_sample(&model, &reference).expect("reference");
    // The training rows hold no category the model never saw.
    assert_eq!(reference.unseen_rows, 0);
    assert_eq!(
        reference.digest,
        sha256_of("green_tripdata_2021-01.parquet")
    );
    let months: Vec<_> = ["2021-02", "2021-03", "2023-01"]
        .iter()
        .map(|m| {
            let table = load(&format!("green_tripdata_{m}.parquet"), &["trip_distance"]);
            monitored_sample(&model, &table).expect("month")
        })
        .collect();
    let checks = check_months(&reference, &months, &Thresholds::default()).expect("checks");
    // February is the validation file: the monitor's RMSE is the training's validation RMSE,
    // and the first month is the RMSE's baseline.
    assert!((checks[0].metrics.rmse - validation_rmse).abs() < 1e-12);
    assert_eq!(checks[0].baseline_rmse, checks[0].metrics.rmse);
    assert_eq!(checks[0].verdict.rmse, Status::Ok);
    assert!(
        checks[0].unseen_share > 0.0 && checks[0].unseen_share < 0.1,
        "{}",
        checks[0].unseen_share
    );
    let verdicts: Vec<bool> = checks.iter().map(|c| c.verdict.retrain).collect();
    assert_eq!(verdicts, [false, false, true]);
    let target = checks[2].drift_of(TARGET_COLUMN).expect("target drift");
    assert!(target.test.drifted && target.status == Status::Alert);
    assert!(
        checks[2]
            .verdict
            .reasons
            .iter()
            .any(|r| r.starts_with("dataset drift")),
        "{:?}",
        checks[2].verdict.reasons
    );
    // The zone pairs that changed most, largest change first.
    let pairs = &checks[2].changed_pairs;
    assert_eq!(pairs.len(), 10);
    assert!(pairs
        .windows(2)
        .all(|w| w[0].change().abs() >= w[1].change().abs()));
}

#[test]
fn thresholds_a_user_writes_are_checked_by_name() {
    let read = |text: &str| Thresholds::from_value(serde_json::from_str(text).unwrap());
    let t = read(r#"{"rmse_alert": 0.3, "columns": {"PU_DO": 0.5}}"#).expect("reads");
    assert_eq!(
        (t.rmse_alert, t.rmse_warning, t.columns["PU_DO"]),
        (0.3, 0.10, 0.5)
    );
    let error = read(r#"{"rmse_alrt": 0.3}"#).unwrap_err();
    assert!(error.contains("rmse_alrt"), "{error}");
    let error = read(r#"{"unseen_warning": 0.5, "unseen_alert": 0.2}"#).unwrap_err();
    assert!(
        error.contains("unseen_warning (0.5) is above unseen_alert (0.2)"),
        "{error}"
    );
    let error = read(r#"{"columns": {"duration": -1}}"#).unwrap_err();
    assert!(error.contains("columns.duration"), "{error}");
    let error = read(r#"{"drift_share": 0}"#).unwrap_err();
    assert!(error.contains("drift_share"), "{error}");
}

/// The Monitor cell's check as the training worker runs it: `check_tables` equals the
/// checks of the samples, and its result and job cross the worker's JSON bit for bit.
#[test]
fn a_check_crosses_the_worker_protocol_intact() {
    use flowbook_core::monitor::check_tables;
    use flowbook_core::train_protocol::{MonitorJob, TableRef, WorkerReply};

    let (model, _) = course_model();
    let reference = load("green_tripdata_2021-01.parquet", &["trip_distance"]);
    let months: Vec<_> = ["2021-02", "2023-01"]
        .iter()
        .map(|m| load(&format!("green_tripdata_{m}.parquet"), &["trip_distance"]))
        .collect();
    let thresholds = Thresholds::default();
    let tables: Vec<_> = months.iter().collect();
    let (summary, checks) = check_tables(&model, &reference, &tables, &thresholds).expect("check");
    let sample = monitored_sample(&model, &reference).expect("reference");
    let samples: Vec<_> = months
        .iter()
        .map(|t| monitored_sample(&model, t).expect("month"))
        .collect();
    assert_eq!(summary, sample.summary());
    assert_eq!(
        checks,
        check_months(&sample, &samples, &thresholds).expect("checks")
    );
    assert_eq!(summary.rows(), sample.rows());
    assert!(summary.columns.iter().any(|c| c == TARGET_COLUMN));

    let reply = WorkerReply::Monitored {
        id: 4,
        reference: Box::new(summary),
        months: checks,
    };
    assert_eq!(WorkerReply::from_json(&reply.to_json()), Ok(reply));
    let job = MonitorJob {
        model_json: model.to_json(),
        months: vec![TableRef {
            file_name: "green_tripdata_2023-01.parquet".into(),
            sha256_hex: months[1].sha256_hex.clone(),
            bytes_attached: true,
        }],
        thresholds,
    };
    let back: MonitorJob =
        serde_json::from_str(&serde_json::to_string(&job).expect("write")).expect("read");
    assert_eq!(back, job);
    assert_eq!(
        SavedModel::from_json(&back.model_json).expect("model"),
        model
    );
}
