//! The notebook document: ordered cells, their settings, the dataflow between them, and the versioned file format.
//!
//! - [`document`]: the notebook and its edits (add, remove, move, duplicate, collapse).
//! - [`cells`]: each cell kind's settings and their conversions to the engine's types.
//! - [`dataflow`]: which cell reads which, and which results are stale.
//! - [`file`]: saving and opening notebook files, with messages that say where a file is wrong.
//! - [`markdown`]: Markdown cells rendered to sanitized HTML.
//! - [`default_notebook`]: the first-visit walk-through.

pub mod cells;
pub mod dataflow;
pub mod default_notebook;
pub mod document;
mod fields;
pub mod file;
pub mod markdown;
mod read_cell;

pub use cells::{
    CellKind, Chart, CompareSettings, DataSettings, DatasetRef, EvaluateSettings, MonitorSettings,
    PredictSettings, PrepareSettings, SearchCellSettings, TrainSettings, COURSE_SEARCH_SPACE,
    DEFAULT_MONITOR_MONTH, LINEAR_SEARCH_SPACE, QUICK_TREES_SEARCH_SPACE, TREES_MODEL,
};
pub use dataflow::{CellState, Dataflow, DataflowError};
pub use default_notebook::default_notebook;
pub use document::{Cell, Notebook, NotebookError, FORMAT_NAME, FORMAT_VERSION};
pub use file::{open, open_bytes, save, OpenError, Opened};
pub use markdown::{render_markdown, render_markdown_with, RemoteImages, RenderedMarkdown};

#[cfg(test)]
mod tests {
    mod dataflow;
    mod document;
}
