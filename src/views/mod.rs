//! Components. One component family per file; they render engine values and stores and
//! hold no logic beyond presentation. Shared pieces (charts, form fields, number formats,
//! training results and progress) are components or formatting helpers, never rules.

pub mod bench_view;
pub mod chart;
pub mod compare_view;
pub mod data_panel;
pub mod dataset_view;
pub mod evaluate_view;
pub mod experiment_picker;
pub mod feedback;
pub mod file_picker;
pub mod form;
pub mod format;
pub mod notebook;
pub mod registry_details;
pub mod registry_panel;
pub mod run_editor;
pub mod runs_table;
pub mod server_runs;
pub mod store_status;
pub mod sync_panel;
pub mod train_progress;
pub mod train_result;
pub mod trip_preview;
pub mod url_loader;
pub mod workspace;
