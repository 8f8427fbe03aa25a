//! The boosting parameters, with XGBoost's names, meanings and defaults, and the checks
//! that turn an out-of-range value into a message naming the field and its range.

use serde::{Deserialize, Serialize};

use super::TreeError;

/// XGBoost's tree-booster parameters (squared-error objective, `tree_method="hist"`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TreeParams {
    /// Boosting rounds (trees), `num_boost_round` of `xgb.train`.
    pub num_boost_round: u32,
    /// Shrinkage of each tree's leaf values (`eta`).
    pub learning_rate: f64,
    /// Deepest level a tree may reach; the root is depth 0.
    pub max_depth: u32,
    /// Smallest hessian sum (here: row count) a child may have.
    pub min_child_weight: f64,
    /// L2 penalty on leaf values.
    pub reg_lambda: f64,
    /// L1 penalty on leaf values.
    pub reg_alpha: f64,
    /// Smallest loss reduction a split must bring (`min_split_loss`).
    pub gamma: f64,
    /// Share of training rows each tree sees, drawn anew per tree.
    pub subsample: f64,
    /// Share of columns each tree may split on, drawn anew per tree.
    pub colsample_bytree: f64,
    /// Most histogram bins per numerical column.
    pub max_bin: u32,
    /// Stop when the validation RMSE has not improved for this many rounds; the model
    /// keeps the best round's trees.
    pub early_stopping_rounds: Option<u32>,
    /// Seed of the row and column sampling.
    pub seed: u64,
}

impl Default for TreeParams {
    fn default() -> Self {
        TreeParams {
            num_boost_round: 10,
            learning_rate: 0.3,
            max_depth: 6,
            min_child_weight: 1.0,
            reg_lambda: 1.0,
            reg_alpha: 0.0,
            gamma: 0.0,
            subsample: 1.0,
            colsample_bytree: 1.0,
            max_bin: 256,
            early_stopping_rounds: None,
            seed: 0,
        }
    }
}

/// Upper bounds that keep one training within what a browser tab can hold.
pub const MAX_ROUNDS: u32 = 100_000;
/// Deep enough for the course's search space (max_depth up to 100); the memory guard,
/// not the depth, bounds a tree's size.
pub const MAX_DEPTH: u32 = 1000;
pub const MAX_BIN: u32 = 65_535;

impl TreeParams {
    /// Settings for the default notebook: a few seconds in a browser on a month of green
    /// taxi trips, and most of the course model's gain over the linear models (deep trees
    /// with a high learning rate, fewer rounds).
    pub fn workshop() -> TreeParams {
        TreeParams {
            num_boost_round: 50,
            learning_rate: 0.3,
            max_depth: 20,
            // Every trip weighs 1, so any value in (1, 2] means "at least two trips per
            // leaf", as the course's 1.0606 does.
            min_child_weight: 1.06,
            early_stopping_rounds: Some(10),
            seed: 42,
            ..TreeParams::default()
        }
    }

    /// The course's tuned XGBoost settings (1,000 rounds, early stopping after 50).
    pub fn course() -> TreeParams {
        TreeParams {
            num_boost_round: 1000,
            learning_rate: 0.09585355369315604,
            max_depth: 30,
            min_child_weight: 1.060597050922164,
            reg_lambda: 0.011658731377413597,
            reg_alpha: 0.018060244040060163,
            gamma: 0.0,
            subsample: 1.0,
            colsample_bytree: 1.0,
            max_bin: 256,
            early_stopping_rounds: Some(50),
            seed: 42,
        }
    }

    /// Every field within its range, or the first one that is not.
    pub fn validate(&self) -> Result<(), TreeError> {
        let bad = |field: &'static str, range: &str, value: String| {
            Err(TreeError::Parameter {
                field,
                message: format!("{field} must be {range}; got {value}"),
            })
        };
        if !(1..=MAX_ROUNDS).contains(&self.num_boost_round) {
            return bad(
                "num_boost_round",
                &format!("a whole number from 1 to {MAX_ROUNDS}"),
                self.num_boost_round.to_string(),
            );
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return bad(
                "learning_rate",
                "above 0 and at most 1",
                self.learning_rate.to_string(),
            );
        }
        if !(1..=MAX_DEPTH).contains(&self.max_depth) {
            return bad(
                "max_depth",
                &format!("a whole number from 1 to {MAX_DEPTH}"),
                self.max_depth.to_string(),
            );
        }
        for (field, value) in [
            ("min_child_weight", self.min_child_weight),
            ("reg_lambda", self.reg_lambda),
            ("reg_alpha", self.reg_alpha),
            ("gamma", self.gamma),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return bad(field, "a finite number of at least 0", value.to_string());
            }
        }
        for (field, value) in [
            ("subsample", self.subsample),
            ("colsample_bytree", self.colsample_bytree),
        ] {
            if !(value > 0.0 && value <= 1.0) {
                return bad(field, "above 0 and at most 1", value.to_string());
            }
        }
        if !(2..=MAX_BIN).contains(&self.max_bin) {
            return bad(
                "max_bin",
                &format!("a whole number from 2 to {MAX_BIN}"),
                self.max_bin.to_string(),
            );
        }
        if self.early_stopping_rounds == Some(0) {
            return bad(
                "early_stopping_rounds",
                "at least 1 (or left out)",
                "0".to_string(),
            );
        }
        Ok(())
    }
}
