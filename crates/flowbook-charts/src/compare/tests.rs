//! The compare charts drawn to SVG and read back, from the engine's compare data for
//! three runs shaped like the page's (OLS, ridge α=1, ridge α=10) and a sweep.

use flowbook_core::store::compare::{metric_histories, metric_param_scatter, parallel_coordinates};
use flowbook_core::tracking::Run;

use super::*;
use crate::svg_readback::{filled, has_text, number, points, render, stroked};

fn run(id: &str, model: &str, alpha: Option<&str>, val_rmse: f64) -> Run {
    let mut run = Run::new(id, id, "Default", 0);
    run.params.insert("model".into(), model.into());
    if let Some(alpha) = alpha {
        run.params.insert("alpha".into(), alpha.into());
    }
    run.log_metric("val_rmse", val_rmse, 10, 0);
    run.log_metric("train_rmse", val_rmse - 1.0, 10, 0);
    run
}

fn three() -> Vec<Run> {
    vec![
        run("ols", "ols", None, 7.0),
        run("ridge1", "ridge", Some("1"), 6.5),
        run("ridge10", "ridge", Some("10"), 6.9),
    ]
}

#[test]
fn scatter_places_numeric_params_in_order_and_higher_metrics_higher() {
    let runs = three();
    let refs: Vec<&Run> = runs.iter().collect();
    let scatter = metric_param_scatter(&refs, "val_rmse", "alpha").expect("data");
    let svg = render((600, 300), |a| draw_metric_param_scatter(a, &scatter)).expect("draw");
    let (a1, a10) = (
        filled(&svg, "circle", run_color(0)),
        filled(&svg, "circle", run_color(1)),
    );
    assert_eq!(
        (a1.len(), a10.len()),
        (1, 1),
        "one point per run with an alpha"
    );
    assert!(
        number(a10[0], "cx") > number(a1[0], "cx"),
        "alpha 10 right of alpha 1"
    );
    assert!(
        number(a10[0], "cy") < number(a1[0], "cy"),
        "6.9 drawn above 6.5"
    );
    assert!(has_text(&svg, "params.alpha") && has_text(&svg, "metrics.val_rmse"));
}

#[test]
fn scatter_puts_text_params_in_named_categories() {
    let runs = three();
    let refs: Vec<&Run> = runs.iter().collect();
    let scatter = metric_param_scatter(&refs, "val_rmse", "model").expect("data");
    let svg = render((600, 300), |a| draw_metric_param_scatter(a, &scatter)).expect("draw");
    let x = |i: usize| number(filled(&svg, "circle", run_color(i))[0], "cx");
    assert_eq!(x(1), x(2), "both ridge runs in the ridge column");
    assert!(x(0) < x(1), "ols before ridge");
    assert!(has_text(&svg, "ols") && has_text(&svg, "ridge"));
}

#[test]
fn parallel_coordinates_draw_one_line_per_run_broken_where_a_value_is_missing() {
    let runs = three();
    let refs: Vec<&Run> = runs.iter().collect();
    let parallel = parallel_coordinates(&refs);
    let svg = render((600, 300), |a| draw_parallel_coordinates(a, &parallel)).expect("draw");
    let axes: Vec<Vec<(f64, f64)>> = stroked(&svg, "polyline", INK)
        .into_iter()
        .map(points)
        .filter(|p| p.len() == 2 && p[0].0 == p[1].0)
        .collect();
    assert_eq!(axes.len(), 3, "alpha, train_rmse, val_rmse");
    let line = |i: usize| -> Vec<Vec<(f64, f64)>> {
        stroked(&svg, "polyline", run_color(i))
            .into_iter()
            .map(points)
            .collect()
    };
    // OLS has no alpha: its line starts at the second axis.
    assert_eq!(line(0).len(), 1);
    assert_eq!(line(0)[0].len(), 2);
    assert_eq!(line(0)[0][0].0, axes[1][0].0);
    // Ridge α=10 has the largest alpha: at the top of the first axis.
    let top = axes[0].iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    assert_eq!(line(2)[0].len(), 3);
    assert_eq!(line(2)[0][0].1, top);
    for label in ["params.alpha", "metrics.train_rmse", "metrics.val_rmse"] {
        assert!(has_text(&svg, label), "{label}");
    }
    let one_axis = parallel_coordinates(&[&run("x", "ols", None, 7.0)][..1]);
    let lonely = flowbook_core::store::compare::ParallelCoordinates {
        axes: one_axis.axes[..1].to_vec(),
        lines: Vec::new(),
    };
    let err = render((600, 300), |a| draw_parallel_coordinates(a, &lonely)).expect_err("one");
    assert!(err.to_string().contains("two numeric"), "{err}");
}

#[test]
fn histories_draw_each_run_over_its_steps() {
    let mut sweep = Run::new("s", "sweep", "Default", 0);
    for (step, value) in [(0, 6.4), (1, 6.2), (2, 6.6)] {
        sweep.log_metric("val_rmse", value, 1, step);
    }
    let single = run("ols", "ols", None, 7.0);
    let histories = metric_histories(&[&sweep, &single], "val_rmse");
    let svg = render((600, 300), |a| {
        draw_metric_histories(a, "val_rmse", &histories)
    })
    .expect("draw");
    let sweep_line: Vec<(f64, f64)> = stroked(&svg, "polyline", run_color(0))
        .into_iter()
        .map(points)
        .find(|p| p.len() == 3)
        .expect("sweep line");
    assert!(
        sweep_line.windows(2).all(|w| w[0].0 < w[1].0),
        "steps left to right"
    );
    assert!(sweep_line[1].1 > sweep_line[0].1, "6.2 drawn below 6.4");
    assert_eq!(
        filled(&svg, "circle", run_color(1)).len(),
        1,
        "one point for OLS"
    );
    let err = render((600, 300), |a| draw_metric_histories(a, "mae", &[])).expect_err("none");
    assert!(err.to_string().contains("no run logged mae"), "{err}");
}
