//! The app's state: the files opened in this session and where each one stands.

use std::sync::Arc;

use flowbook_core::data::{FileSummary, TripPreview, TripTable};
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

/// What a dataset is for in the notebook. At most one dataset is `Train` and one is
/// `Validation` at a time: choosing a role for one file takes it from the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Train,
    Validation,
    Other,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Train, Role::Validation, Role::Other];

    /// The value used in the role selector and in run records.
    pub fn key(self) -> &'static str {
        match self {
            Role::Train => "train",
            Role::Validation => "validation",
            Role::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Train => "Train",
            Role::Validation => "Validation",
            Role::Other => "Other",
        }
    }

    pub fn from_key(key: &str) -> Role {
        Role::ALL
            .into_iter()
            .find(|role| role.key() == key)
            .unwrap_or(Role::Other)
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
    /// The decoded trips, shared with the cells that train on them.
    pub trips: RwSignal<Option<Arc<TripTable>>>,
    pub role: RwSignal<Role>,
}

/// Where to report a file's outcome: its summary, then its trips and their preview.
#[derive(Debug, Clone, Copy)]
pub struct DatasetHandle {
    pub state: RwSignal<LoadState>,
    pub preview: RwSignal<Option<Result<TripPreview, String>>>,
    pub trips: RwSignal<Option<Arc<TripTable>>>,
}

/// The dataset holding a role, and whether its trips are ready.
#[derive(Debug, Clone)]
pub enum RoleHolder {
    /// No dataset has the role.
    Unassigned,
    /// The file is still loading or failed; the string is its name.
    NotReady(String),
    Ready(Arc<TripTable>),
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
    pub fn open(&self, file_name: String, source: DataSource, role: Role) -> DatasetHandle {
        let state = RwSignal::new(LoadState::Loading);
        let preview = RwSignal::new(None);
        let trips = RwSignal::new(None);
        let id = self.list.with_untracked(Vec::len);
        self.list.update(|list| {
            list.push(Dataset {
                id,
                file_name,
                source,
                state,
                preview,
                trips,
                role: RwSignal::new(Role::Other),
            });
        });
        self.set_role(id, role);
        DatasetHandle {
            state,
            preview,
            trips,
        }
    }

    /// Gives dataset `id` a role; a train or validation role moves away from the file
    /// that held it, which becomes `Other`.
    pub fn set_role(&self, id: usize, role: Role) {
        self.list.with_untracked(|list| {
            for dataset in list {
                if dataset.id == id {
                    dataset.role.set(role);
                } else if role != Role::Other && dataset.role.get_untracked() == role {
                    dataset.role.set(Role::Other);
                }
            }
        });
    }

    /// Gives `role` to the latest opened file called `file_name`; `false` when no open
    /// file has that name.
    pub fn set_role_by_name(&self, file_name: &str, role: Role) -> bool {
        let found = self.list.with_untracked(|list| {
            list.iter()
                .rev()
                .find(|dataset| dataset.file_name == file_name)
                .map(|dataset| (dataset.id, dataset.role.get_untracked()))
        });
        match found {
            Some((id, current)) => {
                if current != role {
                    self.set_role(id, role);
                }
                true
            }
            None => false,
        }
    }

    /// The dataset that has `role` (tracked).
    pub fn holder(&self, role: Role) -> RoleHolder {
        self.list.with(
            |list| match list.iter().find(|dataset| dataset.role.get() == role) {
                None => RoleHolder::Unassigned,
                Some(dataset) => match dataset.trips.get() {
                    Some(trips) => RoleHolder::Ready(trips),
                    None => RoleHolder::NotReady(dataset.file_name.clone()),
                },
            },
        )
    }

    /// The opened files (tracked).
    pub fn get(&self) -> Vec<Dataset> {
        self.list.get()
    }

    /// How many files are open (tracked), without copying the list.
    pub fn count(&self) -> usize {
        self.list.with(Vec::len)
    }

    /// The list, read outside any view (a cell running).
    pub fn get_untracked(&self) -> Vec<Dataset> {
        self.list.get_untracked()
    }
}

/// What a role's dataset is, in words: its file and trips, or what the user should do.
pub fn describe(role: Role, holder: &RoleHolder) -> String {
    match holder {
        RoleHolder::Unassigned => format!(
            "{}: none — choose “{}” on a dataset card in the Data panel",
            role.label(),
            role.label()
        ),
        RoleHolder::NotReady(name) => format!("{}: {name} (not loaded)", role.label()),
        RoleHolder::Ready(table) => {
            format!(
                "{}: {} ({} trips)",
                role.label(),
                table.file_name,
                table.len()
            )
        }
    }
}
