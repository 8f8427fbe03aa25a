//! Comparing a few runs side by side: which params differ, a metric against a param, and
//! the metric histories. The app draws what these functions compute
//! (`flowbook_charts::draw_compare_*`); parallel coordinates are in `compare/parallel.rs`.

mod parallel;

use std::collections::BTreeSet;

use crate::tracking::Run;

use super::latest_metric;

pub use parallel::{parallel_coordinates, ParallelAxis, ParallelCoordinates, ParallelLine};

/// One row of the side-by-side table: a key and each run's value (`None`: not logged).
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRow<T> {
    pub key: String,
    pub values: Vec<Option<T>>,
    /// The runs do not all have the same value (a missing value counts as a value).
    pub differs: bool,
}

/// The side-by-side table: one column per run, params then metrics (latest values).
#[derive(Debug, Clone, PartialEq)]
pub struct CompareTable {
    pub params: Vec<CompareRow<String>>,
    pub metrics: Vec<CompareRow<f64>>,
}

fn differs<T: PartialEq>(values: &[Option<T>]) -> bool {
    values.windows(2).any(|w| w[0] != w[1])
}

/// Every param key and metric key of `runs`, each sorted.
fn keys(runs: &[&Run]) -> (BTreeSet<String>, BTreeSet<String>) {
    let params = runs.iter().flat_map(|r| r.params.keys().cloned()).collect();
    let metrics = runs
        .iter()
        .flat_map(|r| r.metrics.iter().map(|m| m.key.clone()))
        .collect();
    (params, metrics)
}

pub fn compare_table(runs: &[&Run]) -> CompareTable {
    let (params, metrics) = keys(runs);
    let params = params
        .into_iter()
        .map(|key| {
            let values: Vec<Option<String>> =
                runs.iter().map(|r| r.params.get(&key).cloned()).collect();
            CompareRow {
                differs: differs(&values),
                key,
                values,
            }
        })
        .collect();
    let metrics = metrics
        .into_iter()
        .map(|key| {
            let values: Vec<Option<f64>> = runs.iter().map(|r| latest_metric(r, &key)).collect();
            CompareRow {
                differs: differs(&values),
                key,
                values,
            }
        })
        .collect();
    CompareTable { params, metrics }
}

/// The keys a compare chart can offer: (params, metrics) of `runs`.
pub fn compare_keys(runs: &[&Run]) -> (Vec<String>, Vec<String>) {
    let (params, metrics) = keys(runs);
    (params.into_iter().collect(), metrics.into_iter().collect())
}

/// A param read as a number, when it is one (`"1"`, `"0.01"`); `None` for text.
pub fn numeric_param(run: &Run, key: &str) -> Option<f64> {
    run.params
        .get(key)?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// How the param axis of the scatter reads: numbers, or categories in sorted order.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamAxis {
    Numeric {
        min: f64,
        max: f64,
    },
    /// A point's x is its category's index.
    Categorical(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScatterPoint {
    pub run_name: String,
    pub x: f64,
    pub y: f64,
}

/// A metric against a param, one point per run that has both.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricParamScatter {
    pub param: String,
    pub metric: String,
    pub axis: ParamAxis,
    pub points: Vec<ScatterPoint>,
    pub y_range: (f64, f64),
}

/// The scatter of `metric` against `param`: numeric when every run's value reads as a
/// number, categorical otherwise. `None` when no run has both with a finite metric.
pub fn metric_param_scatter(
    runs: &[&Run],
    metric: &str,
    param: &str,
) -> Option<MetricParamScatter> {
    let usable: Vec<(&Run, &String, f64)> = runs
        .iter()
        .filter_map(|r| {
            let y = latest_metric(r, metric).filter(|y| y.is_finite())?;
            Some((*r, r.params.get(param)?, y))
        })
        .collect();
    if usable.is_empty() {
        return None;
    }
    let numbers: Option<Vec<f64>> = usable
        .iter()
        .map(|(r, _, _)| numeric_param(r, param))
        .collect();
    let (axis, xs) = match numbers {
        Some(xs) => {
            let (min, max) = range(xs.iter().copied());
            (ParamAxis::Numeric { min, max }, xs)
        }
        None => {
            let categories: Vec<String> = usable
                .iter()
                .map(|(_, v, _)| (*v).clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let xs = usable
                .iter()
                .map(|(_, v, _)| categories.iter().position(|c| c == *v).unwrap_or(0) as f64)
                .collect();
            (ParamAxis::Categorical(categories), xs)
        }
    };
    let points: Vec<ScatterPoint> = usable
        .iter()
        .zip(xs)
        .map(|((r, _, y), x)| ScatterPoint {
            run_name: r.name.clone(),
            x,
            y: *y,
        })
        .collect();
    let y_range = range(points.iter().map(|p| p.y));
    Some(MetricParamScatter {
        param: param.to_string(),
        metric: metric.to_string(),
        axis,
        points,
        y_range,
    })
}

/// (min, max) of finite values; (0, 0) for none.
pub(crate) fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        (0.0, 0.0)
    } else {
        (lo, hi)
    }
}

/// One run's history of a metric, in step order.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricHistory {
    pub run_name: String,
    /// (step, value); only finite values.
    pub points: Vec<(i64, f64)>,
}

/// `metric`'s history for each run that logged it. A step logged twice keeps its latest
/// timestamp's value, as MLflow shows it.
pub fn metric_histories(runs: &[&Run], metric: &str) -> Vec<MetricHistory> {
    runs.iter()
        .filter_map(|run| {
            let mut logged: Vec<_> = run
                .metrics
                .iter()
                .filter(|m| m.key == metric && m.value.is_finite())
                .collect();
            logged.sort_by_key(|m| (m.step, m.timestamp_ms));
            let mut points: Vec<(i64, f64)> = Vec::new();
            for m in logged {
                match points.last_mut() {
                    Some(last) if last.0 == m.step => last.1 = m.value,
                    _ => points.push((m.step, m.value)),
                }
            }
            (!points.is_empty()).then(|| MetricHistory {
                run_name: run.name.clone(),
                points,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
