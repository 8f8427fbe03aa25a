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

pub fn sha256_of(name: &str) -> String {
    let sums = std::fs::read_to_string(shared_data("SHA256SUMS")).expect("SHA256SUMS");
    sums.lines()
        .find_map(|line| {
            let (digest, file) = line.split_once(char::is_whitespace)?;
            (file.trim() == name).then(|| digest.to_string())
        })
        .unwrap_or_else(|| panic!("{name} not in SHA256SUMS"))
}

/// The course's training: January → February 2021, PU_DO + trip_distance, default filters.
pub fn course_prepared() -> flowbook_core::pipeline::PreparedTraining {
    let train = load("green_tripdata_2021-01.parquet", &["trip_distance"]);
    let val = load("green_tripdata_2021-02.parquet", &["trip_distance"]);
    flowbook_core::pipeline::PreparedTraining::new(
        &train,
        &val,
        &flowbook_core::features::PrepareSpec::default(),
        &flowbook_core::features::FeatureSpec::pu_do_distance(),
    )
    .expect("prepare")
}

/// Boosts trees on PU_DO + trip_distance with the default filters, to the end.
pub fn boost(
    train: &TripTable,
    validation: &TripTable,
    params: &flowbook_core::trees::TreeParams,
) -> flowbook_core::pipeline::TreeReport {
    flowbook_core::pipeline::train_trees(
        train,
        validation,
        &flowbook_core::features::PrepareSpec::default(),
        &flowbook_core::features::FeatureSpec::pu_do_distance(),
        params,
        &mut |_| std::ops::ControlFlow::Continue(()),
    )
    .expect("train")
    .expect("not cancelled")
}
