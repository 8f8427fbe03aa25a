//! Properties of the solvers on real months that no reference file lists: optimality
//! conditions, minimum norm, the linfa API, sweeps and model files.

mod common;

use flowbook_core::features::{Categorical, FeatureSpec, PrepareSpec};
use flowbook_core::model::LinearModel;
use flowbook_core::pipeline::PreparedTraining;
use flowbook_core::solve::{
    block_newton_start, fit, solve_elastic_net, BlockSplit, CoordinateDescentOptions,
    LinearSolution, ModelKind,
};

fn prepared(train: &str, val: &str, categorical: &[Categorical]) -> PreparedTraining {
    let train = common::load(train, &["trip_distance"]);
    let val = common::load(val, &["trip_distance"]);
    let spec = FeatureSpec {
        categorical: categorical.to_vec(),
        numerical: vec!["trip_distance".to_string()],
    };
    PreparedTraining::new(&train, &val, &PrepareSpec::default(), &spec).expect("prepare")
}

/// Xcᵀ(yc − Xc·w): the gradient of the centred least-squares objective (times −½).
fn centred_gradient(p: &PreparedTraining, solution: &LinearSolution) -> Vec<f64> {
    let g = &p.gram;
    let n = g.n_rows;
    let mean = g.col_mean();
    let q = g.centred_xty();
    let gw = g.times(&solution.coefficients);
    let mean_dot_w: f64 = mean
        .iter()
        .zip(&solution.coefficients)
        .map(|(m, w)| m * w)
        .sum();
    (0..q.len())
        .map(|j| q[j] - (gw[j] - n * mean[j] * mean_dot_w))
        .collect()
}

/// Largest |gradient| entry and the scale it is judged against (largest |Xcᵀyc| entry).
fn largest_gradient(p: &PreparedTraining, solution: &LinearSolution) -> (f64, f64) {
    let largest = |v: &[f64]| v.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    (
        largest(&centred_gradient(p, solution)),
        largest(&p.gram.centred_xty()),
    )
}

#[test]
fn ols_is_optimal_and_minimum_norm_on_2022_and_2023_months() {
    for (train, val) in [
        (
            "green_tripdata_2022-01.parquet",
            "green_tripdata_2022-02.parquet",
        ),
        (
            "green_tripdata_2023-02.parquet",
            "green_tripdata_2023-03.parquet",
        ),
    ] {
        let p = prepared(train, val, &[Categorical::PickupDropoffPair]);
        let solution = fit(&p.gram, ModelKind::Ols).expect("ols");
        let (worst, scale) = largest_gradient(&p, &solution);
        assert!(
            worst < 1e-9 * scale,
            "{train}: gradient {worst} vs scale {scale}"
        );
        // One block of one-hot columns plus an intercept: the null space is the block's
        // all-ones vector, so the minimum-norm solution has block coefficients summing to 0.
        let block = p.encoder.vocabularies[0].len();
        let sum: f64 = solution.coefficients[..block].iter().sum();
        assert!(sum.abs() < 1e-8, "{train}: block sum {sum}");
        // Adding anything along that null direction only raises the norm: check the
        // report's train RMSE equals the one of the shifted solution (same fit).
        let report = p.report(ModelKind::Ols, &solution);
        assert!(report.train.rmse > 0.0 && report.validation.rmse > report.train.rmse);
    }
}

#[test]
fn two_blocks_leave_the_reduced_null_space_orthogonal() {
    let p = prepared(
        "green_tripdata_2021-03.parquet",
        "green_tripdata_2022-01.parquet",
        &[Categorical::PickupLocation, Categorical::DropoffLocation],
    );
    let solution = fit(&p.gram, ModelKind::Ols).expect("ols");
    let (worst, scale) = largest_gradient(&p, &solution);
    assert!(worst < 1e-8 * scale);
    let pu = p.encoder.vocabularies[0].len();
    let dol = p.encoder.vocabularies[1].len();
    let pu_sum: f64 = solution.coefficients[..pu].iter().sum();
    let do_sum: f64 = solution.coefficients[pu..pu + dol].iter().sum();
    assert!(
        pu_sum.abs() < 1e-7 && do_sum.abs() < 1e-7,
        "{pu_sum} {do_sum}"
    );
}

