//! What the command line's tests share: the TLC files in `../shared/data`.

use std::path::PathBuf;

/// A file of the shared TLC data beside the repository.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(name)
}
