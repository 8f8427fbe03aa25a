//! Compare data for three runs shaped like the page's: OLS, ridge α=1, ridge α=10.

use super::*;

fn run(id: &str, model: &str, alpha: Option<&str>, val_rmse: f64) -> Run {
    let mut run = Run::new(
        id,
        &format!("{model} {}", alpha.unwrap_or("")),
        "Default",
        0,
    );
    run.params.insert("model".into(), model.into());
    run.params.insert("categorical".into(), "PU_DO".into());
    if let Some(alpha) = alpha {
        run.params.insert("alpha".into(), alpha.into());
    }
    run.log_metric("val_rmse", val_rmse, 10, 0);
    run.log_metric("train_rmse", 5.0, 10, 0);
    run
}

fn three() -> Vec<Run> {
    vec![
        run("a", "ols", None, 7.0),
        run("b", "ridge", Some("1"), 6.5),
        run("c", "ridge", Some("10"), 6.9),
    ]
}

#[test]
fn the_table_marks_exactly_the_differing_params() {
    let runs = three();
    let refs: Vec<&Run> = runs.iter().collect();
    let table = compare_table(&refs);
    let differing: Vec<&str> = table
        .params
        .iter()
        .filter(|r| r.differs)
        .map(|r| r.key.as_str())
        .collect();
    // alpha: missing for OLS, 1 and 10; model: ols vs ridge; categorical: the same.
    assert_eq!(differing, ["alpha", "model"]);
    let alpha = &table.params[0];
    assert_eq!(alpha.values, [None, Some("1".into()), Some("10".into())]);
    let val = table.metrics.iter().find(|m| m.key == "val_rmse").unwrap();
    assert_eq!(val.values, [Some(7.0), Some(6.5), Some(6.9)]);
    assert!(val.differs);
    assert!(
        !table
            .metrics
            .iter()
            .find(|m| m.key == "train_rmse")
            .unwrap()
            .differs
    );
    // Two runs alike: nothing differs.
    let same = compare_table(&[&runs[1], &runs[1]]);
    assert!(same.params.iter().all(|r| !r.differs));
}

#[test]
fn scatter_is_numeric_for_numbers_and_categorical_for_text() {
    let runs = three();
    let refs: Vec<&Run> = runs.iter().collect();
    let by_alpha = metric_param_scatter(&refs, "val_rmse", "alpha").unwrap();
    assert_eq!(
        by_alpha.axis,
        ParamAxis::Numeric {
            min: 1.0,
            max: 10.0
        }
    );
    // OLS has no alpha: left out.
    let xy: Vec<(f64, f64)> = by_alpha.points.iter().map(|p| (p.x, p.y)).collect();
    assert_eq!(xy, [(1.0, 6.5), (10.0, 6.9)]);
    assert_eq!(by_alpha.y_range, (6.5, 6.9));
    let by_model = metric_param_scatter(&refs, "val_rmse", "model").unwrap();
    assert_eq!(
        by_model.axis,
        ParamAxis::Categorical(vec!["ols".into(), "ridge".into()])
    );
    let xs: Vec<f64> = by_model.points.iter().map(|p| p.x).collect();
    assert_eq!(xs, [0.0, 1.0, 1.0]);
    assert!(metric_param_scatter(&refs, "no_such_metric", "model").is_none());
}

#[test]
fn parallel_axes_are_numeric_params_then_metrics_scaled_to_unit() {
    let runs = three();
    let refs: Vec<&Run> = runs.iter().collect();
    let parallel = parallel_coordinates(&refs);
    let labels: Vec<&str> = parallel.axes.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(
        labels,
        ["params.alpha", "metrics.train_rmse", "metrics.val_rmse"]
    );
    assert_eq!((parallel.axes[2].min, parallel.axes[2].max), (6.5, 7.0));
    let ols = &parallel.lines[0].positions;
    assert_eq!(ols[0], None, "OLS has no alpha");
    assert_eq!(ols[1], Some(0.5), "all runs share train_rmse");
    assert_eq!(ols[2], Some(1.0));
    let ridge10 = &parallel.lines[2].positions;
    assert_eq!(ridge10[0], Some(1.0));
    assert!((ridge10[2].unwrap() - 0.8).abs() < 1e-12);
}

#[test]
fn histories_follow_steps_and_keep_the_latest_value_of_a_step() {
    let mut sweep = Run::new("s", "ridge sweep", "Default", 0);
    sweep.log_metric("val_rmse", 6.9, 3, 2);
    sweep.log_metric("val_rmse", 6.4, 1, 0);
    sweep.log_metric("val_rmse", 6.6, 2, 1);
    sweep.log_metric("val_rmse", 6.5, 5, 1);
    sweep.log_metric("val_rmse", f64::NAN, 6, 3);
    let single = run("a", "ols", None, 7.0);
    let histories = metric_histories(&[&sweep, &single], "val_rmse");
    assert_eq!(histories[0].points, [(0, 6.4), (1, 6.5), (2, 6.9)]);
    assert_eq!(histories[1].points, [(0, 7.0)]);
    assert!(metric_histories(&[&single], "other").is_empty());
}
