//! Hyperparameter search: TPE against random search on known functions, the space file's
//! messages, grid enumeration, and a real search on the bundled trips whose best trial is
//! the model a direct training of the same settings gives.

mod common;

use flowbook_core::pipeline::train;
use flowbook_core::pipeline::TrainRequest;
use flowbook_core::search::functions::TestFunction;
use flowbook_core::search::{
    run_search, Algorithm, SearchSettings, SearchSpace, Suggester, TrialModel, TripSearch,
};

fn best_of(function: TestFunction, algorithm: Algorithm, seed: u64, trials: usize) -> f64 {
    let settings = SearchSettings {
        algorithm,
        max_evals: trials,
        seed,
        ..SearchSettings::default()
    };
    let suggester = Suggester::new(function.domain(), settings);
    let (history, _) = run_search(&suggester, &settings, &mut |_, points| {
        points.iter().map(|p| function.loss(p)).collect()
    });
    history.best_loss().expect("a best trial")
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    0.5 * (values[(n - 1) / 2] + values[n / 2])
}

#[test]
fn tpe_beats_random_search_on_known_functions() {
    for function in TestFunction::ALL {
        let tpe = median(
            (0..50)
                .map(|s| best_of(function, Algorithm::Tpe, s, 50))
                .collect(),
        );
        let random = median(
            (0..50)
                .map(|s| best_of(function, Algorithm::Random, s, 50))
                .collect(),
        );
        assert!(
            tpe < random,
            "{}: TPE's median best {tpe} is not below random search's {random}",
            function.name()
        );
    }
}

#[test]
fn one_seed_gives_one_trial_sequence_whatever_the_batch_evaluation_order() {
    let function = TestFunction::Nested;
    let run = |reverse: bool| {
        let settings = SearchSettings {
            max_evals: 40,
            seed: 9,
            batch: 4,
            ..SearchSettings::default()
        };
        let suggester = Suggester::new(function.domain(), settings);
        let (history, _) = run_search(&suggester, &settings, &mut |_, points| {
            // Evaluated in another order, as parallel workers finish; reported in order.
            let mut order: Vec<usize> = (0..points.len()).collect();
            if reverse {
                order.reverse();
            }
            let mut losses = vec![0.0; points.len()];
            for i in order {
                losses[i] = function.loss(&points[i]);
            }
            losses
        });
        history.observations
    };
    let first = run(false);
    assert_eq!(first.len(), 40);
    assert_eq!(first, run(true));
    let other_seed = {
        let settings = SearchSettings {
            max_evals: 40,
            seed: 10,
            batch: 4,
            ..SearchSettings::default()
        };
        let suggester = Suggester::new(function.domain(), settings);
        run_search(&suggester, &settings, &mut |_, points| {
            points.iter().map(|p| function.loss(p)).collect()
        })
        .0
        .observations
    };
    assert_ne!(first, other_seed);
    // Inactive branches have no value; active ones always do.
    for o in &first {
        let branch = o.point[0].expect("branch");
        assert_eq!(o.point[1].is_some(), branch == 0.0);
        assert_eq!(o.point[3].is_some(), branch == 1.0);
    }
}

#[test]
fn patience_and_the_caller_stop_a_search() {
    let function = TestFunction::Branin;
    let settings = SearchSettings {
        max_evals: 500,
        seed: 1,
        patience: Some(5),
        algorithm: Algorithm::Random,
        ..SearchSettings::default()
    };
    let suggester = Suggester::new(function.domain(), settings);
    let (history, reason) = run_search(&suggester, &settings, &mut |_, points| {
        points.iter().map(|p| function.loss(p)).collect()
    });
    assert_eq!(reason, flowbook_core::search::StopReason::NoImprovement);
    assert!(history.observations.len() < 500);
    let best = history.best.expect("best");
    assert_eq!(history.observations.len() - 1 - best, 5);

    let settings = SearchSettings {
        patience: None,
        ..settings
    };
    let (history, reason) = run_search(&suggester, &settings, &mut |first, points| {
        if first < 7 {
            points.iter().map(|p| function.loss(p)).collect()
        } else {
            Vec::new()
        }
    });
    assert_eq!(reason, flowbook_core::search::StopReason::Stopped);
    assert_eq!(history.observations.len(), 7);
}

