//! The Evaluate cell's numbers on real months (January 2021 trains, February validates):
//! they must agree with the pipeline's own reports and with brute-force recomputation.

mod common;

use std::sync::OnceLock;

use flowbook_core::data::{TripTable, ZoneLookup};
use flowbook_core::evaluate::{
    evaluate, largest_coefficients, overlaid_distributions, predictions, residuals, rmse_per_run,
    sweep_curve, table_predictions, Predictions, RunRmse, EVALUATION_COEFFICIENTS,
};
use flowbook_core::features::{FeatureSpec, PrepareSpec};
use flowbook_core::pipeline::{PreparedTraining, TrainReport, TrainRequest};
use flowbook_core::solve::ModelKind;
use flowbook_core::tracking::{run_from_training, RunMeta};

const TRAIN: &str = "green_tripdata_2021-01.parquet";
const VALIDATION: &str = "green_tripdata_2021-02.parquet";

struct Fixture {
    validation: TripTable,
    prepared: PreparedTraining,
    ols: TrainReport,
}

/// Loads and trains once for all tests of this file.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let train = common::load(TRAIN, &["trip_distance"]);
        let validation = common::load(VALIDATION, &["trip_distance"]);
        let prepared = PreparedTraining::new(
            &train,
            &validation,
            &PrepareSpec::default(),
            &FeatureSpec::pu_do_distance(),
        )
        .expect("prepare");
        let ols = prepared.train(ModelKind::Ols).expect("ols");
        Fixture {
            validation,
            prepared,
            ols,
        }
    })
}

fn zones() -> ZoneLookup {
    let path = common::shared_data("taxi_zone_lookup.csv");
    let bytes = std::fs::read(&path).expect("zone table");
    ZoneLookup::parse_csv("taxi_zone_lookup.csv", &bytes).expect("parse zones")
}

