//! Gradient-boosted trees on the real TLC files: settings checks, determinism, early
//! stopping, Cancel, the model file and feature importance. XGBoost itself is the oracle
//! in tests/oracle/test_trees.py.

mod common;

use std::ops::ControlFlow;

use flowbook_core::data::TripTable;
use flowbook_core::features::{FeatureSpec, PrepareSpec};
use flowbook_core::pipeline::{train_trees, TreeReport};
use flowbook_core::trees::{TreeError, TreeModel, TreeParams};

fn months() -> (TripTable, TripTable) {
    (
        common::load("green_tripdata_2021-01.parquet", &["trip_distance"]),
        common::load("green_tripdata_2021-02.parquet", &["trip_distance"]),
    )
}

fn train(params: &TreeParams, tables: &(TripTable, TripTable)) -> TreeReport {
    common::boost(&tables.0, &tables.1, params)
}

fn small() -> TreeParams {
    TreeParams {
        num_boost_round: 15,
        max_depth: 6,
        learning_rate: 0.3,
        ..TreeParams::default()
    }
}

/// A change that puts one setting out of its range.
type Breaks = fn(&mut TreeParams);

#[test]
fn out_of_range_settings_name_their_field() {
    let cases: [(&str, Breaks); 8] = [
        ("max_depth", |p| p.max_depth = 0),
        ("learning_rate", |p| p.learning_rate = 0.0),
        ("learning_rate", |p| p.learning_rate = f64::NAN),
        ("subsample", |p| p.subsample = 1.5),
        ("colsample_bytree", |p| p.colsample_bytree = 0.0),
        ("num_boost_round", |p| p.num_boost_round = 0),
        ("max_bin", |p| p.max_bin = 1),
        ("early_stopping_rounds", |p| {
            p.early_stopping_rounds = Some(0)
        }),
    ];
    for (want, change) in cases {
        let mut params = TreeParams::default();
        change(&mut params);
        match params.validate() {
            Err(TreeError::Parameter { field, message }) => {
                assert_eq!(field, want);
                assert!(message.starts_with(want), "{message}");
            }
            other => panic!("{want}: {other:?}"),
        }
    }
    assert!(TreeParams::default().validate().is_ok());
    assert!(TreeParams::course().validate().is_ok());
}

#[test]
fn one_seed_gives_one_model_and_another_seed_another() {
    let tables = months();
    let sampled = TreeParams {
        subsample: 0.8,
        colsample_bytree: 0.5,
        seed: 7,
        ..small()
    };
    let a = train(&sampled, &tables);
    let b = train(&sampled, &tables);
    assert_eq!(a.model, b.model);
    assert_eq!(a.curve, b.curve);
    let c = train(&TreeParams { seed: 8, ..sampled }, &tables);
    assert_ne!(a.model.ensemble, c.model.ensemble);
    // Half the columns per tree leaves trip_distance out of about half the trees, so the
    // sampled model is worse than the full one, but still a model.
    let full = train(&small(), &tables);
    assert!(
        a.validation.rmse > full.validation.rmse && a.validation.rmse < 12.0,
        "sampled {} full {}",
        a.validation.rmse,
        full.validation.rmse
    );
}

#[test]
fn boosting_beats_the_linear_models_and_the_curve_falls() {
    let tables = months();
    let report = train(&small(), &tables);
    assert_eq!(report.train_rows, 73_908);
    assert_eq!(report.val_rows, 61_921);
    assert_eq!(report.n_features, 13_221);
    assert_eq!(report.curve.len(), 15);
    assert!(report
        .curve
        .windows(2)
        .all(|w| w[1].train_rmse < w[0].train_rmse));
    let last = report.curve.last().expect("curve");
    assert!((last.val_rmse - report.validation.rmse).abs() < 1e-9);
    assert!((last.train_rmse - report.train.rmse).abs() < 1e-9);
    // Depth-6 trees after 15 rounds already beat OLS on PULocationID + DOLocationID
    // (10.4735 on February, reference-results.md).
    assert!(report.validation.rmse < 10.0, "{}", report.validation.rmse);
}

#[test]
fn early_stopping_keeps_the_best_round() {
    let tables = months();
    // A high learning rate and deep trees overfit within a few rounds.
    let params = TreeParams {
        num_boost_round: 60,
        learning_rate: 1.0,
        max_depth: 20,
        min_child_weight: 1.0,
        reg_lambda: 0.0,
        early_stopping_rounds: Some(3),
        ..TreeParams::default()
    };
    let report = train(&params, &tables);
    assert!(report.stopped_early);
    let best = report.best_iteration as usize;
    assert_eq!(report.rounds_trained as usize, best + 1 + 3);
    assert_eq!(report.model.ensemble.trees.len(), best + 1);
    let best_val = report.curve[best].val_rmse;
    assert!(report.curve.iter().all(|p| p.val_rmse >= best_val));
    assert!((report.validation.rmse - best_val).abs() < 1e-9);
}

