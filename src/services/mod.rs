//! The browser's facilities, one kind per module. Nothing here holds Leptos state or
//! imports `state` or `views`.

pub mod chart_artifacts;
pub mod load;
pub mod local_settings;
pub mod mlflow_client;
pub mod paint;
pub mod persist;
pub mod tabs;
pub mod train_worker;
