//! From trip columns to model inputs: target, filters, one-hot vocabularies.

mod encode;
mod prepare;
mod spec;

pub use encode::{category_key, Design, Encoder, Vocabulary, UNSEEN};
pub use prepare::{prepare_rows, PreparedRows};
pub use spec::{Categorical, FeatureSpec, PrepareSpec};

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum FeatureError {
    #[error("{0}")]
    Spec(String),
    #[error(
        "{file}: no trip is left after the filters; widen the duration range or check the file"
    )]
    NoRows { file: String },
}
