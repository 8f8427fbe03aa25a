//! Writes the native result that the browser test (tests/wasm.rs) compares against:
//! the same training in both, so the wasm build must reproduce the native numbers.
//! scripts/test.sh runs the native tests before the wasm tests.

mod common;

use flowbook_core::features::{FeatureSpec, PrepareSpec};
use flowbook_core::pipeline::PreparedTraining;
use flowbook_core::solve::ModelKind;

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
