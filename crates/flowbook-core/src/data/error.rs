use thiserror::Error;

/// Why a file could not be loaded. Every variant names the file, and the message says
/// what to do about it: these strings are shown to the user as they are.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum DataError {
    #[error("{file}: the file is empty (0 bytes). Choose the file again or download it anew.")]
    Empty { file: String },
    #[error("{file}: this is not a parquet file ({detail}). Use a .parquet file from the TLC trip record page, or a CSV file with a header.")]
    NotParquet { file: String, detail: String },
    #[error("{file}: the parquet file is damaged or truncated ({detail}). Download it again.")]
    Corrupt { file: String, detail: String },
    #[error("{file}: missing column {column}. Flowbook needs the trip columns {needed}; this file has: {found}.")]
    MissingColumn {
        file: String,
        column: String,
        needed: String,
        found: String,
    },
    #[error("{file}: column {column} has type {found}, expected {expected}.")]
    WrongType {
        file: String,
        column: String,
        found: String,
        expected: String,
    },
    #[error("{file}: {detail}")]
    Invalid { file: String, detail: String },
}
