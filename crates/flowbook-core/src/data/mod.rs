//! Loading trip files: parquet (any TLC layout), from bytes.

mod columns;
mod csv_trips;
mod error;
mod inspect;
mod preview;
mod trips;

pub use columns::TripColumn;
pub use csv_trips::{format_timestamp_us, load_trips_csv, parse_timestamp_us};
pub use error::DataError;
pub use inspect::{
    inspect_parquet, open_trip_file, ColumnInfo, FileFormat, FileSummary, OpenedFile,
};
pub use preview::{
    column_summaries, duration_histogram, trip_preview, ColumnSummary, Histogram, PreviewRow,
    TripPreview, Zone, ZoneLookup,
};
pub use trips::{load_trips, TripTable};

/// Loads a trip file of either format: parquet when it carries the parquet marker,
/// CSV when its name ends in `.csv` (a CSV renamed `.parquet` is refused by name).
pub fn load_trip_file(
    file_name: &str,
    bytes: bytes::Bytes,
    numeric: &[String],
) -> Result<TripTable, DataError> {
    if file_name.to_ascii_lowercase().ends_with(".csv") && !bytes.starts_with(b"PAR1") {
        load_trips_csv(file_name, &bytes, numeric)
    } else {
        load_trips(file_name, bytes, numeric)
    }
}

/// SHA-256 of a file's bytes as lowercase hex: the digest runs record for data lineage.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
