//! Parallel coordinates: one vertical axis per numeric param or metric, one polyline per
//! run, each value placed between its axis' minimum (0) and maximum (1).

use crate::tracking::Run;

use super::{keys, numeric_param, range};
use crate::store::latest_metric;

#[derive(Debug, Clone, PartialEq)]
pub struct ParallelAxis {
    /// `params.alpha` or `metrics.val_rmse`.
    pub label: String,
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParallelLine {
    pub run_name: String,
    /// Per axis, the value scaled to 0..=1 (0.5 when all runs share it); `None` when the
    /// run has no value there.
    pub positions: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParallelCoordinates {
    pub axes: Vec<ParallelAxis>,
    pub lines: Vec<ParallelLine>,
}

/// The axes are the params every run that has them gives as numbers (text params such as
/// the model name cannot be placed on a line), then the metrics.
pub fn parallel_coordinates(runs: &[&Run]) -> ParallelCoordinates {
    let (params, metrics) = keys(runs);
    type Value = Box<dyn Fn(&Run) -> Option<f64>>;
    let mut columns: Vec<(String, Value)> = Vec::new();
    for key in params {
        let numeric = runs
            .iter()
            .filter(|r| r.params.contains_key(&key))
            .all(|r| numeric_param(r, &key).is_some());
        if numeric {
            let k = key.clone();
            columns.push((
                format!("params.{key}"),
                Box::new(move |r| numeric_param(r, &k)),
            ));
        }
    }
    for key in metrics {
        let k = key.clone();
        columns.push((
            format!("metrics.{key}"),
            Box::new(move |r| latest_metric(r, &k).filter(|v| v.is_finite())),
        ));
    }
    let values: Vec<Vec<Option<f64>>> = runs
        .iter()
        .map(|r| columns.iter().map(|(_, value)| value(r)).collect())
        .collect();
    let axes: Vec<ParallelAxis> = columns
        .iter()
        .enumerate()
        .map(|(i, (label, _))| {
            let (min, max) = range(values.iter().filter_map(|v| v[i]));
            ParallelAxis {
                label: label.clone(),
                min,
                max,
            }
        })
        .collect();
    let lines = runs
        .iter()
        .zip(&values)
        .map(|(run, row)| ParallelLine {
            run_name: run.name.clone(),
            positions: row
                .iter()
                .zip(&axes)
                .map(|(v, axis)| {
                    v.map(|v| {
                        if axis.max > axis.min {
                            (v - axis.min) / (axis.max - axis.min)
                        } else {
                            0.5
                        }
                    })
                })
                .collect(),
        })
        .collect();
    ParallelCoordinates { axes, lines }
}
