//! Decoding the columns a notebook needs from a parquet trip file, row group by row group.

use std::collections::BTreeMap;

use bytes::Bytes;
use parquet::arrow::ProjectionMask;
use serde::{Deserialize, Serialize};

use super::columns::{
    locate_columns, push_floats, push_integers, push_timestamps_us, ColumnPositions,
};
use super::inspect::open_parquet;
use super::{sha256_hex, DataError, NullableColumn};

/// Rows decoded per Arrow batch: large enough to amortise per-batch work, small enough
/// that a batch is a small fraction of what is kept.
const BATCH_ROWS: usize = 65_536;

/// The trip columns of one file, as compact nullable columns: 8 bytes a value, plus a
/// bit a row only for a column that has nulls (`get(i)` is `None` at a null in the file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripTable {
    pub file_name: String,
    pub size_bytes: u64,
    pub sha256_hex: String,
    pub pickup_us: NullableColumn<i64>,
    pub dropoff_us: NullableColumn<i64>,
    pub pu_location: NullableColumn<i64>,
    pub do_location: NullableColumn<i64>,
    /// Numerical columns asked for by name (e.g. `trip_distance`), keyed by the name
    /// the caller used.
    pub numeric: BTreeMap<String, NullableColumn<f64>>,
}

impl TripTable {
    pub fn len(&self) -> usize {
        self.pickup_us.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pickup_us.is_empty()
    }

    /// Trip duration of row `i` in minutes, if both times are present.
    #[inline]
    pub fn duration_min(&self, i: usize) -> Option<f64> {
        let pickup = self.pickup_us.get(i)?;
        let dropoff = self.dropoff_us.get(i)?;
        Some(dropoff.checked_sub(pickup)? as f64 / 60_000_000.0)
    }

    /// Bytes the table holds on the heap: the columns' allocations plus names.
    pub fn heap_bytes(&self) -> usize {
        let columns = [
            &self.pickup_us,
            &self.dropoff_us,
            &self.pu_location,
            &self.do_location,
        ];
        columns.iter().map(|c| c.heap_bytes()).sum::<usize>()
            + self
                .numeric
                .iter()
                .map(|(name, c)| name.capacity() + c.heap_bytes())
                .sum::<usize>()
            + self.file_name.capacity()
            + self.sha256_hex.capacity()
    }

    /// Releases the columns' spare capacity (and bitmaps that hold no null).
    pub fn shrink_to_fit(&mut self) {
        for column in [
            &mut self.pickup_us,
            &mut self.dropoff_us,
            &mut self.pu_location,
            &mut self.do_location,
        ] {
            column.shrink_to_fit();
        }
        for column in self.numeric.values_mut() {
            column.shrink_to_fit();
        }
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

    // The footer's row count is the file's own claim: reserve no more than its bytes could
    // plausibly hold (a crafted footer must not make the browser reserve gigabytes).
    let plausible_rows = usize::try_from(size_bytes)
        .unwrap_or(usize::MAX)
        .saturating_mul(16);
    let capacity = total_rows.min(plausible_rows).min(1 << 26);
    let mut table = TripTable {
        file_name: file_name.to_string(),
        size_bytes,
        sha256_hex,
        pickup_us: NullableColumn::with_capacity(capacity),
        dropoff_us: NullableColumn::with_capacity(capacity),
        pu_location: NullableColumn::with_capacity(capacity),
        do_location: NullableColumn::with_capacity(capacity),
        numeric: BTreeMap::new(),
    };
    let mut numeric_values: Vec<NullableColumn<f64>> = numeric
        .iter()
        .map(|_| NullableColumn::with_capacity(capacity))
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
