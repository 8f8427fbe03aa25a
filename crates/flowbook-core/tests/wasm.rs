//! The engine in the browser: decode the bundled parquet files and train in wasm, then
//! compare with the native run of the same training (written by tests/native_for_wasm.rs).

#![cfg(target_arch = "wasm32")]

use bytes::Bytes;
use flowbook_core::data::load_trips;
use flowbook_core::features::{FeatureSpec, PrepareSpec};
use flowbook_core::pipeline::PreparedTraining;
use flowbook_core::solve::ModelKind;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const TRAIN: &[u8] = include_bytes!("../../../public/data/green_tripdata_2021-01.parquet");
const VAL: &[u8] = include_bytes!("../../../public/data/green_tripdata_2021-02.parquet");
const NATIVE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../target/native-results/pu_do.json"
));
const NATIVE_TREES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../target/native-results/trees.json"
));
const REFERENCE: &str = include_str!("../../../../shared/data/reference_2021-01_2021-02.json");

#[wasm_bindgen_test]
fn training_in_wasm_matches_native_and_the_reference() {
    let numeric = vec!["trip_distance".to_string()];
    let train =
        load_trips("train.parquet", Bytes::from_static(TRAIN), &numeric).expect("train file");
    let val = load_trips("val.parquet", Bytes::from_static(VAL), &numeric).expect("val file");
    let prepared = PreparedTraining::new(
        &train,
        &val,
        &PrepareSpec::default(),
        &FeatureSpec::pu_do_distance(),
    )
    .expect("prepare");
    let native: serde_json::Value = serde_json::from_str(NATIVE).expect("native results");
    let reference: serde_json::Value = serde_json::from_str(REFERENCE).expect("reference");
    for (name, kind, reference_model) in [
        ("ols", ModelKind::Ols, "ols"),
        (
            "lasso",
            ModelKind::Lasso { alpha: 0.01 },
            "lasso alpha=0.01",
        ),
    ] {
        let report = prepared.train(kind).expect("train");
        let expected = &native[name];
        let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol;
        assert!(
            close(
                report.train.rmse,
                expected["train_rmse"].as_f64().unwrap(),
                1e-12
            ),
            "{name} train"
        );
        assert!(
            close(
                report.validation.rmse,
                expected["val_rmse"].as_f64().unwrap(),
                1e-12
            ),
            "{name} val"
        );
        let predictions = report.model.predict(&prepared.validation);
        let native_predictions = expected["predictions"].as_array().expect("predictions");
        assert_eq!(native_predictions.len(), 2000);
        for (i, (p, q)) in predictions.iter().zip(native_predictions).enumerate() {
            assert!(
                close(*p, q.as_f64().unwrap(), 1e-9),
                "{name}: prediction {i} {p} vs {q}"
            );
        }
        let row = reference["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["features"][0] == "PU_DO" && r["model"] == reference_model)
            .expect("reference row");
        assert!(close(
            report.train.rmse,
            row["train_rmse"].as_f64().unwrap(),
            1e-5
        ));
        assert!(close(
            report.validation.rmse,
            row["val_rmse"].as_f64().unwrap(),
            1e-3
        ));
    }
}

/// The same seeded boosting (row and column sampling on) in wasm as natively: every
/// validation prediction equal within 1e-9.
#[wasm_bindgen_test]
fn trees_in_wasm_match_native() {
    let numeric = vec!["trip_distance".to_string()];
    let train =
        load_trips("train.parquet", Bytes::from_static(TRAIN), &numeric).expect("train file");
    let val = load_trips("val.parquet", Bytes::from_static(VAL), &numeric).expect("val file");
    let native: serde_json::Value = serde_json::from_str(NATIVE_TREES).expect("native results");
    let params: flowbook_core::trees::TreeParams =
        serde_json::from_value(native["params"].clone()).expect("params");
    let report = flowbook_core::pipeline::train_trees(
        &train,
        &val,
        &PrepareSpec::default(),
        &FeatureSpec::pu_do_distance(),
        &params,
        &mut |_| std::ops::ControlFlow::Continue(()),
    )
    .expect("train")
    .expect("not cancelled");
    assert_eq!(
        report.model.ensemble.n_nodes() as u64,
        native["nodes"].as_u64().unwrap()
    );
    let (_, _, val_design) = flowbook_core::pipeline::prepare_designs(
        &train,
        &val,
        &PrepareSpec::default(),
        &FeatureSpec::pu_do_distance(),
    )
    .expect("prepare");
    let predictions = report.model.predict(&val_design);
    let native_predictions = native["predictions"].as_array().expect("predictions");
    assert_eq!(predictions.len(), native_predictions.len());
    for (i, (p, q)) in predictions.iter().zip(native_predictions).enumerate() {
        let q = q.as_f64().unwrap();
        assert!(
            (p - q).abs() <= 1e-9,
            "prediction {i}: {p} in wasm, {q} natively"
        );
    }
    assert!((report.validation.rmse - native["val_rmse"].as_f64().unwrap()).abs() <= 1e-9);
}

const NATIVE_SEARCH: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../target/native-results/search.json"
));

/// One seed, one trial sequence: the same TPE searches in wasm suggest the same points,
/// bit for bit, as natively (a nested test function, and linear models on the trips).
#[wasm_bindgen_test]
fn searches_in_wasm_suggest_the_native_trials() {
    use flowbook_core::search::functions::TestFunction;
    use flowbook_core::search::{run_search, SearchSettings, SearchSpace, Suggester, TripSearch};
    let native: serde_json::Value = serde_json::from_str(NATIVE_SEARCH).expect("native results");
    let settings: SearchSettings =
        serde_json::from_value(native["nested_settings"].clone()).expect("settings");
    let function = TestFunction::Nested;
    let suggester = Suggester::new(function.domain(), settings);
    let (nested, _) = run_search(&suggester, &settings, &mut |_, points| {
        points.iter().map(|p| function.loss(p)).collect()
    });
    let points: Vec<Vec<Option<f64>>> =
        serde_json::from_value(native["nested_points"].clone()).expect("points");
    assert_eq!(nested.observations.len(), points.len());
    for (i, (o, p)) in nested.observations.iter().zip(&points).enumerate() {
        assert_eq!(&o.point, p, "trial {i}");
    }

    let numeric = vec!["trip_distance".to_string()];
    let train =
        load_trips("train.parquet", Bytes::from_static(TRAIN), &numeric).expect("train file");
    let val = load_trips("val.parquet", Bytes::from_static(VAL), &numeric).expect("val file");
    let space = SearchSpace::from_json(include_str!("../../../examples/search/linear.json"))
        .expect("space");
    let settings: SearchSettings =
        serde_json::from_value(native["linear_settings"].clone()).expect("settings");
    let trips = TripSearch::new(&train, &val);
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
    let native_params: Vec<Vec<(String, String)>> =
        serde_json::from_value(native["linear_params"].clone()).expect("params");
    assert_eq!(params, native_params);
    let native_losses: Vec<f64> =
        serde_json::from_value(native["linear_losses"].clone()).expect("losses");
    for (i, (o, n)) in linear.observations.iter().zip(&native_losses).enumerate() {
        assert!(
            (o.loss - n).abs() <= 1e-9,
            "trial {i}: {} in wasm, {n} natively",
            o.loss
        );
    }
}
