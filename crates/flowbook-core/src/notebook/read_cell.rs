//! Reading one cell of a notebook file: its id, its kind and that kind's settings.
//! Settings a file leaves out take the kind's defaults (older files open); values this
//! Flowbook does not know in a list (a chart, a feature) are skipped with a warning.

use serde_json::Value;

use super::cells::{
    CellKind, Chart, CompareSettings, DataSettings, DatasetRef, EvaluateSettings, MonitorSettings,
    PredictSettings, PrepareSettings, SearchCellSettings, TrainSettings,
};
use super::document::Cell;
use super::fields::{as_text, Fields};
use super::file::OpenError;
use crate::features::Categorical;
use crate::trees::TreeParams;

pub(super) fn read_cell(
    index: usize,
    value: &Value,
    warnings: &mut Vec<String>,
) -> Result<Cell, OpenError> {
    let mut fields = Fields::new(format!("cells[{index}]"), value)?;
    let id = fields.required("id", "a non-empty text", |v| {
        v.as_str()
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    })?;
    let collapsed = fields.bool_or("collapsed", false)?;
    let kind_name = fields.required("kind", "the name of a cell kind", as_text)?;
    let kind = match kind_name.as_str() {
        "markdown" => CellKind::Markdown {
            source: fields.text_or("source", "")?,
        },
        "data" => CellKind::Data(DataSettings {
            train: read_dataset(fields.child("train")?, warnings)?,
            validation: read_dataset(fields.child("validation")?, warnings)?,
        }),
        "prepare" => CellKind::Prepare(read_prepare(&mut fields, warnings)?),
        "train" => CellKind::Train(read_train(&mut fields)?),
        "evaluate" => CellKind::Evaluate(read_evaluate(&mut fields, warnings)?),
        "compare" => {
            let defaults = CompareSettings::default();
            CellKind::Compare(CompareSettings {
                filter: fields.text_or("filter", &defaults.filter)?,
                sort: fields.text_or("sort", &defaults.sort)?,
            })
        }
        "predict" => {
            let defaults = PredictSettings::default();
            CellKind::Predict(PredictSettings {
                pickup_zone: fields.integer_or("pickup_zone", defaults.pickup_zone)?,
                dropoff_zone: fields.integer_or("dropoff_zone", defaults.dropoff_zone)?,
                trip_distance: fields.number_or("trip_distance", defaults.trip_distance)?,
            })
        }
        "search" => CellKind::Search(read_search(&mut fields)?),
        "monitor" => CellKind::Monitor(read_monitor(&mut fields)?),
        other => {
            warnings.push(format!(
                "cells[{index}]: unknown cell kind {other:?}, kept as it is but it will not run here (perhaps written by a newer Flowbook)"
            ));
            let mut rest = value.as_object().cloned().unwrap_or_default();
            for known in ["id", "collapsed", "kind"] {
                rest.remove(known);
            }
            return Ok(Cell {
                id,
                collapsed,
                kind: CellKind::Unknown {
                    kind: other.to_string(),
                    fields: rest,
                },
                unknown_fields: Default::default(),
            });
        }
    };
    Ok(Cell {
        id,
        collapsed,
        kind,
        unknown_fields: fields.unknown(warnings),
    })
}

fn read_dataset(mut fields: Fields, warnings: &mut Vec<String>) -> Result<DatasetRef, OpenError> {
    let is_digest = |s: &&str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let dataset = DatasetRef {
        file_name: fields.required("file_name", "a non-empty text", |v| {
            v.as_str()
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string)
        })?,
        url: fields.optional("url", "text", as_text)?,
        sha256: fields.optional("sha256", "64 hexadecimal digits (a SHA-256)", |v| {
            v.as_str().filter(is_digest).map(str::to_ascii_lowercase)
        })?,
    };
    // A dataset reference has no place to keep extra fields; say what is dropped.
    for name in fields.unknown_names() {
        warnings.push(format!("{}: unknown field, ignored", fields.path_of(&name)));
    }
    Ok(dataset)
}

