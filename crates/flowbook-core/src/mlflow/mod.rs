//! Sync with an MLflow tracking server over its REST API, behind a small HTTP trait.
//!
//! [`MlflowSync`] is generic over an [`HttpClient`]: the browser plugs in fetch, the
//! `flowbook` command a native client. Every step of a push is safe to repeat (the run is
//! found again by its client id tag, the model version by a version tag), so a push that
//! failed midway is resumed by pushing the same run again. Many runs go out with
//! [`MlflowSync::push_runs`] (one client-id lookup for all); the team's runs come back,
//! read-only, with [`MlflowSync::list_experiments`] and [`MlflowSync::search_server_runs`].

mod api;
mod artifacts;
mod batch;
mod error;
mod http;
mod logged_model;
mod pull;
mod push;
mod push_many;
mod push_registry;
mod registry;
mod retry;
mod server;

pub use api::MlflowSync;
pub use batch::{
    plan_batches, LogBatch, MAX_ITEMS_PER_BATCH, MAX_METRICS_PER_BATCH, MAX_PARAMS_PER_BATCH,
    MAX_TAGS_PER_BATCH,
};
pub use error::{parse_error_body, MlflowErrorBody, SyncError};
pub use http::{
    Auth, HttpClient, HttpMethod, HttpRequest, HttpResponse, ServerConfig, TransportError,
    MAX_ANSWER_BYTES,
};
pub use logged_model::{client_model_id, ModelRecord, CLIENT_MODEL_ID_TAG};
pub use pull::{
    server_experiments_from_json, server_run_from_json, server_runs_from_json, ServerExperiment,
    ServerRun, ORIGIN_TAG, SERVER_ORIGIN,
};
pub use push::{PushedRun, USER_TAG};
pub use push_registry::{client_version_id, PushedVersion, RegistryPush};
pub use registry::{RegisteredVersion, CLIENT_VERSION_ID_TAG};
pub use retry::{resume_wait_ms, PageGuard, LONGEST_WAIT_MS, MAX_PAGES, MAX_RESUMES};
pub use server::ServerInfo;