#[test]
fn lasso_and_elastic_net_satisfy_their_optimality_conditions() {
    let p = prepared(
        "green_tripdata_2021-01.parquet",
        "green_tripdata_2021-02.parquet",
        &[Categorical::PickupLocation, Categorical::DropoffLocation],
    );
    let n = p.gram.n_rows;
    for (alpha, l1_ratio) in [(0.01, 1.0), (0.05, 0.5), (0.3, 0.9)] {
        let kind = ModelKind::ElasticNet { alpha, l1_ratio };
        let solution = fit(&p.gram, kind).expect("enet");
        assert!(solution.converged);
        let gradient = centred_gradient(&p, &solution);
        let l1 = n * alpha * l1_ratio;
        let l2 = n * alpha * (1.0 - l1_ratio);
        for (g, w) in gradient.iter().zip(&solution.coefficients) {
            let residual = g - l2 * w;
            if *w == 0.0 {
                assert!(
                    residual.abs() <= l1 * (1.0 + 1e-6),
                    "zero coefficient violates |g| <= l1"
                );
            } else {
                assert!(
                    (residual - l1 * w.signum()).abs() <= 1e-4 * l1,
                    "active coefficient off by {}",
                    residual - l1 * w.signum()
                );
            }
        }
    }
}

/// PU_DO's thousands of zone pairs eliminated in closed form, Newton on the hours, the
/// distance and the intercept: the start is the optimum (its gradient conditions hold before
/// any sweep), and coordinate descent from it certifies the same model as from zero in
/// a fraction of the sweeps.
#[test]
fn the_block_newton_start_is_the_lasso_and_elastic_net_optimum() {
    let p = prepared(
        "green_tripdata_2021-01.parquet",
        "green_tripdata_2021-02.parquet",
        &[Categorical::PickupDropoffPair, Categorical::PickupHour],
    );
    let split = BlockSplit::largest(&p.gram).expect("split");
    let n = p.gram.n_rows;
    let (mut cold_sweeps, mut started_sweeps) = (0, 0);
    for (alpha, l1_ratio) in [
        (1e-4, 1.0),
        (2e-4, 1.0),
        (1.2e-4, 0.53),
        (1e-3, 0.1),
        (0.05, 0.9),
    ] {
        let (l1, l2) = (n * alpha * l1_ratio, n * alpha * (1.0 - l1_ratio));
        let start = block_newton_start(&p.gram, &split, l1, l2).expect("a start");
        let mean = p.gram.col_mean();
        let intercept = p.gram.mean_y() - mean.iter().zip(&start).map(|(m, w)| m * w).sum::<f64>();
        let at_start = LinearSolution {
            intercept,
            coefficients: start,
            iterations: 0,
            converged: false,
        };
        let gradient = centred_gradient(&p, &at_start);
        for (g, w) in gradient.iter().zip(&at_start.coefficients) {
            let residual = g - l2 * w;
            let off = if *w == 0.0 {
                (residual.abs() - l1).max(0.0)
            } else {
                (residual - l1 * w.signum()).abs()
            };
            assert!(
                off <= 1e-6 * l1,
                "alpha {alpha}, l1_ratio {l1_ratio}: off by {off}"
            );
        }
        let cold = solve_elastic_net(
            &p.gram,
            alpha,
            l1_ratio,
            None,
            CoordinateDescentOptions::default(),
        )
        .expect("cold");
        let started = fit(&p.gram, ModelKind::ElasticNet { alpha, l1_ratio }).expect("started");
        assert!(cold.converged && started.converged);
        let (_, cold_val) = p.metrics(&cold);
        let (_, started_val) = p.metrics(&started);
        assert!(
            (cold_val.rmse - started_val.rmse).abs() <= 1e-9 * cold_val.rmse,
            "{} vs {}",
            cold_val.rmse,
            started_val.rmse
        );
        cold_sweeps += cold.iterations;
        started_sweeps += started.iterations;
    }
    assert!(
        started_sweeps * 4 <= cold_sweeps,
        "{started_sweeps} sweeps from the start against {cold_sweeps} from zero"
    );
}