fn read_prepare(
    fields: &mut Fields,
    warnings: &mut Vec<String>,
) -> Result<PrepareSettings, OpenError> {
    let mut settings = PrepareSettings::default();
    let spec = &mut settings.prepare;
    spec.min_duration_min = fields.number_or("min_duration_min", spec.min_duration_min)?;
    spec.max_duration_min = fields.number_or("max_duration_min", spec.max_duration_min)?;
    spec.min_distance_exclusive =
        fields.optional("min_distance_exclusive", "a number", Value::as_f64)?;
    if let Some(names) = fields.list("categorical", "a feature name", as_text)? {
        let path = fields.path_of("categorical");
        settings.features.categorical = Vec::new();
        for name in names {
            match name.parse::<Categorical>() {
                Ok(feature) => settings.features.categorical.push(feature),
                Err(message) => warnings.push(format!("{path}: skipped: {message}")),
            }
        }
    }
    if let Some(names) = fields.list("numerical", "a column name", as_text)? {
        settings.features.numerical = names;
    }
    Ok(settings)
}

fn read_train(fields: &mut Fields) -> Result<TrainSettings, OpenError> {
    let defaults = TrainSettings::default();
    Ok(TrainSettings {
        model: fields.text_or("model", &defaults.model)?,
        alpha: fields.number_or("alpha", defaults.alpha)?,
        l1_ratio: fields.number_or("l1_ratio", defaults.l1_ratio)?,
        sweep_alphas: match fields.list("sweep_alphas", "a number", Value::as_f64)? {
            Some(alphas) if alphas.len() > MAX_SWEEP_ALPHAS => {
                return Err(fields.error(
                    "sweep_alphas",
                    format!(
                        "at most {MAX_SWEEP_ALPHAS} alphas in a notebook, found {}; sweep \
                         longer lists with `flowbook train --alphas`",
                        alphas.len()
                    ),
                ))
            }
            alphas => alphas,
        },
        trees: match fields.value("trees") {
            Some(_) => Some(read_trees(fields.child("trees")?)?),
            None => None,
        },
    })
}

/// The boosting settings, by XGBoost's names; absent ones take the workshop settings.
/// Ranges are checked when the cell runs, with the engine's messages.
fn read_trees(mut fields: Fields) -> Result<TreeParams, OpenError> {
    let d = TreeParams::workshop();
    let whole = |fields: &mut Fields, name: &'static str, default: u64| {
        let value = fields.integer_or(name, default as i64)?;
        u64::try_from(value).map_err(|_| {
            fields.error(
                name,
                format!("expected a whole number of at least 0, found {value}"),
            )
        })
    };
    let small = |fields: &mut Fields, name: &'static str, value: u64| {
        u32::try_from(value).map_err(|_| {
            fields.error(
                name,
                format!("expected at most {}, found {value}", u32::MAX),
            )
        })
    };
    let rounds = whole(&mut fields, "num_boost_round", d.num_boost_round.into())?;
    let depth = whole(&mut fields, "max_depth", d.max_depth.into())?;
    let max_bin = whole(&mut fields, "max_bin", d.max_bin.into())?;
    let seed = whole(&mut fields, "seed", d.seed)?;
    let early = match fields.value("early_stopping_rounds") {
        Some(_) => Some(whole(&mut fields, "early_stopping_rounds", 0)?),
        None => None,
    };
    Ok(TreeParams {
        num_boost_round: small(&mut fields, "num_boost_round", rounds)?,
        learning_rate: fields.number_or("learning_rate", d.learning_rate)?,
        max_depth: small(&mut fields, "max_depth", depth)?,
        min_child_weight: fields.number_or("min_child_weight", d.min_child_weight)?,
        reg_lambda: fields.number_or("reg_lambda", d.reg_lambda)?,
        reg_alpha: fields.number_or("reg_alpha", d.reg_alpha)?,
        gamma: fields.number_or("gamma", d.gamma)?,
        subsample: fields.number_or("subsample", d.subsample)?,
        colsample_bytree: fields.number_or("colsample_bytree", d.colsample_bytree)?,
        max_bin: small(&mut fields, "max_bin", max_bin)?,
        early_stopping_rounds: early
            .map(|rounds| small(&mut fields, "early_stopping_rounds", rounds))
            .transpose()?,
        seed,
    })
}