#[test]
fn a_grid_visits_every_combination_once() {
    let text = r#"{"format": "flowbook-search-space", "version": 1, "space": {
        "ols": {},
        "ridge": {"alpha": {"dist": "choice", "options": [0.1, 1, 10]}},
        "features": {"dist": "choice", "options": ["PU_DO", "PU+DO"]}}}"#;
    let space = SearchSpace::from_json(text).expect("space");
    let settings = SearchSettings {
        algorithm: Algorithm::Grid,
        max_evals: 100,
        ..SearchSettings::default()
    };
    let suggester = Suggester::new(space.domain(), settings);
    // ols × 2 feature sets + ridge × 3 alphas × 2 feature sets.
    assert_eq!(suggester.planned(), 8);
    let configs: Vec<_> = suggester
        .batch(0, 8, &[])
        .iter()
        .map(|p| space.decode(p))
        .collect();
    let mut names: Vec<String> = configs.iter().map(|c| format!("{:?}", c.params)).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 8);
}

#[test]
fn mistakes_in_a_space_file_are_named_by_their_place() {
    let cases = [
        (
            r#"{"gbdt": {"max_depth": {"dist": "quniform", "low": 10, "high": 4, "q": 1}}}"#,
            "space.gbdt.max_depth.low: low (10) must be below high (4)",
        ),
        (
            r#"{"features": {"dist": "choice", "options": []}, "ols": {}}"#,
            "space.features.options: an empty choice",
        ),
        (
            r#"{"gbdt": {"max_depth": {"dist": "choice", "options": []}}}"#,
            "space.gbdt.max_depth.options: an empty choice",
        ),
        (
            r#"{"ridge": {"alpha": {"dist": "loguniform", "low": 0, "high": 1}}}"#,
            "space.ridge.alpha.low: a log-scale bound must be above 0; got 0",
        ),
        (
            r#"{"gbdt": {"max_dpeth": 3}}"#,
            "space.gbdt.max_dpeth: gbdt has no parameter max_dpeth",
        ),
        (
            r#"{"ridge": {"alpha": 1, "l1_ratio": 0.5}}"#,
            "space.ridge.l1_ratio: ridge has no parameter l1_ratio; its parameters are alpha",
        ),
        (
            r#"{"lasso": {}}"#,
            "space.lasso.alpha: missing; lasso needs alpha",
        ),
        (
            r#"{"gbdt": {"max_depth": {"dist": "uniform", "low": 2, "high": 9}}}"#,
            "space.gbdt.max_depth.dist: max_depth takes whole numbers",
        ),
        (
            r#"{"gbdt": {"learning_rate": {"dist": "uniform", "low": 0.1, "high": 2}}}"#,
            "space.gbdt.learning_rate.high: learning_rate must be above 0 and at most 1; got 2",
        ),
        (
            r#"{"gbdt": {"max_depth": {"dist": "quniform", "low": 1, "high": 2000, "q": 1}}}"#,
            "space.gbdt.max_depth.high: max_depth must be a whole number from 1 to 1000; got 2000",
        ),
        (r#"{"svm": {}}"#, "space.svm: unknown key"),
        (r#"{}"#, "space: no model kind"),
        (
            r#"{"ols": {}, "duration": [60, 1]}"#,
            "space.duration: expected 0 <= min < max minutes; got [60, 1]",
        ),
        (
            r#"{"ols": {}, "features": "PU_DO+pickup_minute"}"#,
            "space.features: unknown categorical feature \"pickup_minute\"",
        ),
        (
            r#"{"gbdt": {"seed": {"dist": "gamma"}}}"#,
            "space.gbdt.seed.dist: unknown distribution \"gamma\"",
        ),
    ];
    for (space, expected) in cases {
        let text =
            format!(r#"{{"format": "flowbook-search-space", "version": 1, "space": {space}}}"#);
        let error = SearchSpace::from_json(&text).expect_err(space).to_string();
        assert!(
            error.starts_with(expected),
            "{space}\n  gave {error}\n  expected {expected}"
        );
    }
    let newer = r#"{"format": "flowbook-search-space", "version": 2, "space": {"ols": {}}}"#;
    assert!(SearchSpace::from_json(newer)
        .unwrap_err()
        .to_string()
        .contains("newer Flowbook"));
}

fn example(name: &str) -> SearchSpace {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/search")
        .join(name);
    SearchSpace::from_json(&std::fs::read_to_string(path).expect("example")).expect("valid example")
}

#[test]
fn the_course_space_reads_as_hyperopts() {
    let space = example("course_xgboost.json");
    let domain = space.domain();
    let labels: Vec<&str> = domain.dimensions.iter().map(|d| d.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "gbdt.learning_rate",
            "gbdt.max_depth",
            "gbdt.min_child_weight",
            "gbdt.reg_lambda",
            "gbdt.reg_alpha"
        ]
    );
    let settings = SearchSettings {
        algorithm: Algorithm::Random,
        max_evals: 200,
        ..SearchSettings::default()
    };
    for point in Suggester::new(domain, settings).batch(0, 200, &[]) {
        let config = space.decode(&point);
        let TrialModel::Trees(p) = config.model else {
            panic!("a tree trial")
        };
        assert!((4..=100).contains(&p.max_depth));
        assert!(p.learning_rate >= (-3f64).exp() && p.learning_rate <= 1.0);
        assert!(p.reg_alpha >= (-5f64).exp() && p.reg_alpha <= (-1f64).exp());
        assert_eq!(
            (p.num_boost_round, p.early_stopping_rounds, p.seed),
            (1000, Some(50), 42)
        );
        p.validate().expect("every trial valid");
    }
}

/// A linear search on the bundled January → February trips: trials on one feature set
/// share its statistics, and the best trial is exactly the model a direct training of
/// its settings gives.
#[test]
fn a_linear_search_on_trips_finds_a_model_that_trains_the_same_directly() {
    let train_table = common::load("green_tripdata_2021-01.parquet", &["trip_distance"]);
    let val_table = common::load("green_tripdata_2021-02.parquet", &["trip_distance"]);
    let space = example("linear.json");
    let trips = TripSearch::new(&train_table, &val_table);
    let settings = SearchSettings {
        max_evals: 30,
        seed: 3,
        ..SearchSettings::default()
    };
    let suggester = Suggester::new(space.domain(), settings);
    let mut scores = Vec::new();
    let (history, _) = run_search(&suggester, &settings, &mut |_, points| {
        points
            .iter()
            .map(|p| {
                let config = space.decode(p);
                let score = trips.evaluate(&config, &|| false).expect("trial");
                let loss = score.metrics.validation.rmse;
                scores.push((config, score));
                loss
            })
            .collect()
    });
    assert_eq!(history.observations.len(), 30);
    assert!(
        trips.prepared_sets() <= 4,
        "one preparation per feature set"
    );
    let best = history.best.expect("best");
    let (config, score) = &scores[best];
    let TrialModel::Linear(kind) = config.model else {
        panic!("linear")
    };
    let direct = train(
        &train_table,
        &val_table,
        &TrainRequest {
            prepare: config.prepare.clone(),
            features: config.features.clone(),
            kind,
        },
    )
    .expect("direct training");
    assert_eq!(direct.validation.rmse, score.metrics.validation.rmse);
    assert!(
        score.metrics.validation.rmse < 8.0,
        "best {}",
        score.metrics.validation.rmse
    );
}

#[test]
fn every_example_space_reads() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/search");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("examples/search")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["course_xgboost.json", "linear.json", "quick_trees.json"]
    );
    for name in &names {
        let space = example(name);
        assert!(!space.domain().is_empty(), "{name} searches something");
    }
}
