//! Reading a space file's parts, each mistake named by its place.

use serde_json::{Map, Value};

use super::params::check_value;
use super::{bad, Family, KindSpace, ParamValue, SpaceError};
use crate::features::{Categorical, FeatureSpec};
use crate::search::domain::Dist;

pub(super) fn read_kind(family: Family, value: &Value) -> Result<KindSpace, SpaceError> {
    let place = format!("space.{}", family.name());
    let Some(object) = value.as_object() else {
        return bad(&place, "expected an object of parameters (or {} for none)");
    };
    let known = family.parameters();
    for key in object.keys() {
        if !known.iter().any(|(n, _)| n == key) {
            let names: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
            let list = if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            };
            return bad(
                &format!("{place}.{key}"),
                format!(
                    "{} has no parameter {key}; its parameters are {list}",
                    family.name()
                ),
            );
        }
    }
    for required in family.required() {
        if !object.contains_key(*required) {
            return bad(
                &format!("{place}.{required}"),
                format!(
                    "missing; {} needs {required} (a number or a distribution)",
                    family.name()
                ),
            );
        }
    }
    let mut params = Vec::new();
    for (name, whole) in known {
        let Some(value) = object.get(*name) else {
            continue;
        };
        let here = format!("{place}.{name}");
        let param = match value {
            Value::Null if *name == "early_stopping_rounds" => ParamValue::Fixed(None),
            Value::Number(n) => {
                let v = n.as_f64().unwrap_or(f64::NAN);
                check_value(family, name, v).or_else(|m| bad(&here, m))?;
                ParamValue::Fixed(Some(v))
            }
            Value::Object(dist) => read_param_dist(family, name, *whole, dist, &here)?,
            _ => {
                return bad(
                    &here,
                    "expected a number or a distribution object with \"dist\"",
                )
            }
        };
        params.push((*name, param));
    }
    Ok(KindSpace { family, params })
}

fn number(object: &Map<String, Value>, key: &str, place: &str) -> Result<f64, SpaceError> {
    match object.get(key).and_then(Value::as_f64) {
        Some(v) if v.is_finite() => Ok(v),
        Some(_) | None if object.contains_key(key) => {
            bad(&format!("{place}.{key}"), "expected a finite number")
        }
        _ => bad(&format!("{place}.{key}"), "missing"),
    }
}

fn read_param_dist(
    family: Family,
    name: &str,
    whole: bool,
    object: &Map<String, Value>,
    place: &str,
) -> Result<ParamValue, SpaceError> {
    let (dist, options) = read_dist(object, place)?;
    if whole {
        match dist {
            Dist::Uniform { .. } | Dist::LogUniform { .. } => {
                return bad(
                    &format!("{place}.dist"),
                    format!(
                        "{name} takes whole numbers; use quniform, qloguniform, randint or choice"
                    ),
                )
            }
            Dist::QUniform { q, .. } | Dist::QLogUniform { q, .. } if q.fract() != 0.0 => {
                return bad(
                    &format!("{place}.q"),
                    format!("{name} takes whole numbers, so q must be one; got {q}"),
                )
            }
            _ => {}
        }
    }
    let checks: Vec<(String, f64)> = match dist {
        Dist::Choice { .. } => options
            .iter()
            .enumerate()
            .map(|(i, &v)| (format!("{place}.options[{i}]"), v))
            .collect(),
        _ => {
            let (lo, hi) = dist.extremes();
            let keys = match dist {
                Dist::LogUniform { .. } | Dist::QLogUniform { .. }
                    if object.contains_key("log_low") =>
                {
                    ("log_low", "log_high")
                }
                _ => ("low", "high"),
            };
            vec![
                (format!("{place}.{}", keys.0), lo),
                (format!("{place}.{}", keys.1), hi),
            ]
        }
    };
    for (here, value) in checks {
        check_value(family, name, value)
            .or_else(|m| bad(&here, format!("{m} (the prior reaches it)")))?;
    }
    Ok(ParamValue::Searched { dist, options })
}

