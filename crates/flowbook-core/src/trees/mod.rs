//! Gradient-boosted trees for trip duration, with XGBoost's squared-error objective, its
//! parameters and its `hist` method's splits, on the same encoded rows as the linear models.
//!
//! Written here rather than taken from a crate: the Rust boosting crates (forust-ml,
//! perpetual, gbdt) bin a dense matrix, which for PU_DO's 13,221 one-hot columns is
//! 73,908 × 13,222 × 2 bytes ≈ 1.95 GB before the first histogram; growing on category
//! sums instead costs the same per row as one numerical column.
//!
//! `params` (checked settings) → `boost` (the rounds) → `grow` (one tree) from `histogram`
//! (gradient sums per category and bin, siblings by subtraction) over `bins` (numerical cut
//! points) → `ensemble` (trees and prediction) → `model` (the model file,
//! importance).

mod bins;
mod boost;
mod ensemble;
mod grow;
mod histogram;
mod model;
mod params;

pub use bins::ColumnCuts;
pub use boost::{
    boost, boost_binned, working_set_bytes, Boosted, Round, MEMORY_LIMIT_BYTES, NODE_BYTES,
};
pub use ensemble::{Test, Tree, TreeEnsemble};
pub use grow::{leaf_weight, BinnedRows, Grower};
pub use model::{FeatureImportance, TreeModel, TREE_MODEL_FORMAT_VERSION};
pub use params::{TreeParams, MAX_BIN, MAX_DEPTH, MAX_ROUNDS};

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum TreeError {
    /// A setting out of its range; `field` is XGBoost's parameter name.
    #[error("{message}")]
    Parameter {
        field: &'static str,
        message: String,
    },
    #[error("this training would need about {estimate_mb} MB of memory, more than the {limit_mb} MB Flowbook allows one training; {advice}")]
    TooLarge {
        estimate_mb: u64,
        limit_mb: u64,
        advice: String,
    },
    #[error("no training rows")]
    NoRows,
    #[error("the training was stopped before it finished")]
    Stopped,
}
