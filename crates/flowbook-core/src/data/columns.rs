//! Finding the trip columns under the names the TLC layouts use, and turning Arrow arrays
//! of any of the physical types seen in real files into plain Rust values.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, PrimitiveArray};
use arrow_schema::{DataType, TimeUnit};

use super::{DataError, NullableColumn};

/// A trip column Flowbook knows, with the names it goes by in green (`lpep_*`), yellow
/// (`tpep_*`) and FHV files. Matching ignores case: FHV spells `PUlocationID`, `dropOff_datetime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TripColumn {
    Pickup,
    Dropoff,
    PickupLocation,
    DropoffLocation,
}

impl TripColumn {
    pub const ALL: [TripColumn; 4] = [
        TripColumn::Pickup,
        TripColumn::Dropoff,
        TripColumn::PickupLocation,
        TripColumn::DropoffLocation,
    ];

    pub fn candidates(self) -> &'static [&'static str] {
        match self {
            TripColumn::Pickup => &[
                "lpep_pickup_datetime",
                "tpep_pickup_datetime",
                "pickup_datetime",
            ],
            TripColumn::Dropoff => &[
                "lpep_dropoff_datetime",
                "tpep_dropoff_datetime",
                "dropoff_datetime",
            ],
            TripColumn::PickupLocation => &["PULocationID"],
            TripColumn::DropoffLocation => &["DOLocationID"],
        }
    }

    /// The name shown to users when the column is missing.
    pub fn display_name(self) -> &'static str {
        match self {
            TripColumn::Pickup => "pickup time (lpep_/tpep_pickup_datetime or pickup_datetime)",
            TripColumn::Dropoff => "dropoff time (lpep_/tpep_dropoff_datetime or dropOff_datetime)",
            TripColumn::PickupLocation => "PULocationID",
            TripColumn::DropoffLocation => "DOLocationID",
        }
    }
}

/// Where the trip columns and the requested numerical columns sit in a file's header.
pub struct ColumnPositions {
    /// Pickup, dropoff, PULocationID, DOLocationID, in `TripColumn::ALL` order.
    pub trip: [usize; 4],
    pub numeric: Vec<usize>,
}

/// Finds the trip columns and `numeric` among `names`, or says which one is missing and
/// what the file has instead.
pub fn locate_columns(
    file: &str,
    names: &[String],
    numeric: &[String],
) -> Result<ColumnPositions, DataError> {
    let missing = |column: &str| DataError::MissingColumn {
        file: file.to_string(),
        column: column.to_string(),
        needed: "pickup and dropoff times, PULocationID, DOLocationID".to_string(),
        found: names.join(", "),
    };
    let mut trip = [0usize; 4];
    for (slot, column) in trip.iter_mut().zip(TripColumn::ALL) {
        *slot = find_column(names, column.candidates())
            .ok_or_else(|| missing(column.display_name()))?;
    }
    let numeric = numeric
        .iter()
        .map(|name| find_column(names, &[name.as_str()]).ok_or_else(|| missing(name)))
        .collect::<Result<_, _>>()?;
    Ok(ColumnPositions { trip, numeric })
}

/// Index of the first column whose name matches one of `candidates`, ignoring case.
pub fn find_column(names: &[String], candidates: &[&str]) -> Option<usize> {
    candidates
        .iter()
        .find_map(|c| names.iter().position(|n| n.eq_ignore_ascii_case(c)))
}

/// Appends an Arrow primitive array to `out`, converting each value with `convert`: the
/// values slice is mapped in bulk and the null bitmap copied 64 rows at a time, rather
/// than going through an `Option` per row. `convert` also sees the (arbitrary) values
/// under nulls, so it must not panic on any input.
fn extend_primitive<P: ArrowPrimitiveType, U: Copy + Default>(
    out: &mut NullableColumn<U>,
    array: &PrimitiveArray<P>,
    convert: impl FnMut(P::Native) -> U,
) {
    let values = array.values().iter().copied().map(convert);
    match array.nulls().filter(|nulls| nulls.null_count() > 0) {
        None => out.extend_valid(values),
        Some(nulls) => out.extend_with_validity(values, nulls.inner().bit_chunks().iter_padded()),
    }
}

/// Marks as null the rows from `start` on whose value `is_null` picks.
fn null_where<T: Copy + Default>(
    out: &mut NullableColumn<T>,
    start: usize,
    mut is_null: impl FnMut(T) -> bool,
) {
    let rows: Vec<usize> = out
        .values()
        .get(start..)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter(|&(_, &v)| is_null(v))
        .map(|(i, _)| start + i)
        .collect();
    for i in rows {
        out.set_null(i);
    }
}