fn read_evaluate(
    fields: &mut Fields,
    warnings: &mut Vec<String>,
) -> Result<EvaluateSettings, OpenError> {
    let Some(names) = fields.list("charts", "a chart name", as_text)? else {
        return Ok(EvaluateSettings::default());
    };
    let path = fields.path_of("charts");
    let mut charts = Vec::new();
    for name in names {
        match Chart::from_name(&name) {
            Some(chart) => charts.push(chart),
            None => warnings.push(format!(
                "{path}: skipped the chart {name:?}, which this Flowbook does not draw"
            )),
        }
    }
    Ok(EvaluateSettings { charts })
}

/// The Search cell. The space is checked when the cell runs (with its place in the
/// space); here only its shape, and the trial count's bound, so a shared notebook cannot
/// ask for more trials than a tab holds.
fn read_search(fields: &mut Fields) -> Result<SearchCellSettings, OpenError> {
    let d = SearchCellSettings::default();
    let space = match fields.value("space") {
        None => d.space.clone(),
        Some(value) if value.is_object() => value.clone(),
        Some(_) => {
            return Err(fields.error(
                "space",
                "expected a search space object (see examples/search/)".to_string(),
            ))
        }
    };
    let algorithm = match fields.optional("algorithm", "grid, random or tpe", as_text)? {
        None => d.algorithm,
        Some(name) => {
            crate::search::Algorithm::parse(&name).map_err(|m| fields.error("algorithm", m))?
        }
    };
    let whole = |fields: &mut Fields, name: &'static str, default: u64, max: u64| {
        let value = fields.integer_or(name, default as i64)?;
        match u64::try_from(value) {
            Ok(v) if v <= max => Ok(v),
            _ => Err(fields.error(
                name,
                format!("expected a whole number from 0 to {max}, found {value}"),
            )),
        }
    };
    let max_evals = whole(
        fields,
        "max_evals",
        d.max_evals as u64,
        MAX_CELL_TRIALS as u64,
    )? as usize;
    let seed = whole(fields, "seed", d.seed, u64::MAX >> 11)?;
    let patience = match fields.value("patience") {
        Some(_) => Some(whole(fields, "patience", 0, crate::search::MAX_EVALS as u64)? as usize),
        None => None,
    };
    Ok(SearchCellSettings {
        space,
        algorithm,
        max_evals,
        seed,
        patience,
    })
}

/// Most alphas a Train cell sweeps and most trials a Search cell runs: a notebook opened
/// from a link or a file holds work a tab can finish; longer searches and sweeps are the
/// command line's (`flowbook search`, `flowbook train --alphas`).
pub const MAX_SWEEP_ALPHAS: usize = 2_000;
pub const MAX_CELL_TRIALS: usize = 2_000;

/// Most months a Monitor cell checks: each is a file held in the tab.
pub const MAX_MONITOR_MONTHS: usize = 36;

/// The Monitor cell: its months (names or addresses) and thresholds (any left out keep
/// their defaults).
fn read_monitor(fields: &mut Fields) -> Result<MonitorSettings, OpenError> {
    let d = MonitorSettings::default();
    let months = match fields.value("months") {
        None => d.months.clone(),
        Some(Value::Array(items)) => {
            let months: Option<Vec<String>> = items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                })
                .collect();
            match months {
                Some(months) if months.len() <= MAX_MONITOR_MONTHS => months,
                Some(months) => {
                    return Err(fields.error(
                        "months",
                        format!(
                            "at most {MAX_MONITOR_MONTHS} months, found {}",
                            months.len()
                        ),
                    ))
                }
                None => {
                    return Err(fields.error(
                        "months",
                        "expected a list of file names or addresses (texts)".to_string(),
                    ))
                }
            }
        }
        Some(_) => {
            return Err(fields.error(
                "months",
                "expected a list of file names or addresses (texts)".to_string(),
            ))
        }
    };
    let thresholds = match fields.value("thresholds") {
        None => d.thresholds.clone(),
        Some(value) => crate::monitor::Thresholds::from_value(value.clone())
            .map_err(|m| fields.error("thresholds", m))?,
    };
    let model = fields.text_or("model", &d.model)?.trim().to_string();
    Ok(MonitorSettings {
        model,
        months,
        thresholds,
    })
}
