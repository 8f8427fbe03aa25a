//! The taxi zone names (the bundled `taxi_zone_lookup.csv`), shared with every component
//! that shows location IDs.

use flowbook_core::data::ZoneLookup;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::services::load::fetch_bytes;
use crate::state::open_file::SAMPLE_DIR_URL;

/// The zone names, shared with every component that shows location IDs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Zones(pub RwSignal<Option<ZoneLookup>>);

impl Zones {
    /// An empty table, filled by [`Zones::load_bundled`].
    pub fn new() -> Self {
        Zones(RwSignal::new(None))
    }

    /// Fetches and parses the bundled zone table in the background. Without it the previews
    /// show bare IDs: nothing else depends on it.
    pub fn load_bundled(self) {
        spawn_local(async move {
            if let Ok(bytes) = fetch_bytes(&format!("{SAMPLE_DIR_URL}/taxi_zone_lookup.csv")).await
            {
                self.0
                    .set(ZoneLookup::parse_csv("taxi_zone_lookup.csv", &bytes).ok());
            }
        });
    }
}

impl Default for Zones {
    fn default() -> Self {
        Self::new()
    }
}
