//! Predicting one trip typed in by hand (the registry's Predict box) with a stored model.
//!
//! The trip goes through exactly the path a file's rows take: it becomes a one-row trip
//! table (read by the CSV loader, so this module does not depend on how `TripTable` keeps
//! its columns), the model's own encoder turns it into codes and numbers, and the model's
//! batch prediction gives the minutes. A typed trip therefore gets, bit for bit, what the
//! same row in a file would get.

use std::collections::BTreeMap;

use crate::data::{format_timestamp_us, load_trips_csv, parse_timestamp_us};
use crate::features::{Categorical, PreparedRows};
use crate::model::TripModel;

/// One trip to predict: the zones, the pickup time when the model uses the hour or the
/// weekday, and the numerical features by name (e.g. `trip_distance` in miles).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TripQuery {
    pub pickup_location: i64,
    pub dropoff_location: i64,
    /// Microseconds since the epoch, local wall-clock time as TLC files store it.
    pub pickup_time_us: Option<i64>,
    pub numeric: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PredictError {
    #[error("the model uses {name}, so it needs a value for it")]
    MissingNumber { name: String },
    #[error("{name} must be a finite number, not {value}")]
    NotFinite { name: String, value: f64 },
    #[error("the model uses {feature}, so it needs the pickup time")]
    MissingPickupTime { feature: String },
    #[error("the pickup time {micros} µs is outside the years 1–9999 Flowbook reads")]
    PickupTimeOutOfRange { micros: i64 },
    #[error("the trip could not be encoded for this model: {0}")]
    Encode(String),
}

/// Header names the CSV loader recognises for the four trip columns.
const TRIP_HEADER: [&str; 4] = [
    "pickup_datetime",
    "dropoff_datetime",
    "PULocationID",
    "DOLocationID",
];

/// What `model` predicts for `trip`, in minutes. Zones the model never saw in training
/// contribute nothing, as they do for rows of a file.
pub fn predict_trip<M: TripModel + ?Sized>(
    model: &M,
    trip: &TripQuery,
) -> Result<f64, PredictError> {
    let numeric_names = &model.encoder().spec.numerical;
    let mut numbers = Vec::with_capacity(numeric_names.len());
    for name in numeric_names {
        let value = *trip
            .numeric
            .get(name)
            .ok_or_else(|| PredictError::MissingNumber { name: name.clone() })?;
        if !value.is_finite() {
            return Err(PredictError::NotFinite {
                name: name.clone(),
                value,
            });
        }
        numbers.push(value);
    }
    let time_feature = model
        .encoder()
        .spec
        .categorical
        .iter()
        .find(|c| matches!(c, Categorical::PickupHour | Categorical::PickupWeekday));
    if let (Some(feature), None) = (time_feature, trip.pickup_time_us) {
        return Err(PredictError::MissingPickupTime {
            feature: feature.name().to_string(),
        });
    }

    if let Some(micros) = trip.pickup_time_us {
        // The text form the loader reads covers years 1–9999 (and its arithmetic would
        // overflow far beyond them).
        let first = parse_timestamp_us("0001-01-01 00:00:00").unwrap_or(i64::MIN);
        let last = parse_timestamp_us("9999-12-31 23:59:59.999999").unwrap_or(i64::MAX);
        if !(first..=last).contains(&micros) {
            return Err(PredictError::PickupTimeOutOfRange { micros });
        }
    }

    let csv = one_row_csv(trip, numeric_names, &numbers)?;
    let table = load_trips_csv("typed trip", &csv, numeric_names)
        .map_err(|e| PredictError::Encode(e.to_string()))?;
    // The row is the trip itself: no duration filter applies, and the target is unused.
    let rows = PreparedRows {
        rows: vec![0],
        duration_min: vec![0.0],
        dropped_by_filter: 0,
        dropped_null: 0,
    };
    let design = model
        .encoder()
        .encode(&table, &rows)
        .map_err(|e| PredictError::Encode(e.to_string()))?;
    model
        .predict_design(&design)
        .first()
        .copied()
        .ok_or_else(|| PredictError::Encode("the encoder produced no row".to_string()))
}

/// The trip as a CSV file with a header and one row. Numbers are written in Rust's
/// shortest round-trip form, so the loader reads back exactly the same `f64`.
fn one_row_csv(
    trip: &TripQuery,
    numeric_names: &[String],
    numbers: &[f64],
) -> Result<Vec<u8>, PredictError> {
    let failed = |e: csv::Error| PredictError::Encode(e.to_string());
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = TRIP_HEADER
        .iter()
        .map(|s| s.to_string())
        .chain(numeric_names.iter().cloned());
    writer.write_record(header).map_err(failed)?;
    let pickup = trip.pickup_time_us.map_or(String::new(), timestamp_text);
    let row = [
        pickup,
        // No dropoff: the duration (the target) is not needed to predict.
        String::new(),
        trip.pickup_location.to_string(),
        trip.dropoff_location.to_string(),
    ]
    .into_iter()
    .chain(numbers.iter().map(|v| v.to_string()));
    writer.write_record(row).map_err(failed)?;
    writer
        .into_inner()
        .map_err(|e| PredictError::Encode(e.to_string()))
}

/// `YYYY-MM-DD HH:MM:SS.ffffff`: the loader's format with the microseconds kept.
fn timestamp_text(micros: i64) -> String {
    format!(
        "{}.{:06}",
        format_timestamp_us(micros),
        micros.rem_euclid(1_000_000)
    )
}
