//! Reading a parquet file's metadata: schema, row count, row groups. Cheap: only the
//! footer is decoded.

use bytes::Bytes;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::{Deserialize, Serialize};

use super::{sha256_hex, DataError};

/// One column of a file's schema, as Arrow sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnInfo {
    pub name: String,
    pub arrow_type: String,
    pub nullable: bool,
}

/// How a file stores its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileFormat {
    Parquet,
    /// Comma-separated text with a header line (older course material).
    Csv,
}

impl FileFormat {
    pub fn label(self) -> &'static str {
        match self {
            FileFormat::Parquet => "Parquet",
            FileFormat::Csv => "CSV",
        }
    }
}

/// What a file is, before any column is decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    pub file_name: String,
    pub format: FileFormat,
    pub size_bytes: u64,
    pub sha256_hex: String,
    pub row_count: u64,
    pub row_groups: usize,
    pub columns: Vec<ColumnInfo>,
}

/// Reads the footer of a parquet file held in memory.
pub fn inspect_parquet(file_name: &str, bytes: Bytes) -> Result<FileSummary, DataError> {
    let size_bytes = bytes.len() as u64;
    let sha256_hex = sha256_hex(&bytes);
    let builder = open_parquet(file_name, bytes)?;
    let metadata = builder.metadata();
    let row_count = metadata
        .row_groups()
        .iter()
        .map(|rg| u64::try_from(rg.num_rows()).unwrap_or(0))
        .sum();
    let columns = builder
        .schema()
        .fields()
        .iter()
        .map(|f| ColumnInfo {
            name: f.name().clone(),
            arrow_type: f.data_type().to_string(),
            nullable: f.is_nullable(),
        })
        .collect();
    Ok(FileSummary {
        file_name: file_name.to_string(),
        format: FileFormat::Parquet,
        size_bytes,
        sha256_hex,
        row_count,
        row_groups: metadata.num_row_groups(),
        columns,
    })
}

/// A file's summary and, when it holds trips, its decoded trip columns. The bytes are
/// hashed once for both. The outer error means the file cannot be read at all; the inner
/// one that it is readable but not a trip file (e.g. columns missing).
pub type OpenedFile = (FileSummary, Result<super::TripTable, DataError>);

/// Opens a parquet file, or a CSV file when its name ends in `.csv` and it does not carry
/// the parquet marker (a CSV renamed `.parquet` is refused as not parquet).
pub fn open_trip_file(
    file_name: &str,
    bytes: Bytes,
    numeric: &[String],
) -> Result<OpenedFile, DataError> {
    if file_name.to_ascii_lowercase().ends_with(".csv") && !bytes.starts_with(b"PAR1") {
        return super::csv_trips::open_csv_trip_file(file_name, &bytes, numeric);
    }
    let summary = inspect_parquet(file_name, bytes.clone())?;
    let trips =
        super::trips::load_trips_with_digest(file_name, bytes, numeric, summary.sha256_hex.clone());
    Ok((summary, trips))
}

/// Opens a parquet reader and turns the parquet crate's errors into messages a user can act on.
pub(crate) fn open_parquet(
    file_name: &str,
    bytes: Bytes,
) -> Result<ParquetRecordBatchReaderBuilder<Bytes>, DataError> {
    if bytes.is_empty() {
        return Err(DataError::Empty {
            file: file_name.to_string(),
        });
    }
    let has_magic = bytes.len() >= 8 && bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1");
    if !has_magic {
        let detail = if bytes.starts_with(b"PAR1") {
            "it starts like parquet but its footer is missing: the file is cut short".to_string()
        } else {
            "it lacks the PAR1 marker that parquet files start and end with".to_string()
        };
        return if bytes.starts_with(b"PAR1") {
            Err(DataError::Corrupt {
                file: file_name.to_string(),
                detail,
            })
        } else {
            Err(DataError::NotParquet {
                file: file_name.to_string(),
                detail,
            })
        };
    }
    ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(|e| DataError::Corrupt {
        file: file_name.to_string(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Bytes {
        let path = format!("{}/../../../shared/data/{name}", env!("CARGO_MANIFEST_DIR"));
        Bytes::from(std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}")))
    }

    #[test]
    fn january_2021_has_the_tlc_row_count_and_schema() {
        let summary = inspect_parquet("jan.parquet", sample("green_tripdata_2021-01.parquet"))
            .expect("inspect");
        assert_eq!(summary.row_count, 76_518);
        assert_eq!(summary.row_groups, 1);
        assert_eq!(summary.columns.len(), 20);
        assert_eq!(summary.columns[1].name, "lpep_pickup_datetime");
        assert_eq!(
            summary.sha256_hex,
            "b8e2c9496c5eada0f10adbd88f98d91721ec6fe2787a2b355cf0ccfa9678ee7b"
        );
    }

    #[test]
    fn empty_and_foreign_bytes_are_named_errors() {
        assert!(matches!(
            inspect_parquet("e.parquet", Bytes::new()),
            Err(DataError::Empty { .. })
        ));
        let csv = Bytes::from_static(b"a,b\n1,2\n");
        let err = inspect_parquet("x.parquet", csv).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("x.parquet: this is not a parquet file"));
    }
}
