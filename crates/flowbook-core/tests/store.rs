//! The run store on runs from real trainings (filters, lineage into the registry, the
//! experiment file round trip), and sizes and timings for 1,000 runs. Hand-built cases are
//! unit tests next to the code (`src/store/*/tests.rs`).

mod common;

use std::time::Instant;

use flowbook_core::features::{Categorical, FeatureSpec, PrepareSpec};
use flowbook_core::pipeline::{PreparedTraining, TrainRequest};
use flowbook_core::solve::ModelKind;
use flowbook_core::store::{
    export_experiment, parse_experiment_file, select, Experiment, Registry, SortSpec,
};
use flowbook_core::tracking::{
    run_from_training, DatasetInput, DatasetRole, Run, RunMeta, RunStatus,
};

fn inputs() -> Vec<DatasetInput> {
    [
        ("green_tripdata_2021-01.parquet", DatasetRole::Train),
        ("green_tripdata_2021-02.parquet", DatasetRole::Validation),
    ]
    .into_iter()
    .map(|(name, role)| DatasetInput {
        name: name.into(),
        digest: common::sha256_of(name),
        source: name.into(),
        rows: 0,
        role,
    })
    .collect()
}

#[test]
fn filters_and_registry_work_on_runs_from_real_trainings() {
    let train = common::load("green_tripdata_2021-01.parquet", &["trip_distance"]);
    let val = common::load("green_tripdata_2021-02.parquet", &["trip_distance"]);
    let features = FeatureSpec {
        categorical: vec![Categorical::PickupLocation, Categorical::DropoffLocation],
        numerical: vec!["trip_distance".into()],
    };
    let prepared =
        PreparedTraining::new(&train, &val, &PrepareSpec::default(), &features).expect("prepare");
    let kinds = [
        ModelKind::Ols,
        ModelKind::Ridge { alpha: 1.0 },
        ModelKind::Ridge { alpha: 10.0 },
        ModelKind::Lasso { alpha: 0.1 },
    ];
    let mut experiment = Experiment::new("exp", "taxi 2021", 0);
    let mut rmse = Vec::new();
    for (i, kind) in kinds.into_iter().enumerate() {
        let report = prepared.train(kind).expect("train");
        rmse.push(report.validation.rmse);
        let request = TrainRequest {
            prepare: PrepareSpec::default(),
            features: features.clone(),
            kind,
        };
        let meta = RunMeta {
            client_id: format!("run-{i}"),
            name: kind.to_string(),
            experiment: "taxi 2021".into(),
            start_time_ms: 1_000 * i as i64,
            end_time_ms: 1_000 * i as i64 + 500,
            description: String::new(),
            inputs: inputs(),
        };
        experiment
            .add_run(run_from_training(&request, &[report], meta))
            .expect("add");
    }
    println!(
        "validation RMSE: ols {:.4}, ridge 1 {:.4}, ridge 10 {:.4}, lasso 0.1 {:.4}",
        rmse[0], rmse[1], rmse[2], rmse[3]
    );
    let runs = &experiment.runs;
    let ids = |filter: &str| -> Vec<usize> {
        let mut rows = select(runs, filter, None, false).unwrap_or_else(|e| panic!("{e}"));
        rows.sort();
        rows
    };
    let expected = |keep: &dyn Fn(usize) -> bool| (0..4).filter(|&i| keep(i)).collect::<Vec<_>>();
    // A threshold between the two ridge runs' RMSEs keeps exactly the better ridge.
    let (better, worse) = if rmse[1] < rmse[2] { (1, 2) } else { (2, 1) };
    assert!(
        rmse[better] < rmse[worse],
        "ridge 1 and ridge 10 should differ"
    );
    let x = (rmse[1] + rmse[2]) / 2.0;
    assert_eq!(
        ids(&format!(
            "metrics.val_rmse < {x} and params.model = 'ridge'"
        )),
        [better]
    );
    assert_eq!(
        ids(&format!("metrics.val_rmse < {x}")),
        expected(&|i| rmse[i] < x)
    );
    assert_eq!(
        ids(&format!("metrics.val_rmse >= {x}")),
        expected(&|i| rmse[i] >= x)
    );
    assert_eq!(ids("params.model = 'ridge'"), [1, 2]);
    assert_eq!(ids("params.alpha = '10'"), [2]);
    assert_eq!(
        ids("tags.`flowbook.model` LIKE 'ridge%' and params.alpha != '10'"),
        [1]
    );
    assert_eq!(
        ids(
            "params.model = 'ridge' and params.numerical = 'trip_distance' and status = 'FINISHED'"
        ),
        [1, 2]
    );
    let best = select(
        runs,
        "",
        Some(&SortSpec::parse("metrics.val_rmse").unwrap()),
        false,
    )
    .unwrap()[0];
    let lowest = (0..4).min_by(|&a, &b| rmse[a].total_cmp(&rmse[b])).unwrap();
    assert_eq!(best, lowest);

    // Register the best run: the version carries the data files' digests for lineage.
    let mut registry = Registry::default();
    let version = registry
        .register_version("taxi-duration", &runs[best].run, "best of four", 9_000)
        .expect("register");
    registry
        .set_alias("taxi-duration", "champion", version, 9_001)
        .expect("alias");
    let (_, champion) = registry
        .resolve("models:/taxi-duration@champion")
        .expect("resolve");
    assert_eq!(champion.source_run, format!("run-{best}"));
    assert_eq!(
        champion.datasets[0].digest,
        common::sha256_of("green_tripdata_2021-01.parquet")
    );

    // The experiment file round trip keeps the runs (model artifacts included) exactly.
    let text = export_experiment(&experiment, &registry, 10_000);
    let file = parse_experiment_file(&text).expect("import");
    assert_eq!(file.experiment, experiment);
    assert_eq!(file.registry, registry.models);
    let artifact_bytes: usize = runs
        .iter()
        .flat_map(|s| &s.run.artifacts)
        .map(|a| a.bytes.len())
        .sum();
    println!(
        "experiment file with 4 real runs: {} bytes ({} bytes of artifacts)",
        text.len(),
        artifact_bytes
    );
}