/// Appends a timestamp column as microseconds since the epoch (nulls stay nulls).
pub fn push_timestamps_us(
    file: &str,
    column: &str,
    array: &ArrayRef,
    out: &mut NullableColumn<i64>,
) -> Result<(), DataError> {
    fn push<T: ArrowPrimitiveType<Native = i64>>(
        array: &ArrayRef,
        out: &mut NullableColumn<i64>,
        to_us: impl Fn(i64) -> i64,
    ) {
        extend_primitive(out, array.as_primitive::<T>(), to_us);
    }
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            push::<TimestampNanosecondType>(array, out, |v| v.div_euclid(1000))
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            push::<TimestampMicrosecondType>(array, out, |v| v)
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            push::<TimestampMillisecondType>(array, out, |v| v.saturating_mul(1000))
        }
        DataType::Timestamp(TimeUnit::Second, _) => {
            push::<TimestampSecondType>(array, out, |v| v.saturating_mul(1_000_000))
        }
        other => {
            let hint = if matches!(
                other,
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) {
                " The times are stored as text; convert the column to a parquet timestamp (pandas: pd.to_datetime) and save the file again."
            } else {
                ""
            };
            return Err(DataError::WrongType {
                file: file.to_string(),
                column: column.to_string(),
                found: format!("{other}"),
                expected: format!("a timestamp.{hint}"),
            });
        }
    }
    Ok(())
}

/// Appends an integer-valued column (location IDs) as i64. Whole-number floats are
/// accepted, as some exports store IDs as doubles; a fractional value is an error. An
/// unsigned value beyond i64 becomes a null.
pub fn push_integers(
    file: &str,
    column: &str,
    array: &ArrayRef,
    out: &mut NullableColumn<i64>,
) -> Result<(), DataError> {
    macro_rules! ints {
        ($t:ty) => {
            extend_primitive(out, array.as_primitive::<$t>(), i64::from)
        };
    }
    match array.data_type() {
        DataType::Int8 => ints!(Int8Type),
        DataType::Int16 => ints!(Int16Type),
        DataType::Int32 => ints!(Int32Type),
        DataType::Int64 => ints!(Int64Type),
        DataType::UInt8 => ints!(UInt8Type),
        DataType::UInt16 => ints!(UInt16Type),
        DataType::UInt32 => ints!(UInt32Type),
        DataType::UInt64 => {
            let start = out.len();
            // Too large for i64 wraps negative here, then is made a null.
            extend_primitive(out, array.as_primitive::<UInt64Type>(), |v| v as i64);
            null_where(out, start, |v| v < 0);
        }
        DataType::Float32 | DataType::Float64 => {
            let mut floats = NullableColumn::with_capacity(array.len());
            push_floats(file, column, array, &mut floats)?;
            if let Some(f) = floats
                .iter()
                .flatten()
                .find(|f| f.fract() != 0.0 || !f.is_finite() || f.abs() > 9.0e15)
            {
                return Err(DataError::Invalid {
                    file: file.to_string(),
                    detail: format!(
                        "column {column} should hold whole-number IDs but has the value {f}."
                    ),
                });
            }
            out.append(&floats.map(|f| f as i64));
        }
        other => {
            return Err(DataError::WrongType {
                file: file.to_string(),
                column: column.to_string(),
                found: format!("{other}"),
                expected: "whole numbers (location IDs)".to_string(),
            })
        }
    }
    Ok(())
}

/// Appends a numeric column as f64 (nulls and NaN become nulls).
pub fn push_floats(
    file: &str,
    column: &str,
    array: &ArrayRef,
    out: &mut NullableColumn<f64>,
) -> Result<(), DataError> {
    macro_rules! floats {
        ($t:ty) => {{
            let start = out.len();
            extend_primitive(out, array.as_primitive::<$t>(), f64::from);
            null_where(out, start, f64::is_nan);
        }};
    }
    macro_rules! ints {
        ($t:ty) => {
            extend_primitive(out, array.as_primitive::<$t>(), |x| x as f64)
        };
    }
    match array.data_type() {
        DataType::Float64 => floats!(Float64Type),
        DataType::Float32 => floats!(Float32Type),
        DataType::Int8 => ints!(Int8Type),
        DataType::Int16 => ints!(Int16Type),
        DataType::Int32 => ints!(Int32Type),
        DataType::Int64 => ints!(Int64Type),
        DataType::UInt8 => ints!(UInt8Type),
        DataType::UInt16 => ints!(UInt16Type),
        DataType::UInt32 => ints!(UInt32Type),
        DataType::UInt64 => ints!(UInt64Type),
        DataType::Null => {
            out.extend_with_validity(std::iter::repeat_n(0.0, array.len()), std::iter::empty())
        }
        other => {
            return Err(DataError::WrongType {
                file: file.to_string(),
                column: column.to_string(),
                found: format!("{other}"),
                expected: "numbers".to_string(),
            })
        }
    }
    Ok(())
}
