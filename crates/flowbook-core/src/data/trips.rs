//! Decoding the columns a notebook needs from a parquet trip file, row group by row group.

use std::collections::BTreeMap;

use bytes::Bytes;
use parquet::arrow::ProjectionMask;
use serde::{Deserialize, Serialize};

use super::columns::{
    locate_columns, push_floats, push_integers, push_timestamps_us, ColumnPositions,
};
use super::inspect::open_parquet;
use super::{sha256_hex, DataError};

/// Rows decoded per Arrow batch: large enough to amortise per-batch work, small enough
/// that a batch is a small fraction of what is kept.
const BATCH_ROWS: usize = 65_536;

/// The trip columns of one file, as plain vectors (`None` marks a null in the file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripTable {
    pub file_name: String,
    pub size_bytes: u64,
    pub sha256_hex: String,
    pub pickup_us: Vec<Option<i64>>,
    pub dropoff_us: Vec<Option<i64>>,
    pub pu_location: Vec<Option<i64>>,
    pub do_location: Vec<Option<i64>>,
    /// Numerical columns asked for by name (e.g. `trip_distance`), keyed by the name
    /// the caller used.
    pub numeric: BTreeMap<String, Vec<Option<f64>>>,
}

impl TripTable {
    pub fn len(&self) -> usize {
        self.pickup_us.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pickup_us.is_empty()
    }

    /// Trip duration of row `i` in minutes, if both times are present.
    pub fn duration_min(&self, i: usize) -> Option<f64> {
        let pickup = (*self.pickup_us.get(i)?)?;
        let dropoff = (*self.dropoff_us.get(i)?)?;
        Some(dropoff.checked_sub(pickup)? as f64 / 60_000_000.0)
    }
}

/// Decodes the trip columns plus the numerical columns named in `numeric` from a parquet
/// file held in memory. Only those columns are read.
pub fn load_trips(
    file_name: &str,
    bytes: Bytes,
    numeric: &[String],
) -> Result<TripTable, DataError> {
    let digest = sha256_hex(&bytes);
    load_trips_with_digest(file_name, bytes, numeric, digest)
}

/// `load_trips` for a caller that has already hashed the bytes.
pub(crate) fn load_trips_with_digest(
    file_name: &str,
    bytes: Bytes,
    numeric: &[String],
    sha256_hex: String,
) -> Result<TripTable, DataError> {
    let size_bytes = bytes.len() as u64;
    let builder = open_parquet(file_name, bytes)?;
    let names: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let ColumnPositions {
        trip: trip_indices,
        numeric: numeric_indices,
    } = locate_columns(file_name, &names, numeric)?;

    // Leaf indices equal root indices only for flat schemas, which trip files are; a
    // nested schema would make the projection pick the wrong leaves, so refuse it.
    let parquet_schema = builder.parquet_schema();
    if parquet_schema.num_columns() != names.len() {
        return Err(DataError::Invalid {
            file: file_name.to_string(),
            detail: "the file has nested columns; trip files are flat tables.".to_string(),
        });
    }
    let mut projected: Vec<usize> = trip_indices
        .iter()
        .chain(&numeric_indices)
        .copied()
        .collect();
    projected.sort_unstable();
    projected.dedup();
    let mask = ProjectionMask::roots(parquet_schema, projected.iter().copied());
    let total_rows = usize::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| DataError::Corrupt {
            file: file_name.to_string(),
            detail: e.to_string(),
        })?;
    // Position of each wanted column inside the projected batch.
    let position = |index: usize| projected.iter().position(|&p| p == index).unwrap_or(0);

    let capacity = total_rows.min(1 << 26);
    let mut table = TripTable {
        file_name: file_name.to_string(),
        size_bytes,
        sha256_hex,
        pickup_us: Vec::with_capacity(capacity),
        dropoff_us: Vec::with_capacity(capacity),
        pu_location: Vec::with_capacity(capacity),
        do_location: Vec::with_capacity(capacity),
        numeric: BTreeMap::new(),
    };
    let mut numeric_values: Vec<Vec<Option<f64>>> = numeric
        .iter()
        .map(|_| Vec::with_capacity(capacity))
        .collect();
    for batch in reader {
        let batch = batch.map_err(|e| DataError::Corrupt {
            file: file_name.to_string(),
            detail: e.to_string(),
        })?;
        let column = |index: usize| batch.column(position(index));
        let name = |index: usize| names.get(index).map(String::as_str).unwrap_or("?");
        let [pickup, dropoff, pu, dol] = trip_indices;
        push_timestamps_us(
            file_name,
            name(pickup),
            column(pickup),
            &mut table.pickup_us,
        )?;
        push_timestamps_us(
            file_name,
            name(dropoff),
            column(dropoff),
            &mut table.dropoff_us,
        )?;
        push_integers(file_name, name(pu), column(pu), &mut table.pu_location)?;
        push_integers(file_name, name(dol), column(dol), &mut table.do_location)?;
        for (values, &index) in numeric_values.iter_mut().zip(&numeric_indices) {
            push_floats(file_name, name(index), column(index), values)?;
        }
    }
    table.numeric = numeric.iter().cloned().zip(numeric_values).collect();
    Ok(table)
}
