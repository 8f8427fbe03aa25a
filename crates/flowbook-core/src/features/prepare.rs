//! Target and row filters: which trips of a file become training or validation rows.

use serde::{Deserialize, Serialize};

use super::spec::{FeatureSpec, PrepareSpec};
use super::FeatureError;
use crate::data::TripTable;

/// The rows kept from a file and their target, `duration` in minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedRows {
    pub rows: Vec<u32>,
    pub duration_min: Vec<f64>,
    /// Rows dropped because the duration fell outside the range or a filter failed.
    pub dropped_by_filter: usize,
    /// Rows dropped because a column the model needs was empty (null) there, or held a
    /// number no model can use (see [`USABLE_MAGNITUDE`]).
    pub dropped_null: usize,
}

/// Numbers beyond this magnitude (and ±inf, NaN) count as missing: their squares overflow
/// a double, which would turn a linear model's statistics into infinities. Real trip
/// distances are far below it (the TLC files' worst outliers are in the hundreds of
/// thousands of miles), so no real row is lost.
pub const USABLE_MAGNITUDE: f64 = 1e100;

/// Applies the target range and filters, and drops rows with nulls (or unusable numbers)
/// in used columns.
pub fn prepare_rows(
    table: &TripTable,
    prepare: &PrepareSpec,
    features: &FeatureSpec,
) -> Result<PreparedRows, FeatureError> {
    if prepare.min_duration_min.is_nan()
        || prepare.max_duration_min.is_nan()
        || prepare.min_duration_min > prepare.max_duration_min
    {
        return Err(FeatureError::Spec(format!(
            "the duration range {}–{} minutes is empty; the minimum must not exceed the maximum",
            prepare.min_duration_min, prepare.max_duration_min
        )));
    }
    if u32::try_from(table.len()).is_err() {
        return Err(FeatureError::Spec(format!(
            "{} has {} rows; Flowbook handles up to {} rows per file",
            table.file_name,
            table.len(),
            u32::MAX
        )));
    }
    let mut numeric = Vec::with_capacity(features.numerical.len());
    for name in &features.numerical {
        let column = table.numeric.get(name).ok_or_else(|| {
            FeatureError::Spec(format!(
                "the numerical feature {name} was not loaded from {}",
                table.file_name
            ))
        })?;
        numeric.push(column);
    }
    let distance = match prepare.min_distance_exclusive {
        Some(min) => Some((
            min,
            table.numeric.get("trip_distance").ok_or_else(|| {
                FeatureError::Spec(format!(
                    "the distance filter needs trip_distance, which was not loaded from {}",
                    table.file_name
                ))
            })?,
        )),
        None => None,
    };
    let needs_locations = features.categorical.iter().any(|c| c.uses_locations());
    let mut out = PreparedRows {
        rows: Vec::new(),
        duration_min: Vec::new(),
        dropped_by_filter: 0,
        dropped_null: 0,
    };
    for i in 0..table.len() {
        let keys_present =
            !needs_locations || (table.pu_location.is_valid(i) && table.do_location.is_valid(i));
        let numeric_present = numeric
            .iter()
            .all(|column| column.get(i).is_some_and(|v| v.abs() <= USABLE_MAGNITUDE));
        let Some(duration) = table.duration_min(i) else {
            out.dropped_null += 1;
            continue;
        };
        if !(prepare.min_duration_min..=prepare.max_duration_min).contains(&duration) {
            out.dropped_by_filter += 1;
            continue;
        }
        if let Some((min, column)) = distance {
            if !column.get(i).is_some_and(|d| d > min) {
                out.dropped_by_filter += 1;
                continue;
            }
        }
        if !keys_present || !numeric_present {
            out.dropped_null += 1;
            continue;
        }
        out.rows.push(i as u32);
        out.duration_min.push(duration);
    }
    Ok(out)
}