fn rmse(p: &Predictions) -> f64 {
    let sse: f64 = p
        .actual
        .iter()
        .zip(&p.predicted)
        .map(|(a, b)| (a - b) * (a - b))
        .sum();
    (sse / p.len() as f64).sqrt()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn run_meta(name: &str) -> RunMeta {
    RunMeta {
        client_id: format!("client-{name}"),
        name: name.to_string(),
        experiment: "taxi".to_string(),
        start_time_ms: 1_700_000_000_000,
        end_time_ms: 1_700_000_001_000,
        description: String::new(),
        inputs: Vec::new(),
    }
}

#[test]
fn predictions_reproduce_the_reports_validation_rmse() {
    let f = fixture();
    let from_design = predictions(&f.ols.model, &f.prepared.validation);
    let from_table =
        table_predictions(&f.ols.model, &f.validation, &PrepareSpec::default()).expect("rows");
    assert_eq!(from_design, from_table);
    assert_eq!(from_design.len(), f.ols.val_rows);
    let got = rmse(&from_design);
    assert!(
        (got - f.ols.validation.rmse).abs() < 1e-12,
        "{got} vs report {}",
        f.ols.validation.rmse
    );
}

#[test]
fn one_evaluation_holds_what_the_view_and_the_chart_files_show() {
    let f = fixture();
    let zones = zones();
    let got = evaluate(
        &f.ols.model,
        &f.validation,
        &PrepareSpec::default(),
        Some(&zones),
    )
    .expect("evaluate");
    let p = predictions(&f.ols.model, &f.prepared.validation);
    let (actual, predicted) = overlaid_distributions(&p.actual, &p.predicted, 0.0, 60.0, 60);
    assert_eq!(got.actual, actual);
    assert_eq!(got.predicted, predicted);
    assert_eq!(got.residuals, residuals(&p.actual, &p.predicted));
    assert_eq!(got.residuals.summary.rows, f.ols.val_rows);
    assert_eq!(
        got.coefficients,
        largest_coefficients(&f.ols.model, EVALUATION_COEFFICIENTS, Some(&zones))
    );
    // A validation table without the model's numerical feature cannot be evaluated.
    let no_distance = common::load(VALIDATION, &[]);
    assert!(evaluate(&f.ols.model, &no_distance, &PrepareSpec::default(), None).is_err());
}

#[test]
fn overlaid_histograms_count_every_row_in_range_once() {
    let p = predictions(&fixture().ols.model, &fixture().prepared.validation);
    // A range narrower than the data, so both sides have rows left out.
    let (lo, hi, bins) = (5.0, 40.0, 35);
    let (actual, predicted) = overlaid_distributions(&p.actual, &p.predicted, lo, hi, bins);
    for (histogram, values) in [(&actual, &p.actual), (&predicted, &p.predicted)] {
        let outside = values.iter().filter(|v| !(lo..hi).contains(*v)).count() as u64;
        assert_eq!(histogram.below + histogram.above, outside);
        assert_eq!(
            histogram.counts.iter().sum::<u64>(),
            values.len() as u64 - outside
        );
        assert_eq!(
            (histogram.lo, histogram.hi, histogram.counts.len()),
            (lo, hi, bins)
        );
    }
    for histogram in [&actual, &predicted] {
        assert!(histogram.below > 0 && histogram.above > 0);
    }
}

#[test]
fn residuals_summarise_actual_minus_predicted() {
    let p = predictions(&fixture().ols.model, &fixture().prepared.validation);
    let r = residuals(&p.actual, &p.predicted);
    let s = r.summary;
    assert_eq!((s.rows, s.skipped), (p.len(), 0));
    let expected_mean = mean(&p.actual) - mean(&p.predicted);
    assert!(
        (s.mean - expected_mean).abs() < 1e-9,
        "{} vs {expected_mean}",
        s.mean
    );
    // The population std of the residuals, and RMSE² = mean² + std².
    let rmse = fixture().ols.validation.rmse;
    assert!((s.mean * s.mean + s.std * s.std - rmse * rmse).abs() < 1e-8);
    let within = p
        .actual
        .iter()
        .zip(&p.predicted)
        .filter(|(a, b)| (*a - *b).abs() <= 5.0)
        .count();
    assert_eq!(s.within_share, within as f64 / p.len() as f64);
    let h = &r.histogram;
    assert_eq!(h.lo, -h.hi);
    let counted: u64 = h.counts.iter().sum();
    assert_eq!(counted + h.below + h.above, p.len() as u64);
    // The range covers at least 99% of the residuals.
    assert!(counted as f64 >= 0.99 * p.len() as f64, "{counted}");
}

#[test]
fn largest_coefficients_are_the_largest_with_zone_names() {
    let model = &fixture().ols.model;
    let zones = zones();
    let top = largest_coefficients(model, 20, Some(&zones));
    assert_eq!(top.len(), 20);
    let mut magnitudes: Vec<f64> = model.coefficients.iter().map(|c| c.abs()).collect();
    magnitudes.sort_by(|a, b| b.total_cmp(a));
    let got: Vec<f64> = top.iter().map(|c| c.value.abs()).collect();
    assert_eq!(got, magnitudes[..20]);
    for c in &top {
        assert_eq!(model.coefficients[c.column], c.value);
    }
    let names = model.encoder.column_names();
    for c in &top {
        let name = &names[c.column];
        if let Some(pair) = name.strip_prefix("PU_DO=") {
            let (pu, dropoff) = pair.split_once('_').expect("pair");
            let (pu, dropoff): (i64, i64) = (pu.parse().unwrap(), dropoff.parse().unwrap());
            let zone = |id: i64| zones.zones[&id].zone.clone();
            assert_eq!(
                c.label,
                format!("PU_DO {pu}→{dropoff}: {} → {}", zone(pu), zone(dropoff))
            );
        } else {
            assert_eq!(&c.label, name);
        }
    }
    let plain = largest_coefficients(model, 20, None);
    assert_eq!(
        plain.iter().map(|c| c.column).collect::<Vec<_>>(),
        top.iter().map(|c| c.column).collect::<Vec<_>>()
    );
    assert!(plain.iter().all(|c| c.label == names[c.column]));
}

#[test]
fn sweep_curve_and_rmse_per_run_read_back_real_run_records() {
    let f = fixture();
    let request = TrainRequest {
        prepare: PrepareSpec::default(),
        features: FeatureSpec::pu_do_distance(),
        kind: ModelKind::Ridge { alpha: 1.0 },
    };
    let alphas = [0.01, 0.1, 1.0, 10.0, 100.0];
    let reports = f.prepared.sweep(request.kind, &alphas).expect("sweep");
    let sweep = run_from_training(&request, &reports, run_meta("ridge sweep"));
    let curve = sweep_curve(&sweep);
    assert_eq!(curve.len(), reports.len());
    for (point, report) in curve.iter().zip(&reports) {
        assert_eq!(Some(point.alpha), report.kind.alpha());
        assert_eq!(point.val_rmse, report.validation.rmse);
        assert_eq!(point.train_rmse, report.train.rmse);
    }

    let ols_request = TrainRequest {
        kind: ModelKind::Ols,
        ..request
    };
    let single = run_from_training(&ols_request, std::slice::from_ref(&f.ols), run_meta("ols"));
    assert!(sweep_curve(&single).is_empty());
    // The run carries the features and vocabularies on their own, equal to the model's.
    let vocabulary = single
        .artifacts
        .iter()
        .find(|a| a.path == flowbook_core::tracking::FEATURE_VOCABULARY)
        .expect("a feature vocabulary artifact");
    let encoder: flowbook_core::features::Encoder =
        serde_json::from_slice(&vocabulary.bytes).expect("vocabulary JSON");
    assert_eq!(encoder.column_names(), f.ols.model.encoder.column_names());
    assert!(
        encoder.column_names().len() > 100,
        "PU_DO pairs and distance"
    );
    let last = reports.last().expect("reports");
    assert_eq!(
        rmse_per_run(&[single, sweep]),
        vec![
            RunRmse {
                name: "ols".into(),
                train_rmse: Some(f.ols.train.rmse),
                val_rmse: Some(f.ols.validation.rmse),
            },
            RunRmse {
                name: "ridge sweep".into(),
                train_rmse: Some(last.train.rmse),
                val_rmse: Some(last.validation.rmse),
            },
        ]
    );
}
