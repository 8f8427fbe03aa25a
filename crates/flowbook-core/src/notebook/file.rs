//! The notebook file: pretty JSON with a format name and a major version.
//!
//! Compatibility: `format_version` is a major version. A reader refuses a newer major
//! version with a clear message. Within a major version a newer Flowbook may add fields
//! and cell kinds; this reader keeps both as they are (unknown fields are saved back,
//! unknown cells are shown but never run) and lists each in [`Opened::warnings`], so that
//! opening and saving a newer notebook here loses nothing. Missing settings take the
//! kind's defaults, so older files open too. A value of the wrong type is an error naming
//! its place, e.g. `cells[3].alpha: expected a number, found the text "abc"`.

use serde::Serialize;
use serde_json::{Map, Value};
use thiserror::Error;

use super::cells::CellKind;
use super::document::{Cell, Notebook, FORMAT_NAME, FORMAT_VERSION};
use super::fields::{as_text, describe, Fields};
use super::read_cell::read_cell;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OpenError {
    #[error("the file is empty; a Flowbook notebook is a JSON file")]
    Empty,
    #[error("the file is not text (it is not UTF-8); a Flowbook notebook is a JSON file")]
    NotText,
    #[error("this looks like a web page, not a notebook file; check that the address points at the notebook's .json file itself")]
    WebPage,
    #[error("the file ends early (line {line}, column {column}); it was probably cut off while saving or downloading")]
    Truncated { line: usize, column: usize },
    #[error("the file is not valid JSON: {detail} (line {line}, column {column})")]
    NotJson {
        detail: String,
        line: usize,
        column: usize,
    },
    #[error("this JSON file is not a Flowbook notebook: {0}")]
    NotANotebook(String),
    #[error("this notebook was written by a newer Flowbook (format version {0}); this one reads up to {FORMAT_VERSION}")]
    NewerVersion(u64),
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// An opened notebook, and what this Flowbook kept without understanding it.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub notebook: Notebook,
    pub warnings: Vec<String>,
}

#[derive(Serialize)]
struct SavedNotebook<'a> {
    format: &'a str,
    format_version: u64,
    title: &'a str,
    next_cell_number: u64,
    cells: Vec<SavedCell<'a>>,
    #[serde(flatten)]
    unknown_fields: &'a Map<String, Value>,
}

#[derive(Serialize)]
struct SavedCell<'a> {
    id: &'a str,
    collapsed: bool,
    #[serde(flatten)]
    settings: SavedSettings<'a>,
    #[serde(flatten)]
    unknown_fields: &'a Map<String, Value>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum SavedSettings<'a> {
    Known(&'a CellKind),
    Unknown {
        kind: &'a str,
        #[serde(flatten)]
        fields: &'a Map<String, Value>,
    },
}

/// The notebook as pretty JSON.
pub fn save(notebook: &Notebook) -> String {
    let cells = notebook
        .cells
        .iter()
        .map(|cell| SavedCell {
            id: &cell.id,
            collapsed: cell.collapsed,
            settings: match &cell.kind {
                CellKind::Unknown { kind, fields } => SavedSettings::Unknown { kind, fields },
                known => SavedSettings::Known(known),
            },
            unknown_fields: &cell.unknown_fields,
        })
        .collect();
    let saved = SavedNotebook {
        format: FORMAT_NAME,
        format_version: FORMAT_VERSION,
        title: &notebook.title,
        next_cell_number: notebook.next_cell_number,
        cells,
        unknown_fields: &notebook.unknown_fields,
    };
    // Only maps with text keys and plain values: serializing cannot fail.
    serde_json::to_string_pretty(&saved).unwrap_or_default()
}

/// Opens a notebook from a file's or a download's bytes.
pub fn open_bytes(bytes: &[u8]) -> Result<Opened, OpenError> {
    let text = std::str::from_utf8(bytes).map_err(|_| OpenError::NotText)?;
    open(text)
}

pub fn open(text: &str) -> Result<Opened, OpenError> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(OpenError::Empty);
    }
    if text.starts_with('<') {
        return Err(OpenError::WebPage);
    }
    let root: Value = serde_json::from_str(text).map_err(json_error)?;
    let Value::Object(_) = root else {
        return Err(OpenError::NotANotebook(format!(
            "expected an object {{…}} at the top, found {}",
            describe(&root)
        )));
    };
    let mut top = Fields::new(String::new(), &root)?;
    check_format(&mut top)?;
    let mut warnings = Vec::new();
    let title = top.text_or("title", "Untitled notebook")?;
    let next_cell_number = top
        .optional("next_cell_number", "a whole number", Value::as_u64)?
        .unwrap_or(1);
    let cell_values = top.required("cells", "a list [...]", Value::as_array)?;
    let mut cells: Vec<Cell> = Vec::with_capacity(cell_values.len());
    // Each id's first index: one lookup per cell, not a scan (files can hold thousands).
    let mut first_index = std::collections::HashMap::with_capacity(cell_values.len());
    for (index, value) in cell_values.iter().enumerate() {
        let cell = read_cell(index, value, &mut warnings)?;
        if let Some(&first) = first_index.get(&cell.id) {
            return Err(OpenError::Invalid {
                path: format!("cells[{index}].id"),
                message: format!(
                    "{:?} is also the id of cells[{first}]; each cell needs its own id",
                    cell.id
                ),
            });
        }
        first_index.insert(cell.id.clone(), index);
        cells.push(cell);
    }
    let unknown_fields = top.unknown(&mut warnings);
    Ok(Opened {
        notebook: Notebook {
            format: FORMAT_NAME.to_string(),
            format_version: FORMAT_VERSION,
            title,
            next_cell_number,
            cells,
            unknown_fields,
        },
        warnings,
    })
}

fn check_format(top: &mut Fields) -> Result<(), OpenError> {
    match top.optional("format", "text", as_text)? {
        Some(name) if name == FORMAT_NAME => {}
        Some(name) => {
            return Err(OpenError::NotANotebook(format!(
                "its format is {name:?}, not {FORMAT_NAME:?}"
            )))
        }
        None => {
            return Err(OpenError::NotANotebook(format!(
                "it has no \"format\": \"{FORMAT_NAME}\" field"
            )))
        }
    }
    let version = top.required("format_version", "a whole number from 1", |v| {
        v.as_u64().filter(|&n| n >= 1)
    })?;
    if version > FORMAT_VERSION {
        return Err(OpenError::NewerVersion(version));
    }
    Ok(())
}

fn json_error(error: serde_json::Error) -> OpenError {
    let (line, column) = (error.line(), error.column());
    if error.is_eof() {
        return OpenError::Truncated { line, column };
    }
    let full = error.to_string();
    let location = format!(" at line {line} column {column}");
    let detail = full.strip_suffix(&location).unwrap_or(&full).to_string();
    OpenError::NotJson {
        detail,
        line,
        column,
    }
}
