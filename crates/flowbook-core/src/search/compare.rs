//! A search's trials as parallel coordinates: one axis per setting the search varied
//! (the model kind and feature set by their options, scale parameters on a log axis), then
//! the validation RMSE; one line per successful trial, the best drawn last.

use super::trips::TrialReport;
use crate::store::compare::{ParallelAxis, ParallelCoordinates, ParallelLine};

/// Parameters searched on a log scale in Flowbook's example spaces.
const LOG_SCALE: [&str; 5] = [
    "alpha",
    "learning_rate",
    "reg_alpha",
    "reg_lambda",
    "min_child_weight",
];

enum Column {
    Numeric { key: String, log: bool },
    Options { key: String, options: Vec<String> },
}

pub fn trial_parallel_coordinates(trials: &[TrialReport]) -> ParallelCoordinates {
    let ok: Vec<&TrialReport> = trials.iter().filter(|t| t.metrics.is_some()).collect();
    let mut keys: Vec<String> = Vec::new();
    for trial in &ok {
        for (key, _) in &trial.config.params {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
    }
    let value = |t: &TrialReport, key: &str| -> Option<String> {
        t.config
            .params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let mut columns = Vec::new();
    for key in keys {
        let mut distinct: Vec<String> = Vec::new();
        for t in &ok {
            if let Some(v) = value(t, &key) {
                if !distinct.contains(&v) {
                    distinct.push(v);
                }
            }
        }
        if distinct.len() < 2 {
            continue;
        }
        let numeric: Option<Vec<f64>> = distinct.iter().map(|v| v.parse::<f64>().ok()).collect();
        columns.push(match numeric {
            Some(values) => Column::Numeric {
                log: LOG_SCALE.contains(&key.as_str()) && values.iter().all(|v| *v > 0.0),
                key,
            },
            None => Column::Options {
                key,
                options: distinct,
            },
        });
    }
    let scaled = |column: &Column, t: &TrialReport| -> Option<f64> {
        match column {
            Column::Numeric { key, log } => {
                value(t, key)?
                    .parse::<f64>()
                    .ok()
                    .map(|v| if *log { v.ln() } else { v })
            }
            Column::Options { key, options } => {
                let v = value(t, key)?;
                options.iter().position(|o| *o == v).map(|i| i as f64)
            }
        }
    };
    let mut rows: Vec<(usize, Vec<Option<f64>>)> = ok
        .iter()
        .map(|t| {
            let mut row: Vec<Option<f64>> = columns.iter().map(|c| scaled(c, t)).collect();
            row.push(Some(t.loss()));
            (t.number, row)
        })
        .collect();
    let mut axes: Vec<ParallelAxis> = columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let values = rows.iter().filter_map(|(_, r)| r[i]);
            let (min, max) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
            let (label, min, max) = match column {
                Column::Numeric { key, log: true } => {
                    (format!("{key} (log)"), min.exp(), max.exp())
                }
                Column::Numeric { key, .. } => (key.clone(), min, max),
                Column::Options { key, options } => {
                    (format!("{key} ({})", options.join(" · ")), min, max)
                }
            };
            ParallelAxis { label, min, max }
        })
        .collect();
    let (lo, hi) = rows
        .iter()
        .filter_map(|(_, r)| *r.last()?)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    axes.push(ParallelAxis {
        label: "val_rmse".to_string(),
        min: lo,
        max: hi,
    });
    // Worst first, so the best lines are drawn on top.
    rows.sort_by(|a, b| {
        let loss = |r: &Vec<Option<f64>>| r.last().copied().flatten().unwrap_or(f64::INFINITY);
        loss(&b.1).total_cmp(&loss(&a.1))
    });
    let bounds: Vec<(f64, f64)> = (0..axes.len())
        .map(|i| {
            rows.iter()
                .filter_map(|(_, r)| r[i])
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                })
        })
        .collect();
    let lines = rows
        .into_iter()
        .map(|(number, row)| ParallelLine {
            run_name: format!("trial {number}"),
            positions: row
                .iter()
                .zip(&bounds)
                .map(|(v, (lo, hi))| v.map(|v| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 }))
                .collect(),
        })
        .collect();
    ParallelCoordinates { axes, lines }
}
