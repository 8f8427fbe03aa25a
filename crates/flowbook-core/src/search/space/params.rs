//! A trial's parameter values: checked against each model kind's ranges, and turned
//! into the model a trial trains.

use super::{Family, TrialModel};
use crate::solve::ModelKind;
use crate::trees::TreeParams;

pub(super) fn is_whole(family: Family, name: &str) -> bool {
    family
        .parameters()
        .iter()
        .any(|(n, whole)| *n == name && *whole)
}

pub(super) fn format_value(family: Family, name: &str, v: f64) -> String {
    if is_whole(family, name) {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

pub(super) fn build_model(family: Family, values: &[(&'static str, Option<f64>)]) -> TrialModel {
    let get = |name: &str| {
        values
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| *v)
    };
    let alpha = get("alpha").unwrap_or(0.0);
    match family {
        Family::Ols => TrialModel::Linear(ModelKind::Ols),
        Family::Ridge => TrialModel::Linear(ModelKind::Ridge { alpha }),
        Family::Lasso => TrialModel::Linear(ModelKind::Lasso { alpha }),
        Family::ElasticNet => TrialModel::Linear(ModelKind::ElasticNet {
            alpha,
            l1_ratio: get("l1_ratio").unwrap_or(crate::solve::DEFAULT_L1_RATIO),
        }),
        Family::Gbdt => {
            let mut p = TreeParams::default();
            for (name, value) in values {
                set_tree_param(&mut p, name, *value);
            }
            TrialModel::Trees(p)
        }
    }
}

fn set_tree_param(p: &mut TreeParams, name: &str, value: Option<f64>) {
    let whole = |v: Option<f64>| v.map_or(0, |v| v.round().max(0.0) as u64);
    match name {
        "num_boost_round" => p.num_boost_round = whole(value).min(u64::from(u32::MAX)) as u32,
        "learning_rate" => p.learning_rate = value.unwrap_or(f64::NAN),
        "max_depth" => p.max_depth = whole(value).min(u64::from(u32::MAX)) as u32,
        "min_child_weight" => p.min_child_weight = value.unwrap_or(f64::NAN),
        "reg_lambda" => p.reg_lambda = value.unwrap_or(f64::NAN),
        "reg_alpha" => p.reg_alpha = value.unwrap_or(f64::NAN),
        "gamma" => p.gamma = value.unwrap_or(f64::NAN),
        "subsample" => p.subsample = value.unwrap_or(f64::NAN),
        "colsample_bytree" => p.colsample_bytree = value.unwrap_or(f64::NAN),
        "max_bin" => p.max_bin = whole(value).min(u64::from(u32::MAX)) as u32,
        "early_stopping_rounds" => {
            p.early_stopping_rounds = value.map(|_| whole(value).min(u64::from(u32::MAX)) as u32)
        }
        "seed" => p.seed = whole(value),
        _ => {}
    }
}

/// Whether `value` is a valid setting of `name` for `family`, or why not.
pub(super) fn check_value(family: Family, name: &str, value: f64) -> Result<(), String> {
    if is_whole(family, name) && (value.fract() != 0.0 || value < 0.0) {
        return Err(format!(
            "{name} takes whole numbers of at least 0; got {value}"
        ));
    }
    match family {
        Family::Gbdt => {
            let mut p = TreeParams::default();
            set_tree_param(&mut p, name, Some(value));
            p.validate().map_err(|e| e.to_string())
        }
        _ => match name {
            "alpha" if !(value.is_finite() && value > 0.0) => Err(format!(
                "{} needs alpha above 0; got {value}",
                family.name()
            )),
            "l1_ratio" if !(0.0..=1.0).contains(&value) => {
                Err(format!("l1_ratio must lie in [0, 1]; got {value}"))
            }
            _ => Ok(()),
        },
    }
}
