//! The search space file (`examples/search/*.json`): which model kinds, which of their
//! parameters with which prior, which feature sets and duration ranges. Read with every
//! mistake named by its place (`space.gbdt.max_depth.low`), then compiled to a `Domain`
//! whose points decode to trial configurations.

use std::fmt;

use serde_json::Value;

use super::domain::{Condition, Dist, Domain, Point};
use crate::features::{FeatureSpec, PrepareSpec};
use crate::solve::ModelKind;
use crate::trees::TreeParams;

mod params;
mod read;

use params::{build_model, format_value};
use read::{read_duration, read_feature_set, read_kind, read_options};

pub const SPACE_FORMAT: &str = "flowbook-search-space";
pub const SPACE_VERSION: u64 = 1;

/// A mistake in a space file, at its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceError {
    pub place: String,
    pub message: String,
}

impl fmt::Display for SpaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

impl std::error::Error for SpaceError {}

fn bad<T>(place: &str, message: impl Into<String>) -> Result<T, SpaceError> {
    Err(SpaceError {
        place: place.to_string(),
        message: message.into(),
    })
}

/// The model kinds a space may search over, in the order their dimensions take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Ols,
    Ridge,
    Lasso,
    ElasticNet,
    Gbdt,
}

impl Family {
    pub const ALL: [Family; 5] = [
        Family::Ols,
        Family::Ridge,
        Family::Lasso,
        Family::ElasticNet,
        Family::Gbdt,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Family::Ols => "ols",
            Family::Ridge => "ridge",
            Family::Lasso => "lasso",
            Family::ElasticNet => "elasticnet",
            Family::Gbdt => "gbdt",
        }
    }

    /// The parameters a trial of this kind takes, and whether each is a whole number.
    pub fn parameters(self) -> &'static [(&'static str, bool)] {
        match self {
            Family::Ols => &[],
            Family::Ridge | Family::Lasso => &[("alpha", false)],
            Family::ElasticNet => &[("alpha", false), ("l1_ratio", false)],
            Family::Gbdt => &[
                ("num_boost_round", true),
                ("learning_rate", false),
                ("max_depth", true),
                ("min_child_weight", false),
                ("reg_lambda", false),
                ("reg_alpha", false),
                ("gamma", false),
                ("subsample", false),
                ("colsample_bytree", false),
                ("max_bin", true),
                ("early_stopping_rounds", true),
                ("seed", true),
            ],
        }
    }

    fn required(self) -> &'static [&'static str] {
        match self {
            Family::Ridge | Family::Lasso | Family::ElasticNet => &["alpha"],
            Family::Ols | Family::Gbdt => &[],
        }
    }
}

/// One parameter's place in the space: a fixed value (or none, for early stopping), or
/// a prior (a `choice` over `options`).
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Fixed(Option<f64>),
    Searched { dist: Dist, options: Vec<f64> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct KindSpace {
    pub family: Family,
    pub params: Vec<(&'static str, ParamValue)>,
}

/// A space file, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSpace {
    pub kinds: Vec<KindSpace>,
    /// Feature sets, with the names the file gave them.
    pub features: Vec<(String, FeatureSpec)>,
    /// Duration ranges in minutes, `(min, max)`.
    pub durations: Vec<(f64, f64)>,
    /// The file as written, kept with the search's parent run.
    pub source: Value,
}

/// A trial's model.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum TrialModel {
    Linear(ModelKind),
    Trees(TreeParams),
}

/// What one trial trains.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrialConfig {
    pub model: TrialModel,
    pub features: FeatureSpec,
    pub features_name: String,
    pub prepare: PrepareSpec,
    /// The trial's settings as its run's params, in a fixed order.
    pub params: Vec<(String, String)>,
}

/// What a dimension of the compiled domain stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Kind,
    Features,
    Duration,
    Param { kind: usize, param: usize },
}

impl SearchSpace {
    /// The numerical columns the space's trials read from the files.
    pub fn numeric_columns(&self) -> Vec<String> {
        let mut columns: Vec<String> = Vec::new();
        for (_, features) in &self.features {
            for n in &features.numerical {
                if !columns.contains(n) {
                    columns.push(n.clone());
                }
            }
        }
        columns
    }

    pub fn from_json(text: &str) -> Result<SearchSpace, SpaceError> {
        let root: Value = serde_json::from_str(text).map_err(|e| SpaceError {
            place: "file".to_string(),
            message: format!("not valid JSON ({e})"),
        })?;
        SearchSpace::from_value(root)
    }