#[test]
fn linfa_fit_gives_the_same_model_as_the_direct_path() {
    let p = prepared(
        "green_tripdata_2021-01.parquet",
        "green_tripdata_2021-02.parquet",
        &[Categorical::PickupDropoffPair],
    );
    for kind in [
        ModelKind::Ols,
        ModelKind::Ridge { alpha: 1.0 },
        ModelKind::Lasso { alpha: 0.01 },
    ] {
        let direct = p.train(kind).expect("direct");
        let via_linfa = p.train_with_linfa(kind).expect("linfa");
        assert_eq!(
            direct.model.coefficients, via_linfa.model.coefficients,
            "{kind}"
        );
        assert_eq!(direct.validation, via_linfa.validation);
    }
}

#[test]
fn sweep_matches_single_fits() {
    let p = prepared(
        "green_tripdata_2021-01.parquet",
        "green_tripdata_2021-02.parquet",
        &[Categorical::PickupDropoffPair],
    );
    let alphas = [0.001, 0.01, 0.1];
    for kind in [
        ModelKind::Ridge { alpha: 1.0 },
        ModelKind::Lasso { alpha: 1.0 },
    ] {
        let sweep = p.sweep(kind, &alphas).expect("sweep");
        assert_eq!(sweep.len(), alphas.len());
        for (report, &alpha) in sweep.iter().zip(&alphas) {
            let single = p.train(kind.with_alpha(alpha)).expect("single");
            assert_eq!(report.kind.alpha(), Some(alpha));
            assert!(
                (report.train.rmse - single.train.rmse).abs() < 1e-6,
                "{kind} {alpha}"
            );
            assert!((report.validation.rmse - single.validation.rmse).abs() < 1e-5);
        }
    }
}

#[test]
fn model_file_round_trip_predicts_identically() {
    let p = prepared(
        "green_tripdata_2021-01.parquet",
        "green_tripdata_2021-02.parquet",
        &[Categorical::PickupDropoffPair, Categorical::PickupHour],
    );
    let report = p.train(ModelKind::Ridge { alpha: 0.5 }).expect("train");
    let text = report.model.to_json();
    let loaded = LinearModel::from_json(&text).expect("load");
    let same = loaded
        .predict(&p.validation)
        .iter()
        .zip(report.model.predict(&p.validation))
        .all(|(a, b)| a.to_bits() == b.to_bits());
    assert!(same, "a reloaded model predicts differently");
    assert_eq!(loaded.encoder.column_names().len(), report.n_features);
    assert_eq!(
        loaded.train_sha256,
        common::sha256_of("green_tripdata_2021-01.parquet")
    );

    let newer = text.replacen("\"format_version\":1", "\"format_version\":99", 1);
    let err = LinearModel::from_json(&newer).unwrap_err().to_string();
    assert!(err.contains("format version 99"), "{err}");
    let err = LinearModel::from_json("{\"weights\": []}")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("this is not a Flowbook model file"),
        "{err}"
    );
}