/// A distribution object: `{"dist": "quniform", "low": 4, "high": 100, "q": 1}`. Log
/// distributions take their bounds as values (`low`, `high`, above 0) or, as hyperopt
/// does, as exponents (`log_low`, `log_high`).
fn read_dist(object: &Map<String, Value>, place: &str) -> Result<(Dist, Vec<f64>), SpaceError> {
    let Some(name) = object.get("dist").and_then(Value::as_str) else {
        return bad(
            &format!("{place}.dist"),
            "missing; one of choice, uniform, quniform, loguniform, qloguniform, randint",
        );
    };
    let allowed: &[&str] = match name {
        "choice" => &["dist", "options"],
        "uniform" => &["dist", "low", "high", "points"],
        "quniform" => &["dist", "low", "high", "q", "points"],
        "loguniform" => &["dist", "low", "high", "log_low", "log_high", "points"],
        "qloguniform" => &["dist", "low", "high", "log_low", "log_high", "q", "points"],
        "randint" => &["dist", "low", "high"],
        other => {
            return bad(
                &format!("{place}.dist"),
                format!("unknown distribution {other:?}; one of choice, uniform, quniform, loguniform, qloguniform, randint"),
            )
        }
    };
    if let Some(key) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
        return bad(
            &format!("{place}.{key}"),
            format!("{name} takes {}", allowed[1..].join(", ")),
        );
    }
    let bounds = |low: f64, high: f64, key: &str| -> Result<(), SpaceError> {
        if low < high {
            Ok(())
        } else {
            bad(
                &format!("{place}.{key}"),
                format!("low ({low}) must be below high ({high})"),
            )
        }
    };
    let q = || -> Result<f64, SpaceError> {
        let q = number(object, "q", place)?;
        if q > 0.0 {
            Ok(q)
        } else {
            bad(&format!("{place}.q"), format!("q must be above 0; got {q}"))
        }
    };
    let log_bounds = || -> Result<(f64, f64), SpaceError> {
        if object.contains_key("log_low") || object.contains_key("log_high") {
            let (lo, hi) = (
                number(object, "log_low", place)?,
                number(object, "log_high", place)?,
            );
            bounds(lo, hi, "log_low")?;
            return Ok((lo, hi));
        }
        let (lo, hi) = (
            number(object, "low", place)?,
            number(object, "high", place)?,
        );
        for (key, v) in [("low", lo), ("high", hi)] {
            if v <= 0.0 {
                return bad(&format!("{place}.{key}"), format!("a log-scale bound must be above 0; got {v} (or give log_low and log_high as exponents)"));
            }
        }
        bounds(lo, hi, "low")?;
        Ok((libm::log(lo), libm::log(hi)))
    };
    let dist = match name {
        "choice" => {
            let Some(options) = object.get("options").and_then(Value::as_array) else {
                return bad(&format!("{place}.options"), "expected a list of values");
            };
            if options.is_empty() {
                return bad(
                    &format!("{place}.options"),
                    "an empty choice; give at least one option",
                );
            }
            let mut values = Vec::new();
            for (i, option) in options.iter().enumerate() {
                match option.as_f64() {
                    Some(v) if v.is_finite() => values.push(v),
                    _ => return bad(&format!("{place}.options[{i}]"), "expected a finite number"),
                }
            }
            return Ok((
                Dist::Choice {
                    options: values.len(),
                },
                values,
            ));
        }
        "uniform" => {
            let (low, high) = (
                number(object, "low", place)?,
                number(object, "high", place)?,
            );
            bounds(low, high, "low")?;
            Dist::Uniform { low, high }
        }
        "quniform" => {
            let (low, high) = (
                number(object, "low", place)?,
                number(object, "high", place)?,
            );
            bounds(low, high, "low")?;
            Dist::QUniform { low, high, q: q()? }
        }
        "loguniform" => {
            let (low, high) = log_bounds()?;
            Dist::LogUniform { low, high }
        }
        "qloguniform" => {
            let (low, high) = log_bounds()?;
            Dist::QLogUniform { low, high, q: q()? }
        }
        _ => {
            let low = if object.contains_key("low") {
                number(object, "low", place)?
            } else {
                0.0
            };
            let high = number(object, "high", place)?;
            if low.fract() != 0.0 || high.fract() != 0.0 {
                return bad(
                    &format!("{place}.high"),
                    "randint takes whole-number bounds",
                );
            }
            bounds(low, high, "low")?;
            Dist::RandInt {
                low: low as i64,
                high: high as i64,
            }
        }
    };
    Ok((dist, Vec::new()))
}

