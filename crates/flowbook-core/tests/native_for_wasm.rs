//! Writes the native result that the browser test (tests/wasm.rs) compares against:
//! the same training in both, so the wasm build must reproduce the native numbers.
//! scripts/test.sh runs the native tests before the wasm tests.

mod common;

use flowbook_core::features::{FeatureSpec, PrepareSpec};
use flowbook_core::solve::ModelKind;
use flowbook_core::trees::TreeParams;

#[test]
fn write_native_pu_do_results() {
    let prepared = common::course_prepared();
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

/// The searches both runs make: TPE on a nested test function (every distribution), and
/// TPE over linear models on the bundled trips, whose later trials depend on the earlier
/// trials' validation RMSE.
pub fn search_settings(max_evals: usize, seed: u64) -> flowbook_core::search::SearchSettings {
    flowbook_core::search::SearchSettings {
        max_evals,
        seed,
        batch: 2,
        ..flowbook_core::search::SearchSettings::default()
    }
}

pub const LINEAR_SPACE: &str = include_str!("../../../examples/search/linear.json");

#[test]
fn write_native_search_results() {
    use flowbook_core::search::functions::TestFunction;
    use flowbook_core::search::{run_search, SearchSpace, Suggester, TripSearch};
    let function = TestFunction::Nested;
    let settings = search_settings(40, 5);
    let suggester = Suggester::new(function.domain(), settings);
    let (nested, _) = run_search(&suggester, &settings, &mut |_, points| {
        points.iter().map(|p| function.loss(p)).collect()
    });
    let train = common::load("green_tripdata_2021-01.parquet", &["trip_distance"]);
    let val = common::load("green_tripdata_2021-02.parquet", &["trip_distance"]);
    let space = SearchSpace::from_json(LINEAR_SPACE).expect("space");
    let trips = TripSearch::new(&train, &val);
    let settings = search_settings(30, 8);
    let suggester = Suggester::new(space.domain(), settings);
    let mut params = Vec::new();
    let (linear, _) = run_search(&suggester, &settings, &mut |_, points| {
        points
            .iter()
            .map(|p| {
                let config = space.decode(p);
                params.push(config.params.clone());
                trips
                    .evaluate(&config, &|| false)
                    .expect("trial")
                    .metrics
                    .validation
                    .rmse
            })
            .collect()
    });
    let points = |h: &flowbook_core::search::History| -> Vec<Vec<Option<f64>>> {
        h.observations.iter().map(|o| o.point.clone()).collect()
    };
    let losses = |h: &flowbook_core::search::History| -> Vec<f64> {
        h.observations.iter().map(|o| o.loss).collect()
    };
    let results = serde_json::json!({
        "nested_settings": search_settings(40, 5),
        "linear_settings": search_settings(30, 8),
        "nested_points": points(&nested),
        "nested_losses": losses(&nested),
        "linear_params": params,
        "linear_losses": losses(&linear),
    });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/native-results");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("search.json"), results.to_string()).expect("write");
    assert_eq!(linear.observations.len(), 30);
}
