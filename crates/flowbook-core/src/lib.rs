//! Flowbook's engine. Everything the notebook computes lives here, free of any web
//! dependency, so that it is tested natively and runs unchanged in the browser.
//!
//! Layers (each only looks down): `data` (bytes in, trip columns out) → `features`
//! (target, filters, one-hot vocabulary) → `solve` (exact linear models) → `metrics`
//! and `model` → `pipeline` (the notebook's train/evaluate step as one call) → `search`
//! (hyperparameter searches whose trials are pipeline trainings).

pub mod bench;
pub mod data;
pub mod evaluate;
pub mod export;
pub mod features;
pub mod metrics;
pub mod mlflow;
pub mod model;
pub mod monitor;
pub mod notebook;
pub mod pipeline;
pub mod predict;
pub mod saved_model;
pub mod search;
pub mod solve;
pub mod store;
pub mod tracking;
pub mod train_protocol;
pub mod trees;