/// A fixed value or `{"dist": "choice", "options": [...]}` of values `read` understands.
pub(super) fn read_options<T>(
    value: &Value,
    place: &str,
    read: fn(&Value, &str) -> Result<T, SpaceError>,
) -> Result<Vec<T>, SpaceError> {
    let Some(object) = value.as_object() else {
        return Ok(vec![read(value, place)?]);
    };
    match object.get("dist").and_then(Value::as_str) {
        Some("choice") => {}
        _ => {
            return bad(
                &format!("{place}.dist"),
                "only a choice of options can be searched here",
            )
        }
    }
    let Some(options) = object.get("options").and_then(Value::as_array) else {
        return bad(&format!("{place}.options"), "expected a list of options");
    };
    if options.is_empty() {
        return bad(
            &format!("{place}.options"),
            "an empty choice; give at least one option",
        );
    }
    options
        .iter()
        .enumerate()
        .map(|(i, option)| read(option, &format!("{place}.options[{i}]")))
        .collect()
}

/// `"PU_DO"`, `"PU+DO"`, `"PU_DO+pickup_hour"` (PU and DO short for PULocationID and
/// DOLocationID; trip_distance is always a numerical feature), or
/// `{"categorical": [...], "numerical": [...]}`.
pub(super) fn read_feature_set(
    value: &Value,
    place: &str,
) -> Result<(String, FeatureSpec), SpaceError> {
    let parse = |name: &str| -> Result<Categorical, SpaceError> {
        let full = match name.trim() {
            "PU" => "PULocationID",
            "DO" => "DOLocationID",
            other => other,
        };
        full.parse().or_else(|m: String| bad(place, m))
    };
    match value {
        Value::String(text) => {
            let categorical = text.split('+').map(parse).collect::<Result<Vec<_>, _>>()?;
            Ok((
                text.clone(),
                FeatureSpec {
                    categorical,
                    numerical: vec!["trip_distance".to_string()],
                },
            ))
        }
        Value::Object(object) => {
            let list = |key: &str| -> Vec<String> {
                object
                    .get(key)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let categorical = list("categorical")
                .iter()
                .map(|n| parse(n))
                .collect::<Result<Vec<_>, _>>()?;
            let numerical = list("numerical");
            for n in &numerical {
                if n != "trip_distance" {
                    return bad(place, format!("unknown numerical feature {n:?}; Flowbook's numerical feature is trip_distance"));
                }
            }
            if categorical.is_empty() && numerical.is_empty() {
                return bad(place, "a feature set needs at least one feature");
            }
            let mut names: Vec<String> = categorical.iter().map(|c| c.name().to_string()).collect();
            names.extend(numerical.iter().cloned());
            Ok((
                names.join("+"),
                FeatureSpec {
                    categorical,
                    numerical,
                },
            ))
        }
        _ => bad(
            place,
            "expected a feature set such as \"PU_DO\" or \"PU+DO+pickup_hour\"",
        ),
    }
}

/// `[min, max]` minutes.
pub(super) fn read_duration(value: &Value, place: &str) -> Result<(f64, f64), SpaceError> {
    let pair = value.as_array().filter(|a| a.len() == 2);
    let numbers: Option<Vec<f64>> = pair.map(|a| a.iter().filter_map(Value::as_f64).collect());
    match numbers.as_deref() {
        Some(&[min, max]) if min >= 0.0 && min < max && max.is_finite() => Ok((min, max)),
        Some(&[min, max]) => bad(
            place,
            format!("expected 0 <= min < max minutes; got [{min}, {max}]"),
        ),
        _ => bad(place, "expected [min, max] minutes, e.g. [1, 60]"),
    }
}
