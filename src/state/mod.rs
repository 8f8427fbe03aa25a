//! The page's stores and the actions that change them. A store is a `Copy` handle of
//! signals, provided once by `app` as context; an action is a function over stores and
//! `services`. Nothing here imports `views`.

pub mod datasets;
pub mod mlflow_settings;
pub mod monitoring;
pub mod notebook;
pub mod notebook_runner;
pub mod open_file;
pub mod other_tabs;
pub mod registry;
pub mod run_edits;
pub mod runs;
pub mod searching;
pub mod server_comparison;
pub mod sync;
pub mod training;
pub mod workspace;
pub mod zones;
