//! Accuracy against the converged scikit-learn optima in
//! ../shared/data/reference_2021-01_2021-02.json: train RMSE within 1e-5, validation
//! within 1e-3, for every model and feature set listed there.

mod common;

use flowbook_core::features::{Categorical, FeatureSpec, PrepareSpec};
use flowbook_core::pipeline::PreparedTraining;
use flowbook_core::solve::ModelKind;
use serde_json::Value;

fn kind_of(model: &str) -> ModelKind {
    let mut parts = model.split_whitespace();
    let name = parts.next().expect("model name");
    let alpha = parts
        .next()
        .and_then(|p| p.strip_prefix("alpha="))
        .map(|a| a.parse::<f64>().expect("alpha"));
    ModelKind::parse(name, alpha, None).expect("kind")
}

#[test]
fn every_reference_row_matches() {
    let reference: Value = serde_json::from_slice(
        &std::fs::read(common::shared_data("reference_2021-01_2021-02.json")).expect("reference"),
    )
    .expect("json");
    let train = common::load("green_tripdata_2021-01.parquet", &["trip_distance"]);
    let validation = common::load("green_tripdata_2021-02.parquet", &["trip_distance"]);
    let results = reference["results"].as_array().expect("results");
    assert_eq!(results.len(), 10);
    let mut failures = Vec::new();
    for row in results {
        let names: Vec<&str> = row["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|v| v.as_str().expect("name"))
            .collect();
        let spec = FeatureSpec {
            categorical: names
                .iter()
                .filter_map(|n| n.parse::<Categorical>().ok())
                .collect(),
            numerical: names
                .iter()
                .filter(|n| n.parse::<Categorical>().is_err())
                .map(|n| n.to_string())
                .collect(),
        };
        let prepared = PreparedTraining::new(&train, &validation, &PrepareSpec::default(), &spec)
            .expect("prepare");
        let kind = kind_of(row["model"].as_str().expect("model"));
        let report = prepared.train(kind).expect("train");
        assert_eq!(
            report.train_rows as u64,
            reference["train_rows"].as_u64().unwrap()
        );
        assert_eq!(
            report.val_rows as u64,
            reference["val_rows"].as_u64().unwrap()
        );
        assert_eq!(
            report.n_features as u64,
            row["n_features"].as_u64().unwrap()
        );
        let want_train = row["train_rmse"].as_f64().unwrap();
        let want_val = row["val_rmse"].as_f64().unwrap();
        let line = format!(
            "{names:?} {kind}: train {:.7} (ref {want_train}) val {:.7} (ref {want_val}) sweeps {}",
            report.train.rmse, report.validation.rmse, report.iterations
        );
        println!("{line}");
        if (report.train.rmse - want_train).abs() > 1e-5
            || (report.validation.rmse - want_val).abs() > 1e-3
        {
            failures.push(line);
        }
    }
    assert!(
        failures.is_empty(),
        "outside tolerance:\n{}",
        failures.join("\n")
    );
}
