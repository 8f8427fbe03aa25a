//! Loading trip files: parquet (any TLC layout), from bytes.

mod columns;
mod error;
mod inspect;
mod trips;

pub use columns::TripColumn;
pub use error::DataError;
pub use inspect::{inspect_parquet, ColumnInfo, FileSummary};
pub use trips::{load_trips, TripTable};

/// SHA-256 of a file's bytes as lowercase hex: the digest runs record for data lineage.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
