//! Flowbook's browser app: a thin Leptos shell over `flowbook-core`.
//!
//! Layers (each only looks down): `app` (the page) → `ui` (components that render engine
//! values) → `state` (the files opened in this session) and `load` (bytes from the network or
//! a local file) → `flowbook_core`. No numerics live here: every computation is a call into
//! the engine. `panic` makes sure a bug shows a message instead of a dead page.

pub mod app;
pub mod chart_artifacts;
pub mod load;
pub mod local_settings;
pub mod mlflow_client;
pub mod mlflow_settings;
pub mod notebook_ui;
pub mod panic;
pub mod persist;
pub mod registry;
pub mod run_edits;
pub mod runs;
pub mod searching;
pub mod state;
pub mod train_worker;
pub mod training;
pub mod ui;