/// The report's metrics come from the sums boosting kept for every row; they must be the
/// saved model's own predictions to the last bit, with early stopping cutting the model,
/// with row and column sampling, and without either.
#[test]
fn the_reported_metrics_are_the_model_files_predictions_to_the_last_bit() {
    use flowbook_core::metrics::RegressionMetrics;
    use flowbook_core::pipeline::prepare_designs;
    let tables = months();
    let (_, train_design, val_design) = prepare_designs(
        &tables.0,
        &tables.1,
        &PrepareSpec::default(),
        &FeatureSpec::pu_do_distance(),
    )
    .expect("designs");
    let overfitting = TreeParams {
        num_boost_round: 40,
        learning_rate: 1.0,
        max_depth: 20,
        reg_lambda: 0.0,
        early_stopping_rounds: Some(3),
        ..TreeParams::default()
    };
    let sampled = TreeParams {
        subsample: 0.7,
        colsample_bytree: 0.5,
        seed: 3,
        early_stopping_rounds: Some(5),
        ..small()
    };
    let mut cut_early = false;
    for params in [small(), overfitting, sampled] {
        let report = train(&params, &tables);
        cut_early |= report.stopped_early;
        // Read back from its file, as the registry and Predict read it.
        let model = TreeModel::from_json(&report.model.to_json()).expect("model file");
        let train = RegressionMetrics::compute(&train_design.target, &model.predict(&train_design));
        let validation =
            RegressionMetrics::compute(&val_design.target, &model.predict(&val_design));
        assert_eq!(report.train, train, "{params:?}");
        assert_eq!(report.validation, validation, "{params:?}");
    }
    assert!(cut_early, "a model was cut at its best round");
}

#[test]
fn a_stopped_training_returns_nothing() {
    let tables = months();
    let mut seen = 0;
    let result = train_trees(
        &tables.0,
        &tables.1,
        &PrepareSpec::default(),
        &FeatureSpec::pu_do_distance(),
        &small(),
        &mut |round| {
            seen += 1;
            if round.round == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )
    .expect("no error");
    assert!(result.is_none());
    assert_eq!(seen, 3);
}

#[test]
fn the_model_file_round_trips_and_damage_is_explained() {
    let tables = months();
    let report = train(&small(), &tables);
    let text = report.model.to_json();
    let back = TreeModel::from_json(&text).expect("read back");
    assert_eq!(back, report.model);

    let mut damaged: serde_json::Value = serde_json::from_str(&text).expect("json");
    damaged["ensemble"]["trees"][0]["left"][0] = serde_json::json!(0);
    let error = TreeModel::from_json(&damaged.to_string()).expect_err("damaged");
    assert!(
        error
            .to_string()
            .contains("tree 0: node 0 has children out of order"),
        "{error}"
    );

    let mut newer: serde_json::Value = serde_json::from_str(&text).expect("json");
    newer["format_version"] = serde_json::json!(99);
    let error = TreeModel::from_json(&newer.to_string()).expect_err("newer");
    assert!(error.to_string().contains("Update Flowbook"), "{error}");

    let linear = r#"{"format_version":1,"model":"ols"}"#;
    assert!(TreeModel::from_json(linear).is_err());
}

#[test]
fn importance_names_zone_pairs_and_the_distance_leads() {
    let tables = months();
    let report = train(&small(), &tables);
    let zones = flowbook_core::data::ZoneLookup::parse_csv(
        "taxi_zone_lookup.csv",
        &std::fs::read(common::shared_data("taxi_zone_lookup.csv")).expect("zones"),
    )
    .expect("zone table");
    let top = report.model.importance(10, Some(&zones));
    assert_eq!(top.len(), 10);
    assert_eq!(top[0].label, "trip_distance");
    assert!(top.windows(2).all(|w| w[0].total_gain >= w[1].total_gain));
    assert!(top
        .iter()
        .skip(1)
        .all(|f| f.label.starts_with("PU_DO ") && f.label.contains(" → ")));
}

#[test]
fn a_training_too_large_for_a_tab_is_refused_with_its_estimate() {
    use flowbook_core::features::Design;
    use flowbook_core::trees::{boost, working_set_bytes, MEMORY_LIMIT_BYTES};
    // 60 million rows of PU_DO codes and one number: the working set alone is too large.
    let rows = 60_000_000;
    let train = Design {
        n_rows: rows,
        n_categorical: 1,
        n_numerical: 1,
        codes: Vec::new(),
        numeric: Vec::new(),
        target: vec![1.0; 2],
    };
    let estimate = working_set_bytes(&train, &Design::default(), &[13_221], 256);
    assert!(estimate > MEMORY_LIMIT_BYTES);
    let error = boost(
        &train,
        &Design::default(),
        &[13_221],
        &TreeParams::default(),
        &mut |_| ControlFlow::Continue(()),
    )
    .expect_err("too large");
    match &error {
        TreeError::TooLarge {
            estimate_mb,
            limit_mb,
            ..
        } => {
            assert_eq!(*estimate_mb, estimate >> 20);
            assert_eq!(*limit_mb, 1536);
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("lower max_depth"), "{error}");
}