    pub fn from_value(root: Value) -> Result<SearchSpace, SpaceError> {
        let Some(object) = root.as_object() else {
            return bad(
                "file",
                "expected a JSON object with format, version and space",
            );
        };
        match object.get("format").and_then(Value::as_str) {
            Some(SPACE_FORMAT) => {}
            _ => return bad("format", format!("expected \"{SPACE_FORMAT}\"")),
        }
        match object.get("version").and_then(Value::as_u64) {
            Some(v) if v <= SPACE_VERSION => {}
            Some(v) => {
                return bad(
                    "version",
                    format!("version {v} was written by a newer Flowbook (this one reads up to {SPACE_VERSION}); update Flowbook"),
                )
            }
            None => return bad("version", "expected a whole number"),
        }
        for key in object.keys() {
            if !["format", "version", "name", "description", "space"].contains(&key.as_str()) {
                return bad(
                    key,
                    "unknown key; a space file has format, version, name, description and space",
                );
            }
        }
        let Some(space) = object.get("space").and_then(Value::as_object) else {
            return bad(
                "space",
                "expected an object of model kinds, features and duration",
            );
        };
        for key in space.keys() {
            let known = key == "features"
                || key == "duration"
                || Family::ALL.iter().any(|f| f.name() == key);
            if !known {
                return bad(
                    &format!("space.{key}"),
                    "unknown key; expected a model kind (ols, ridge, lasso, elasticnet, gbdt), features or duration",
                );
            }
        }
        let mut kinds = Vec::new();
        for family in Family::ALL {
            if let Some(value) = space.get(family.name()) {
                kinds.push(read_kind(family, value)?);
            }
        }
        if kinds.is_empty() {
            return bad(
                "space",
                "no model kind; add one of ols, ridge, lasso, elasticnet, gbdt",
            );
        }
        let features = match space.get("features") {
            None => vec![("PU_DO".to_string(), FeatureSpec::pu_do_distance())],
            Some(value) => read_options(value, "space.features", read_feature_set)?,
        };
        let durations = match space.get("duration") {
            None => vec![(1.0, 60.0)],
            Some(value) if value.is_array() => vec![read_duration(value, "space.duration")?],
            Some(value) => read_options(value, "space.duration", read_duration)?,
        };
        Ok(SearchSpace {
            kinds,
            features,
            durations,
            source: root,
        })
    }

    /// The dimensions, in a fixed order: kind, features, duration, then each kind's
    /// searched parameters (active only when the kind is chosen).
    pub fn domain(&self) -> Domain {
        self.compiled().0
    }

    fn compiled(&self) -> (Domain, Vec<Slot>) {
        let mut domain = Domain::default();
        let mut slots = Vec::new();
        let kind_dim = (self.kinds.len() > 1).then(|| {
            slots.push(Slot::Kind);
            domain.push(
                "model",
                Dist::Choice {
                    options: self.kinds.len(),
                },
                None,
            )
        });
        if self.features.len() > 1 {
            slots.push(Slot::Features);
            domain.push(
                "features",
                Dist::Choice {
                    options: self.features.len(),
                },
                None,
            );
        }
        if self.durations.len() > 1 {
            slots.push(Slot::Duration);
            domain.push(
                "duration",
                Dist::Choice {
                    options: self.durations.len(),
                },
                None,
            );
        }
        for (k, kind) in self.kinds.iter().enumerate() {
            for (p, (name, value)) in kind.params.iter().enumerate() {
                if let ParamValue::Searched { dist, .. } = value {
                    let condition = kind_dim.map(|dimension| Condition {
                        dimension,
                        option: k,
                    });
                    slots.push(Slot::Param { kind: k, param: p });
                    domain.push(format!("{}.{name}", kind.family.name()), *dist, condition);
                }
            }
        }
        (domain, slots)
    }

    /// The configuration a point stands for.
    pub fn decode(&self, point: &Point) -> TrialConfig {
        let (_, slots) = self.compiled();
        let index = |slot: Slot| -> usize {
            slots
                .iter()
                .position(|s| *s == slot)
                .and_then(|d| point.get(d).copied().flatten())
                .map_or(0, |v| v as usize)
        };
        let k = index(Slot::Kind).min(self.kinds.len() - 1);
        let (features_name, features) =
            self.features[index(Slot::Features).min(self.features.len() - 1)].clone();
        let (min, max) = self.durations[index(Slot::Duration).min(self.durations.len() - 1)];
        let kind = &self.kinds[k];
        let mut values: Vec<(&'static str, Option<f64>)> = Vec::new();
        for (p, (name, value)) in kind.params.iter().enumerate() {
            let v = match value {
                ParamValue::Fixed(v) => *v,
                ParamValue::Searched { dist, options } => slots
                    .iter()
                    .position(|s| *s == Slot::Param { kind: k, param: p })
                    .and_then(|d| point.get(d).copied().flatten())
                    .map(|raw| match dist {
                        Dist::Choice { .. } => options[(raw as usize).min(options.len() - 1)],
                        _ => raw,
                    }),
            };
            values.push((name, v));
        }
        let model = build_model(kind.family, &values);
        let mut params = vec![
            ("model".to_string(), kind.family.name().to_string()),
            ("features".to_string(), features_name.clone()),
            ("min_duration".to_string(), min.to_string()),
            ("max_duration".to_string(), max.to_string()),
        ];
        for (name, value) in &values {
            if let Some(v) = value {
                params.push((name.to_string(), format_value(kind.family, name, *v)));
            }
        }
        TrialConfig {
            model,
            features,
            features_name,
            prepare: PrepareSpec {
                min_duration_min: min,
                max_duration_min: max,
                min_distance_exclusive: None,
            },
            params,
        }
    }
}
