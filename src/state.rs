//! The app's state: the files opened in this session and where each one stands.

use flowbook_core::data::{FileSummary, TripPreview};
use leptos::prelude::*;

/// Where a dataset came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSource {
    /// Shipped with the app under `/data/`.
    BundledSample,
    /// Chosen by the user from their disk.
    LocalFile,
    /// Downloaded from an address the user typed.
    Url,
}

impl DataSource {
    /// How the source reads on screen.
    pub fn label(self) -> &'static str {
        match self {
            DataSource::BundledSample => "Bundled sample",
            DataSource::LocalFile => "Local file",
            DataSource::Url => "Downloaded",
        }
    }
}

/// Where loading a file stands.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadState {
    Loading,
    Loaded(FileSummary),
    /// A message the user can act on.
    Failed(String),
}

impl From<Result<FileSummary, String>> for LoadState {
    fn from(result: Result<FileSummary, String>) -> Self {
        match result {
            Ok(summary) => LoadState::Loaded(summary),
            Err(message) => LoadState::Failed(message),
        }
    }
}

/// One file opened in this session.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Unique within the session, in opening order.
    pub id: usize,
    pub file_name: String,
    pub source: DataSource,
    pub state: RwSignal<LoadState>,
    /// The decoded trips' preview, once the file is known to be a trip file; the error
    /// says why not (e.g. a parquet file without trip columns).
    pub preview: RwSignal<Option<Result<TripPreview, String>>>,
}

/// Where to report a file's outcome: its summary, then its trip preview.
#[derive(Debug, Clone, Copy)]
pub struct DatasetHandle {
    pub state: RwSignal<LoadState>,
    pub preview: RwSignal<Option<Result<TripPreview, String>>>,
}

/// The list of opened files, in opening order. Earlier files stay when new ones are opened.
#[derive(Debug, Clone, Copy)]
pub struct Datasets {
    list: RwSignal<Vec<Dataset>>,
}

impl Default for Datasets {
    fn default() -> Self {
        Self::new()
    }
}

impl Datasets {
    pub fn new() -> Self {
        Self {
            list: RwSignal::new(Vec::new()),
        }
    }

    /// Adds a file in the `Loading` state and returns the handle to report its outcome to.
    pub fn open(&self, file_name: String, source: DataSource) -> DatasetHandle {
        let state = RwSignal::new(LoadState::Loading);
        let preview = RwSignal::new(None);
        self.list.update(|list| {
            let id = list.len();
            list.push(Dataset {
                id,
                file_name,
                source,
                state,
                preview,
            });
        });
        DatasetHandle { state, preview }
    }

    /// The opened files (tracked).
    pub fn get(&self) -> Vec<Dataset> {
        self.list.get()
    }
}
