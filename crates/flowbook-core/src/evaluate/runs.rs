//! What the charts compare across trainings, read from run records: the RMSE of each run,
//! and the validation error of each alpha of a sweep.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::tracking::{MetricPoint, Run};

/// Metric keys `tracking::run_from_training` logs.
const TRAIN_RMSE: &str = "train_rmse";
const VAL_RMSE: &str = "val_rmse";
const ALPHA: &str = "alpha";

/// A run's RMSE on both sets; `None` when the run never logged that metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRmse {
    pub name: String,
    pub train_rmse: Option<f64>,
    pub val_rmse: Option<f64>,
}

/// One alpha of a sweep with its RMSE on both sets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    pub alpha: f64,
    pub val_rmse: f64,
    pub train_rmse: f64,
}

/// Orders two points of one metric as MLflow does for "the latest value": by step, then
/// time; the caller keeps the later-recorded one on a full tie.
fn later(a: &MetricPoint, b: &MetricPoint) -> std::cmp::Ordering {
    (a.step, a.timestamp_ms).cmp(&(b.step, b.timestamp_ms))
}

fn latest_value(run: &Run, key: &str) -> Option<f64> {
    run.metrics
        .iter()
        .filter(|m| m.key == key)
        .max_by(|a, b| later(a, b))
        .map(|m| m.value)
}

/// Each run's latest train and validation RMSE, in the order given.
///
/// For a sweep the latest values are those of its last alpha, as MLflow shows them.
pub fn rmse_per_run(runs: &[Run]) -> Vec<RunRmse> {
    runs.iter()
        .map(|run| RunRmse {
            name: run.name.clone(),
            train_rmse: latest_value(run, TRAIN_RMSE),
            val_rmse: latest_value(run, VAL_RMSE),
        })
        .collect()
}

/// The sweep a run recorded (one step per alpha), ordered by step.
///
/// Steps without an alpha or without both RMSEs are left out, so a run that is not a sweep
/// gives no points. A metric logged twice at one step counts with its latest value.
pub fn sweep_curve(run: &Run) -> Vec<SweepPoint> {
    #[derive(Default)]
    struct Step<'a> {
        alpha: Option<&'a MetricPoint>,
        val_rmse: Option<&'a MetricPoint>,
        train_rmse: Option<&'a MetricPoint>,
    }
    let mut steps: BTreeMap<i64, Step> = BTreeMap::new();
    for point in &run.metrics {
        let step = steps.entry(point.step).or_default();
        let slot = match point.key.as_str() {
            ALPHA => &mut step.alpha,
            VAL_RMSE => &mut step.val_rmse,
            TRAIN_RMSE => &mut step.train_rmse,
            _ => continue,
        };
        if slot.is_none_or(|kept| later(point, kept).is_ge()) {
            *slot = Some(point);
        }
    }
    steps
        .values()
        .filter_map(|step| {
            Some(SweepPoint {
                alpha: step.alpha?.value,
                val_rmse: step.val_rmse?.value,
                train_rmse: step.train_rmse?.value,
            })
        })
        .collect()
}

/// The linear run with the lowest validation RMSE among `runs` trained on the same files
/// (by digest, in the same roles) as `trees_run`: what a tree model is measured against.
pub fn best_linear_run_like<'a>(
    runs: impl IntoIterator<Item = &'a Run>,
    trees_run: &Run,
) -> Option<RunRmse> {
    let files = |run: &Run| -> Vec<(String, crate::tracking::DatasetRole)> {
        let mut files: Vec<_> = run
            .inputs
            .iter()
            .map(|i| (i.digest.clone(), i.role))
            .collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        files
    };
    let wanted = files(trees_run);
    runs.into_iter()
        .filter(|run| run.params.get("model").is_some_and(|m| m != "gbdt"))
        .filter(|run| files(run) == wanted)
        .filter_map(|run| {
            let val = latest_value(run, VAL_RMSE).filter(|v| v.is_finite())?;
            Some(RunRmse {
                name: run.name.clone(),
                train_rmse: latest_value(run, TRAIN_RMSE),
                val_rmse: Some(val),
            })
        })
        .min_by(|a, b| {
            a.val_rmse
                .unwrap_or(f64::INFINITY)
                .total_cmp(&b.val_rmse.unwrap_or(f64::INFINITY))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracking::{DatasetInput, DatasetRole};

    fn trained(name: &str, model: &str, val: f64, train_digest: &str) -> Run {
        let mut run = Run::new(name, name, "taxi", 0);
        run.params.insert("model".into(), model.into());
        run.log_metric(VAL_RMSE, val, 0, 0);
        for (digest, role) in [
            (train_digest, DatasetRole::Train),
            ("feb", DatasetRole::Validation),
        ] {
            run.inputs.push(DatasetInput {
                name: digest.into(),
                digest: digest.into(),
                source: digest.into(),
                rows: 1,
                role,
            });
        }
        run
    }

    #[test]
    fn trees_are_measured_against_the_best_linear_run_on_the_same_files() {
        let runs = vec![
            trained("ols", "ols", 7.48, "jan"),
            trained("ridge", "ridge", 7.47, "jan"),
            trained("other month", "ols", 5.0, "mar"),
            trained("older trees", "gbdt", 6.0, "jan"),
        ];
        let trees = trained("trees", "gbdt", 6.4, "jan");
        let best = best_linear_run_like(&runs, &trees).expect("a linear run");
        assert_eq!((best.name.as_str(), best.val_rmse), ("ridge", Some(7.47)));
        assert_eq!(best_linear_run_like(&runs[2..], &trees), None);
    }

    #[test]
    fn latest_values_follow_step_then_time_then_record_order() {
        let mut run = Run::new("c", "ridge", "taxi", 0);
        run.log_metric(VAL_RMSE, 7.0, 10, 1);
        run.log_metric(VAL_RMSE, 6.0, 20, 0);
        run.log_metric(TRAIN_RMSE, 5.0, 10, 0);
        run.log_metric(TRAIN_RMSE, 4.0, 10, 0);
        let empty = Run::new("d", "nothing", "taxi", 0);
        assert_eq!(
            rmse_per_run(&[run, empty]),
            vec![
                RunRmse {
                    name: "ridge".into(),
                    train_rmse: Some(4.0),
                    val_rmse: Some(7.0),
                },
                RunRmse {
                    name: "nothing".into(),
                    train_rmse: None,
                    val_rmse: None,
                },
            ]
        );
    }

    #[test]
    fn sweep_points_are_ordered_by_step_and_need_all_three_metrics() {
        let mut run = Run::new("c", "sweep", "taxi", 0);
        for (step, alpha) in [(1, 1.0), (0, 0.1), (2, 10.0)] {
            run.log_metric(ALPHA, alpha, 0, step);
            run.log_metric(VAL_RMSE, 6.0 + alpha, 0, step);
            if step != 2 {
                run.log_metric(TRAIN_RMSE, 5.0 + alpha, 0, step);
            }
        }
        run.log_metric(VAL_RMSE, 6.05, 5, 0);
        let curve = sweep_curve(&run);
        let alphas: Vec<f64> = curve.iter().map(|p| p.alpha).collect();
        assert_eq!(alphas, [0.1, 1.0]);
        assert_eq!(curve[0].val_rmse, 6.05);
        assert_eq!(curve[1].train_rmse, 6.0);
        assert!(sweep_curve(&Run::new("e", "single", "taxi", 0)).is_empty());
    }
}