fn synthetic_run(i: usize) -> Run {
    let start = 1_700_000_000_000 + 60_000 * i as i64;
    let mut run = Run::new(
        &format!("{i:08x}-0000-4000-8000-000000000000"),
        &format!("sweep {i}"),
        "taxi",
        start,
    );
    let models = ["ols", "ridge", "lasso", "elasticnet"];
    run.params.insert("model".into(), models[i % 4].into());
    run.params
        .insert("alpha".into(), format!("{}", (i % 10) as f64 / 10.0));
    run.params.insert("l1_ratio".into(), "0.5".into());
    run.params.insert("categorical".into(), "PU_DO".into());
    run.params
        .insert("numerical".into(), "trip_distance".into());
    run.params.insert("min_duration_min".into(), "1".into());
    run.params.insert("max_duration_min".into(), "60".into());
    run.params
        .insert("train_file".into(), "green_tripdata_2021-01.parquet".into());
    run.params
        .insert("val_file".into(), "green_tripdata_2021-02.parquet".into());
    run.params.insert("seed".into(), i.to_string());
    for step in 0..3 {
        let x = (i * 7919 % 1000) as f64 / 1000.0 + step as f64 * 0.01;
        for (key, value) in [
            ("train_rmse", 5.0 + x),
            ("val_rmse", 6.0 + x),
            ("val_mae", 4.0 + x),
            ("val_r2", 0.7 - x / 10.0),
            ("n_features", 12_000.0),
        ] {
            run.log_metric(key, value, start + 1_000 * step, step);
        }
    }
    run.inputs = vec![
        DatasetInput {
            name: "green_tripdata_2021-01.parquet".into(),
            digest: "a".repeat(64),
            source:
                "https://d37ci6vzurychx.cloudfront.net/trip-data/green_tripdata_2021-01.parquet"
                    .into(),
            rows: 76_518,
            role: DatasetRole::Train,
        },
        DatasetInput {
            name: "green_tripdata_2021-02.parquet".into(),
            digest: "b".repeat(64),
            source:
                "https://d37ci6vzurychx.cloudfront.net/trip-data/green_tripdata_2021-02.parquet"
                    .into(),
            rows: 64_572,
            role: DatasetRole::Validation,
        },
    ];
    run.tags.insert(
        "flowbook.model".into(),
        format!("{} alpha={}", models[i % 4], (i % 10) as f64 / 10.0),
    );
    run.description = "nightly sweep".into();
    run.finish(RunStatus::Finished, start + 5_000);
    run
}

#[test]
fn a_thousand_runs_stay_small_and_search_fast() {
    let mut experiment = Experiment::new("exp", "taxi sweeps", 0);
    for i in 0..1_000 {
        experiment.add_run(synthetic_run(i)).expect("add");
    }
    let store_json = serde_json::to_string(&experiment).expect("json");
    let file = export_experiment(&experiment, &Registry::default(), 0);
    println!(
        "1,000 runs: store JSON {} bytes ({:.1} KB/run), experiment file {} bytes",
        store_json.len(),
        store_json.len() as f64 / 1_000.0 / 1_024.0,
        file.len()
    );
    assert!(store_json.len() < 20_000_000 && file.len() < 20_000_000);

    let filter =
        "metrics.val_rmse < 6.5 and params.model = 'ridge' and tags.`flowbook.model` LIKE 'ridge%'";
    let sort = SortSpec::parse("metrics.val_rmse DESC").expect("sort");
    let started = Instant::now();
    let rows = select(&experiment.runs, filter, Some(&sort), false).expect("select");
    let filter_and_sort = started.elapsed();
    let started = Instant::now();
    let all = select(
        &experiment.runs,
        "",
        Some(&SortSpec::parse("params.alpha").unwrap()),
        false,
    )
    .unwrap();
    let sort_only = started.elapsed();
    let started = Instant::now();
    let back = parse_experiment_file(&file).expect("parse");
    let import = started.elapsed();
    println!("filter+sort: {} of 1,000 rows in {filter_and_sort:?}; sort all by a param: {sort_only:?}; parse the file: {import:?}", rows.len());
    assert_eq!(all.len(), 1_000);
    assert_eq!(back.experiment, experiment);
    assert!(rows
        .iter()
        .all(|&i| experiment.runs[i].run.params["model"] == "ridge"));
}
