//! Shared helpers for the engine's integration tests: the real TLC files in ../shared/data.

#![allow(dead_code)]

use std::path::PathBuf;

use bytes::Bytes;
use flowbook_core::data::{load_trips, TripTable};

pub fn shared_data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(name)
}

pub fn read_bytes(name: &str) -> Bytes {
    let path = shared_data(name);
    Bytes::from(std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display())))
}

pub fn load(name: &str, numeric: &[&str]) -> TripTable {
    let numeric: Vec<String> = numeric.iter().map(|s| s.to_string()).collect();
    load_trips(name, read_bytes(name), &numeric).unwrap_or_else(|e| panic!("{e}"))
}