#[test]
fn distance_filter_and_derived_time_features() {
    use flowbook_core::data::parse_timestamp_us;
    use flowbook_core::features::{category_key, prepare_rows};

    let table = common::load("green_tripdata_2021-01.parquet", &["trip_distance"]);
    let spec = FeatureSpec {
        categorical: vec![Categorical::PickupHour, Categorical::PickupWeekday],
        numerical: vec!["trip_distance".to_string()],
    };
    let all = prepare_rows(&table, &PrepareSpec::default(), &spec).expect("all");
    let filtered = PrepareSpec {
        min_distance_exclusive: Some(0.0),
        ..PrepareSpec::default()
    };
    let moving = prepare_rows(&table, &filtered, &spec).expect("moving");
    let distance = &table.numeric["trip_distance"];
    let zero_distance = all
        .rows
        .iter()
        .filter(|&&i| distance.get(i as usize) == Some(0.0))
        .count();
    assert!(zero_distance > 0, "January has trips of distance 0");
    assert_eq!(moving.rows.len(), all.rows.len() - zero_distance);
    assert!(moving
        .rows
        .iter()
        .all(|&i| distance.get(i as usize).is_some_and(|d| d > 0.0)));

    // 2021-01-01 00:15:56 was a Friday (weekday 4 when Monday is 0), hour 0;
    // 2021-01-04 17:30:00 a Monday, hour 17.
    let mut probe = table.clone();
    probe
        .pickup_us
        .set(0, parse_timestamp_us("2021-01-01 00:15:56"));
    probe
        .pickup_us
        .set(1, parse_timestamp_us("2021-01-04 17:30:00"));
    assert_eq!(
        category_key(&probe, Categorical::PickupWeekday, 0),
        Some((4, 0))
    );
    assert_eq!(
        category_key(&probe, Categorical::PickupHour, 0),
        Some((0, 0))
    );
    assert_eq!(
        category_key(&probe, Categorical::PickupWeekday, 1),
        Some((0, 0))
    );
    assert_eq!(
        category_key(&probe, Categorical::PickupHour, 1),
        Some((17, 0))
    );

    let val = common::load("green_tripdata_2021-02.parquet", &["trip_distance"]);
    let p = PreparedTraining::new(&table, &val, &filtered, &spec).expect("prepare");
    assert_eq!(p.encoder.n_columns(), 24 + 7 + 1);
    let report = p.train(ModelKind::Ols).expect("ols");
    assert!(report.train.rmse.is_finite() && report.validation.r2 > 0.0);
}

/// The metrics a training reports (and a search scores each trial by) are those of the
/// model's own row predictions, to the last bit, for every shape of design: one to five
/// categorical blocks, with and without a number, and validation categories that the
/// training month never saw.
#[test]
fn the_scored_metrics_are_the_row_predictions_metrics_to_the_last_bit() {
    use flowbook_core::metrics::RegressionMetrics;
    use flowbook_core::solve::predict_rows;
    use Categorical::*;
    let train = common::load("green_tripdata_2021-01.parquet", &["trip_distance"]);
    let val = common::load("green_tripdata_2021-02.parquet", &["trip_distance"]);
    let shapes: [&[Categorical]; 5] = [
        &[PickupDropoffPair],
        &[PickupLocation, DropoffLocation],
        &[PickupDropoffPair, PickupHour, PickupWeekday],
        &[PickupLocation, DropoffLocation, PickupHour, PickupWeekday],
        &[
            PickupLocation,
            DropoffLocation,
            PickupDropoffPair,
            PickupHour,
            PickupWeekday,
        ],
    ];
    let mut unseen_rows = 0;
    for categorical in shapes {
        for numerical in [vec![], vec!["trip_distance".to_string()]] {
            let spec = FeatureSpec {
                categorical: categorical.to_vec(),
                numerical,
            };
            let p = PreparedTraining::new(&train, &val, &PrepareSpec::default(), &spec)
                .expect("prepare");
            let layout = p.encoder.layout();
            unseen_rows += p
                .validation
                .codes
                .iter()
                .filter(|&&c| c == flowbook_core::features::UNSEEN)
                .count();
            for kind in [
                ModelKind::Ridge { alpha: 0.1 },
                ModelKind::Lasso { alpha: 0.01 },
            ] {
                let solution = fit(&p.gram, kind).expect("fit");
                let (train_scored, val_scored) = p.metrics(&solution);
                for (design, scored) in [(&p.train, train_scored), (&p.validation, val_scored)] {
                    let predicted =
                        predict_rows(&layout, solution.intercept, &solution.coefficients, design);
                    let expected = RegressionMetrics::compute(&design.target, &predicted);
                    let bits = |m: RegressionMetrics| {
                        (m.rows, m.rmse.to_bits(), m.mae.to_bits(), m.r2.to_bits())
                    };
                    assert_eq!(bits(scored), bits(expected), "{spec:?} {kind:?}");
                }
            }
        }
    }
    assert!(
        unseen_rows > 0,
        "February must have categories January never saw"
    );
}
