//! The dataflow between cells: which cell reads which, and which results are out of date.
//!
//! Each cell reads the nearest cell above it of each kind it needs (Prepare ← Data;
//! Train ← Prepare and Data; Evaluate and Predict ← Train; Monitor ← Data and Train
//! unless it names a registered model or a run;
//! Compare ← every Train above),
//! as in a notebook read top to bottom. Editing a cell makes it and everything that reads
//! it, directly or not, stale; running brings stale cells back in document order.

use thiserror::Error;

use super::cells::{kind_label, CellKind};
use super::document::{Cell, Notebook};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellState {
    Fresh,
    Stale,
    Running,
    Error(String),
    /// Stale, and unable to run until something above it is fixed; the text says what.
    Blocked(String),
}

impl CellState {
    /// Whether the cell's shown result is out of date.
    pub fn is_stale(&self) -> bool {
        matches!(self, CellState::Stale | CellState::Blocked(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DataflowError {
    #[error("there is no cell with id {0:?} in this notebook")]
    UnknownCell(String),
    #[error("cell {id:?} cannot run: {reason}")]
    CannotRun { id: String, reason: String },
}

#[derive(Debug, Clone, PartialEq)]
struct Node {
    id: String,
    label: String,
    /// Ids of the cells this one reads, above it.
    reads: Vec<String>,
    /// Why the cell cannot run whatever happens above (a cell kind it needs is missing).
    missing: Option<String>,
    state: CellState,
    /// The cell was edited, or an input of it changed, while it ran (in the training
    /// worker, say): what it is computing is out of date, so it ends stale, not fresh.
    changed_while_running: bool,
}

impl Node {
    fn make_stale(&mut self) {
        if self.state == CellState::Running {
            self.changed_while_running = true;
        } else {
            self.state = CellState::Stale;
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dataflow {
    nodes: Vec<Node>,
}

/// What the cell at `index` reads, or why it cannot.
fn inputs(cells: &[Cell], index: usize) -> (Vec<String>, Option<String>) {
    let above = &cells[..index];
    let nearest = |kind: &str| above.iter().rev().find(|c| c.kind.name() == kind);
    let needs: &[&str] = match &cells[index].kind {
        CellKind::Markdown { .. } | CellKind::Data(_) => &[],
        CellKind::Prepare(_) | CellKind::Search(_) => &["data"],
        CellKind::Train(_) => &["data", "prepare"],
        CellKind::Evaluate(_) | CellKind::Predict(_) => &["train"],
        // A model named by the registry or a run brings its own reference.
        CellKind::Monitor(settings) if !settings.model.is_empty() => &[],
        CellKind::Monitor(_) => &["data", "train"],
        CellKind::Compare(_) => {
            let trains = above.iter().filter(|c| c.kind.name() == "train");
            return (trains.map(|c| c.id.clone()).collect(), None);
        }
        CellKind::Unknown { kind, .. } => {
            let reason = format!("a {kind:?} cell needs a newer Flowbook");
            return (Vec::new(), Some(reason));
        }
    };
    let mut reads = Vec::new();
    let mut lacking = Vec::new();
    for &kind in needs {
        match nearest(kind) {
            Some(cell) => reads.push(cell.id.clone()),
            None => lacking.push(format!("a {} cell", kind_label(kind))),
        }
    }
    let missing =
        (!lacking.is_empty()).then(|| format!("needs {} above it", lacking.join(" and ")));
    (reads, missing)
}

impl Dataflow {
    /// The graph of a notebook nothing has run in yet: every cell stale.
    pub fn new(notebook: &Notebook) -> Dataflow {
        let mut flow = Dataflow { nodes: Vec::new() };
        flow.sync(notebook);
        flow
    }

    /// Follows the notebook after cells were added, removed or moved: a cell whose inputs
    /// changed is stale, and so is everything that reads it. Other states are kept.
    pub fn sync(&mut self, notebook: &Notebook) {
        let old = std::mem::take(&mut self.nodes);
        let mut changed = Vec::new();
        for (index, cell) in notebook.cells.iter().enumerate() {
            let (reads, missing) = inputs(&notebook.cells, index);
            let same_id = old.iter().find(|n| n.id == cell.id);
            let kept = same_id.filter(|n| n.reads == reads && n.missing == missing);
            if kept.is_none() {
                changed.push(index);
            }
            let mut node = Node {
                id: cell.id.clone(),
                label: cell.kind.label(),
                reads,
                missing,
                state: kept.map_or(CellState::Stale, |n| n.state.clone()),
                changed_while_running: kept.is_some_and(|n| n.changed_while_running),
            };
            if kept.is_none() && same_id.is_some_and(|n| n.state == CellState::Running) {
                node.state = CellState::Running;
                node.make_stale();
            }
            self.nodes.push(node);
        }
        for index in changed {
            self.mark_readers_stale(index);
        }
        self.settle();
    }

    pub fn state(&self, id: &str) -> Option<&CellState> {
        self.nodes.iter().find(|n| n.id == id).map(|n| &n.state)
    }

    /// The cells this one reads (its direct inputs).
    pub fn inputs(&self, id: &str) -> Option<&[String]> {
        self.nodes
            .iter()
            .find(|n| n.id == id)
            .map(|n| n.reads.as_slice())
    }

    /// Every cell that reads this one, directly or not, in document order.
    pub fn dependents(&self, id: &str) -> Result<Vec<String>, DataflowError> {
        let index = self.index_of(id)?;
        Ok(self
            .reader_indices(index)
            .into_iter()
            .map(|i| self.nodes[i].id.clone())
            .collect())
    }

    /// The cell's settings changed: it and everything reading it is stale.
    pub fn edit(&mut self, id: &str) -> Result<(), DataflowError> {
        let index = self.index_of(id)?;
        self.nodes[index].make_stale();
        self.mark_readers_stale(index);
        self.settle();
        Ok(())
    }

    /// The cells to run, in order, to bring `target` up to date: the out-of-date ones among
    /// it and what it reads, directly or not.
    pub fn run_order(&self, target: &str) -> Result<Vec<String>, DataflowError> {
        let index = self.index_of(target)?;
        let mut wanted = vec![false; self.nodes.len()];
        wanted[index] = true;
        for i in (0..=index).rev() {
            if wanted[i] {
                for read in &self.nodes[i].reads {
                    if let Some(j) = self.position(read) {
                        wanted[j] = true;
                    }
                }
            }
        }
        let (order, unrunnable) = self.plan(&wanted);
        if let Some(reason) = unrunnable[index].clone() {
            return Err(DataflowError::CannotRun {
                id: target.to_string(),
                reason,
            });
        }
        Ok(order)
    }

    /// "Run all": every out-of-date cell that can run, in document order.
    pub fn run_all(&self) -> Vec<String> {
        self.plan(&vec![true; self.nodes.len()]).0
    }

    pub fn record_running(&mut self, id: &str) -> Result<(), DataflowError> {
        let index = self.index_of(id)?;
        self.nodes[index].changed_while_running = false;
        self.set_state(id, CellState::Running)
    }

    /// The cell ran; one changed while it ran stays stale for the next run.
    pub fn record_success(&mut self, id: &str) -> Result<(), DataflowError> {
        self.set_state(id, CellState::Fresh)
    }

    /// The cell failed: it shows the message and everything reading it is blocked (unless
    /// it changed while it ran: then it is stale, and the next run tries again).
    pub fn record_error(&mut self, id: &str, message: &str) -> Result<(), DataflowError> {
        self.set_state(id, CellState::Error(message.to_string()))
    }

    /// How a run of the cell ended.
    fn set_state(&mut self, id: &str, state: CellState) -> Result<(), DataflowError> {
        let index = self.index_of(id)?;
        let node = &mut self.nodes[index];
        node.state = if std::mem::take(&mut node.changed_while_running) {
            CellState::Stale
        } else {
            state
        };
        self.settle();
        Ok(())
    }

    /// Which of the wanted cells to run, in order, and for each cell why it cannot run.
    fn plan(&self, wanted: &[bool]) -> (Vec<String>, Vec<Option<String>>) {
        let mut order = Vec::new();
        let mut planned = vec![false; self.nodes.len()];
        let mut unrunnable: Vec<Option<String>> = vec![None; self.nodes.len()];
        for (i, node) in self.nodes.iter().enumerate() {
            let blocked_input = node
                .reads
                .iter()
                .filter_map(|read| self.position(read))
                .find(|&j| unrunnable[j].is_some());
            if let Some(reason) = &node.missing {
                unrunnable[i] = Some(reason.clone());
            } else if let Some(j) = blocked_input {
                unrunnable[i] = Some(format!(
                    "the {} cell above ({}) cannot run",
                    self.nodes[j].label, self.nodes[j].id
                ));
            } else if wanted[i] {
                let input_reruns = node
                    .reads
                    .iter()
                    .any(|r| self.position(r).is_some_and(|j| planned[j]));
                let out_of_date = !matches!(node.state, CellState::Fresh | CellState::Running);
                if out_of_date || input_reruns {
                    planned[i] = true;
                    order.push(node.id.clone());
                }
            }
        }
        (order, unrunnable)
    }

    /// Brings the "blocked" states in line with what is above, top to bottom (inputs are
    /// always above, so one pass sees every input settled first).
    fn settle(&mut self) {
        for i in 0..self.nodes.len() {
            let failed_input = self.nodes[i]
                .reads
                .iter()
                .filter_map(|read| self.position(read))
                .find(|&j| {
                    matches!(
                        self.nodes[j].state,
                        CellState::Error(_) | CellState::Blocked(_)
                    )
                });
            let node = &self.nodes[i];
            let blocked = if let Some(reason) = &node.missing {
                Some(reason.clone())
            } else {
                failed_input.map(|j| {
                    let input = &self.nodes[j];
                    let what = match input.state {
                        CellState::Error(_) => "failed",
                        _ => "cannot run",
                    };
                    format!(
                        "the {} cell above ({}) {what}; fix it first",
                        input.label, input.id
                    )
                })
            };
            let state = match (blocked, &node.state) {
                (Some(reason), _) => CellState::Blocked(reason),
                (None, CellState::Blocked(_)) => CellState::Stale,
                (None, other) => other.clone(),
            };
            self.nodes[i].state = state;
        }
    }

    fn mark_readers_stale(&mut self, index: usize) {
        for i in self.reader_indices(index) {
            if !matches!(self.nodes[i].state, CellState::Blocked(_)) {
                self.nodes[i].make_stale();
            }
        }
    }

    /// Indices of the cells reading the one at `index`, directly or not.
    fn reader_indices(&self, index: usize) -> Vec<usize> {
        let mut reached = vec![false; self.nodes.len()];
        reached[index] = true;
        let mut readers = Vec::new();
        for i in index + 1..self.nodes.len() {
            let reads_reached = self.nodes[i]
                .reads
                .iter()
                .any(|r| self.position(r).is_some_and(|j| reached[j]));
            if reads_reached {
                reached[i] = true;
                readers.push(i);
            }
        }
        readers
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    fn index_of(&self, id: &str) -> Result<usize, DataflowError> {
        self.position(id)
            .ok_or_else(|| DataflowError::UnknownCell(id.to_string()))
    }
}
