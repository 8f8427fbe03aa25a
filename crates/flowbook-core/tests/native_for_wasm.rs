//! Writes the native result that the browser test (tests/wasm.rs) compares against:
//! the same training in both, so the wasm build must reproduce the native numbers.
//! scripts/test.sh runs the native tests before the wasm tests.

mod common;

use flowbook_core::features::{FeatureSpec, PrepareSpec};
use flowbook_core::pipeline::PreparedTraining;
use flowbook_core::solve::ModelKind;
use flowbook_core::trees::TreeParams;

#[test]
fn write_native_pu_do_results() {
    let train = common::load("green_tripdata_2021-01.parquet", &["trip_distance"]);
    let val = common::load("green_tripdata_2021-02.parquet", &["trip_distance"]);
    let prepared = PreparedTraining::new(
        &train,
        &val,
        &PrepareSpec::default(),
        &FeatureSpec::pu_do_distance(),
    )
    .expect("prepare");
    let mut results = serde_json::Map::new();
    for (name, kind) in [
        ("ols", ModelKind::Ols),
        ("lasso", ModelKind::Lasso { alpha: 0.01 }),
    ] {
        let report = prepared.train(kind).expect("train");
        let predictions: Vec<f64> = report
            .model
            .predict(&prepared.validation)
            .into_iter()
            .take(2000)
            .collect();
        results.insert(
            name.to_string(),
            serde_json::json!({
                "train_rmse": report.train.rmse,
                "val_rmse": report.validation.rmse,
                "predictions": predictions,
            }),
        );
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/native-results");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join("pu_do.json");
    std::fs::write(&path, serde_json::Value::Object(results).to_string()).expect("write");
    assert!(path.metadata().expect("written").len() > 10_000);
}

/// The tree settings both runs use: sampling on, so the seeded generator is compared too.
pub fn tree_params() -> TreeParams {
    TreeParams {
        num_boost_round: 12,
        max_depth: 8,
        subsample: 0.8,
        colsample_bytree: 0.7,
        seed: 11,
        ..TreeParams::default()
    }
}

#[test]
fn write_native_tree_results() {
    let train = common::load("green_tripdata_2021-01.parquet", &["trip_distance"]);
    let val = common::load("green_tripdata_2021-02.parquet", &["trip_distance"]);
    let report = common::boost(&train, &val, &tree_params());
    let (_, _, val_design) = flowbook_core::pipeline::prepare_designs(
        &train,
        &val,
        &PrepareSpec::default(),
        &FeatureSpec::pu_do_distance(),
    )
    .expect("prepare");
    let predictions = report.model.predict(&val_design);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/native-results");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join("trees.json");
    let results = serde_json::json!({
        "params": tree_params(),
        "val_rmse": report.validation.rmse,
        "nodes": report.model.ensemble.n_nodes(),
        "predictions": predictions,
    });
    std::fs::write(&path, results.to_string()).expect("write");
    assert_eq!(predictions.len(), 61_921);
}
