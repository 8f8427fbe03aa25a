//! The Train step as the app runs it (`train_or_sweep`): progress that only moves forward
//! and ends at its total, the same reports as the step-by-step calls, and reports that
//! cross the worker protocol's JSON bit for bit.

mod common;

use flowbook_core::features::{Categorical, FeatureSpec, PrepareSpec};
use flowbook_core::pipeline::{
    train, train_job, train_or_sweep, Phase, PreparedTraining, Progress, TrainRequest, Trained,
};
use flowbook_core::solve::ModelKind;
use flowbook_core::train_protocol::{
    checked_tree_report, pack_reports, protocol_mismatch, unpack_reports, TableRef, TrainJob,
    WorkerReply, PROTOCOL_VERSION,
};
use flowbook_core::trees::TreeParams;

const TRAIN: &str = "green_tripdata_2021-01.parquet";
const VALIDATION: &str = "green_tripdata_2021-02.parquet";

fn request(kind: ModelKind) -> TrainRequest {
    TrainRequest {
        prepare: PrepareSpec::default(),
        features: FeatureSpec {
            categorical: vec![Categorical::PickupDropoffPair],
            numerical: vec!["trip_distance".to_string()],
        },
        kind,
    }
}

fn assert_forward(steps: &[Progress], models: usize) {
    let total = Progress::total_steps(models);
    assert!(steps.iter().all(|p| p.total == total), "{steps:?}");
    assert!(
        steps.windows(2).all(|w| w[0].done <= w[1].done),
        "{steps:?}"
    );
    assert_eq!(
        steps.first().map(|p| (p.phase, p.done)),
        Some((Phase::Preparing, 0))
    );
    assert_eq!(
        steps.last().map(|p| (p.phase, p.done)),
        Some((Phase::Evaluating, total))
    );
}

#[test]
fn sweep_progress_moves_forward_per_alpha_and_matches_the_sweep() {
    let train_table = common::load(TRAIN, &["trip_distance"]);
    let validation = common::load(VALIDATION, &["trip_distance"]);
    let alphas = [0.5, 0.001, 10.0, 0.1];
    for kind in [
        ModelKind::Ridge { alpha: 1.0 },
        ModelKind::Lasso { alpha: 1.0 },
    ] {
        let req = request(kind);
        let mut steps = Vec::new();
        let reports = train_or_sweep(&train_table, &validation, &req, Some(&alphas), &mut |p| {
            steps.push(p)
        })
        .expect("sweep");
        assert_forward(&steps, alphas.len());
        // One step per model fitted and per model evaluated, after the preparation.
        assert_eq!(
            steps.iter().filter(|p| p.phase == Phase::Fitting).count(),
            alphas.len()
        );
        assert_eq!(
            steps
                .iter()
                .filter(|p| p.phase == Phase::Evaluating)
                .count(),
            alphas.len()
        );
        let expected =
            PreparedTraining::new(&train_table, &validation, &req.prepare, &req.features)
                .and_then(|p| p.sweep(kind, &alphas))
                .expect("plain sweep");
        assert_eq!(reports, expected, "{kind}");
    }
}

#[test]
fn single_training_progress_and_report_equal_the_plain_call() {
    let train_table = common::load(TRAIN, &["trip_distance"]);
    let validation = common::load(VALIDATION, &["trip_distance"]);
    let req = request(ModelKind::Ols);
    let mut steps = Vec::new();
    // An empty sweep is no sweep.
    let reports = train_or_sweep(&train_table, &validation, &req, Some(&[]), &mut |p| {
        steps.push(p)
    })
    .expect("train");
    assert_forward(&steps, 1);
    assert_eq!(
        reports,
        vec![train(&train_table, &validation, &req).expect("plain")]
    );
}

