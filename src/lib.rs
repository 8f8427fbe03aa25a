//! Flowbook's browser app: a thin Leptos shell over `flowbook-core`.
//!
//! Layers, each importing only the ones below it:
//!
//! - [`app`]: the root component; provides the stores as context and mounts the views.
//! - [`views`]: components. They render engine values and stores, and call stores'
//!   actions; no view exports logic to another view.
//! - [`state`]: the stores (signals and their rules) and the actions that change them:
//!   datasets, runs, the registry, the notebook and its runner, training, search, sync.
//! - [`services`]: the browser's facilities, free of Leptos state: fetch and file reads,
//!   downloads, IndexedDB, localStorage, the MLflow HTTP client, the training worker,
//!   charts drawn to PNG.
//! - `flowbook_core` (and `flowbook_charts`): every computation.
//!
//! [`panic`] makes sure a bug shows a message instead of a dead page.

// The app runs only in a browser, so its unit tests do too (scripts/test.sh, wasm32 step).
#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

pub mod app;
pub mod panic;
pub mod services;
pub mod state;
pub mod views;
