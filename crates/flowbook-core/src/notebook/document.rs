//! The notebook document: a title and ordered cells, and the edits the notebook offers on
//! them. Every edit names its cell by id, so a stale click in the page cannot hit the
//! wrong cell after others have moved.

use serde_json::{Map, Value};
use thiserror::Error;

use super::cells::CellKind;

/// The `"format"` field every notebook file carries.
pub const FORMAT_NAME: &str = "flowbook-notebook";
/// The format's major version. Additions that older readers can skip (new fields, new
/// cell kinds) keep it; a change that older readers would misread raises it.
pub const FORMAT_VERSION: u64 = 1;

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Stable and unique within the notebook: `cell-<n>`.
    pub id: String,
    pub collapsed: bool,
    pub kind: CellKind,
    /// Fields a newer Flowbook wrote that this one does not know, kept for saving back.
    pub unknown_fields: Map<String, Value>,
}

impl Cell {
    pub fn new(id: &str, kind: CellKind) -> Cell {
        Cell {
            id: id.to_string(),
            collapsed: false,
            kind,
            unknown_fields: Map::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notebook {
    pub format: String,
    pub format_version: u64,
    pub title: String,
    /// Number for the next new cell's id. Counting up (rather than reusing the smallest
    /// free number) keeps an id from ever naming two different cells in one session.
    pub next_cell_number: u64,
    pub cells: Vec<Cell>,
    /// Top-level fields a newer Flowbook wrote, kept for saving back.
    pub unknown_fields: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NotebookError {
    #[error("there is no cell with id {0:?} in this notebook")]
    UnknownCell(String),
    #[error("position {index} is outside the notebook, which has {len} cells")]
    BadIndex { index: usize, len: usize },
    #[error("cell {id:?} is a {found} cell; it cannot take {given} settings")]
    KindMismatch {
        id: String,
        found: String,
        given: String,
    },
}

impl Notebook {
    pub fn new(title: &str) -> Notebook {
        Notebook {
            format: FORMAT_NAME.to_string(),
            format_version: FORMAT_VERSION,
            title: title.to_string(),
            next_cell_number: 1,
            cells: Vec::new(),
            unknown_fields: Map::new(),
        }
    }

    pub fn index_of(&self, id: &str) -> Result<usize, NotebookError> {
        self.cells
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| NotebookError::UnknownCell(id.to_string()))
    }

    pub fn cell(&self, id: &str) -> Result<&Cell, NotebookError> {
        Ok(&self.cells[self.index_of(id)?])
    }

    /// A fresh id from the counter, skipping any id a loaded file already uses.
    pub fn next_id(&mut self) -> String {
        loop {
            let id = format!("cell-{}", self.next_cell_number);
            // A file may hold any counter; wrapping cannot panic and the loop skips used ids.
            self.next_cell_number = self.next_cell_number.wrapping_add(1);
            if !self.cells.iter().any(|c| c.id == id) {
                return id;
            }
        }
    }

    /// Inserts a new cell at `index` (0 = top, `len` = bottom) and returns its id.
    pub fn add(&mut self, index: usize, kind: CellKind) -> Result<String, NotebookError> {
        if index > self.cells.len() {
            return Err(self.bad_index(index));
        }
        let id = self.next_id();
        self.cells.insert(index, Cell::new(&id, kind));
        Ok(id)
    }

    /// Appends a new cell and returns its id.
    pub fn push(&mut self, kind: CellKind) -> String {
        let id = self.next_id();
        self.cells.push(Cell::new(&id, kind));
        id
    }

    pub fn remove(&mut self, id: &str) -> Result<Cell, NotebookError> {
        let index = self.index_of(id)?;
        Ok(self.cells.remove(index))
    }

    /// Moves a cell so that it ends at `index`; returns where it was.
    pub fn move_to(&mut self, id: &str, index: usize) -> Result<usize, NotebookError> {
        let from = self.index_of(id)?;
        if index >= self.cells.len() {
            return Err(self.bad_index(index));
        }
        let cell = self.cells.remove(from);
        self.cells.insert(index, cell);
        Ok(from)
    }

    /// Moves a cell one place up; the top cell stays. Returns its new position.
    pub fn move_up(&mut self, id: &str) -> Result<usize, NotebookError> {
        let from = self.index_of(id)?;
        let to = from.saturating_sub(1);
        self.cells.swap(from, to);
        Ok(to)
    }

    /// Moves a cell one place down; the bottom cell stays. Returns its new position.
    pub fn move_down(&mut self, id: &str) -> Result<usize, NotebookError> {
        let from = self.index_of(id)?;
        let to = (from + 1).min(self.cells.len() - 1);
        self.cells.swap(from, to);
        Ok(to)
    }

    /// Copies a cell (settings, collapsed state) right below it and returns the copy's id.
    pub fn duplicate(&mut self, id: &str) -> Result<String, NotebookError> {
        let index = self.index_of(id)?;
        let mut copy = self.cells[index].clone();
        copy.id = self.next_id();
        let new_id = copy.id.clone();
        self.cells.insert(index + 1, copy);
        Ok(new_id)
    }

    pub fn set_collapsed(&mut self, id: &str, collapsed: bool) -> Result<(), NotebookError> {
        let index = self.index_of(id)?;
        self.cells[index].collapsed = collapsed;
        Ok(())
    }

    /// Replaces a cell's settings. The kind stays: a Train cell takes Train settings.
    pub fn edit(&mut self, id: &str, settings: CellKind) -> Result<(), NotebookError> {
        let index = self.index_of(id)?;
        let cell = &mut self.cells[index];
        if cell.kind.name() != settings.name() {
            return Err(NotebookError::KindMismatch {
                id: id.to_string(),
                found: cell.kind.label(),
                given: settings.label(),
            });
        }
        cell.kind = settings;
        Ok(())
    }

    fn bad_index(&self, index: usize) -> NotebookError {
        NotebookError::BadIndex {
            index,
            len: self.cells.len(),
        }
    }
}