#[test]
fn reports_cross_the_worker_protocol_bit_for_bit() {
    let train_table = common::load(TRAIN, &["trip_distance"]);
    let validation = common::load(VALIDATION, &["trip_distance"]);
    let req = request(ModelKind::Ridge { alpha: 1.0 });
    let reports = train_or_sweep(
        &train_table,
        &validation,
        &req,
        Some(&[0.3, 3.0]),
        &mut |_| {},
    )
    .expect("sweep");
    let (packed, coefficients) = pack_reports(reports.clone());
    assert_eq!(coefficients.len(), 2 * reports[0].model.coefficients.len());
    assert!(packed.shared_encoder.is_some());
    let reply = WorkerReply::Done {
        id: 7,
        reports: packed,
    };
    let back = WorkerReply::from_json(&reply.to_json()).expect("parse");
    let WorkerReply::Done { id, reports: back } = back else {
        panic!("not a result: {back:?}");
    };
    assert_eq!(id, 7);
    // A buffer of the wrong length is refused, not misread.
    assert!(unpack_reports(back.clone(), &coefficients[1..]).is_err());
    let back = unpack_reports(back, &coefficients).expect("unpack");
    for (a, b) in reports.iter().zip(&back) {
        assert_eq!(a.validation.rmse.to_bits(), b.validation.rmse.to_bits());
        assert_eq!(a.train.rmse.to_bits(), b.train.rmse.to_bits());
        let bits = |c: &[f64]| c.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.model.coefficients), bits(&b.model.coefficients));
    }
    // Equal down to the encoders' lookups: the models predict as the originals do.
    assert_eq!(back, reports);
    let rows = &validation;
    let prepared =
        PreparedTraining::new(&train_table, rows, &req.prepare, &req.features).expect("prepare");
    assert_eq!(
        back[1].model.predict(&prepared.validation),
        reports[1].model.predict(&prepared.validation)
    );

    let job = TrainJob {
        protocol: PROTOCOL_VERSION,
        id: 3,
        train: TableRef {
            file_name: TRAIN.into(),
            sha256_hex: train_table.sha256_hex.clone(),
            bytes_attached: true,
        },
        validation: TableRef {
            file_name: VALIDATION.into(),
            sha256_hex: validation.sha256_hex.clone(),
            bytes_attached: false,
        },
        numeric_columns: vec!["trip_distance".into()],
        request: req,
        sweep_alphas: Some(vec![0.1, 1e-300, 12345.678]),
        trees: None,
        trials: None,
        monitor: None,
    };
    assert_eq!(TrainJob::from_json(&job.to_json()), Ok(job));
    assert!(TrainJob::from_json("{\"id\":1}")
        .unwrap_err()
        .contains("unreadable training job"));
}

/// A page and a worker from different builds tell each other apart: each states its
/// protocol version, and one that predates the versions reads as version 0.
#[test]
fn page_and_worker_state_their_protocol_version() {
    let ready = WorkerReply::Ready {
        protocol: PROTOCOL_VERSION,
    };
    assert_eq!(WorkerReply::from_json(&ready.to_json()), Ok(ready));
    assert_eq!(
        WorkerReply::from_json(r#"{"reply":"ready"}"#),
        Ok(WorkerReply::Ready { protocol: 0 })
    );
    let mismatch = protocol_mismatch(PROTOCOL_VERSION, 0);
    assert!(
        mismatch.contains("another version of Flowbook"),
        "{mismatch}"
    );
    assert!(
        mismatch.contains(&format!("v{PROTOCOL_VERSION}")),
        "{mismatch}"
    );
}

/// A tree job as the worker runs it: one step to prepare, one per round, ending at its
/// total; the report crosses the protocol's JSON and, checked on arrival, predicts
/// bit for bit as the original.
#[test]
fn tree_jobs_count_their_rounds_and_cross_the_protocol_intact() {
    let train_table = common::load(TRAIN, &["trip_distance"]);
    let validation = common::load(VALIDATION, &["trip_distance"]);
    let req = request(ModelKind::Ols);
    let params = TreeParams {
        num_boost_round: 6,
        max_depth: 4,
        ..TreeParams::default()
    };
    let mut steps = Vec::new();
    let trained = train_job(
        &train_table,
        &validation,
        &req,
        None,
        Some(&params),
        &mut |p| steps.push(p),
    )
    .expect("trains");
    assert_eq!(steps.len(), 7, "{steps:?}");
    assert!(steps.iter().all(|p| p.total == 7));
    assert_eq!(
        steps.last().map(|p| (p.phase, p.done)),
        Some((Phase::Boosting, 7))
    );
    let Trained::Trees { report } = trained else {
        panic!("a tree job trains trees");
    };
    let reply = WorkerReply::TreesDone {
        id: 9,
        report: report.clone(),
    };
    let WorkerReply::TreesDone { id, report: back } =
        WorkerReply::from_json(&reply.to_json()).expect("reads back")
    else {
        panic!("the same reply");
    };
    assert_eq!(id, 9);
    let back = checked_tree_report(back).expect("a sound model");
    let prepared = PreparedTraining::new(&train_table, &validation, &req.prepare, &req.features)
        .expect("prepare");
    let bits = |p: Vec<f64>| p.into_iter().map(f64::to_bits).collect::<Vec<_>>();
    assert_eq!(
        bits(back.model.predict(&prepared.validation)),
        bits(report.model.predict(&prepared.validation))
    );
    assert_eq!(back.curve, report.curve);
}
