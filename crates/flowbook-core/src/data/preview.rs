//! What the Data cell shows: per-column summaries, the first rows, the duration
//! distribution, and zone names from `taxi_zone_lookup.csv`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{DataError, NullableColumn, TripTable};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSummary {
    pub name: String,
    pub nulls: usize,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
}

fn summarise(name: &str, values: impl Iterator<Item = Option<f64>>) -> ColumnSummary {
    let (mut nulls, mut count, mut sum) = (0usize, 0usize, 0.0);
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for value in values {
        match value {
            Some(v) => {
                count += 1;
                sum += v;
                min = min.min(v);
                max = max.max(v);
            }
            None => nulls += 1,
        }
    }
    ColumnSummary {
        name: name.to_string(),
        nulls,
        min: (count > 0).then_some(min),
        max: (count > 0).then_some(max),
        mean: (count > 0).then(|| sum / count as f64),
    }
}

/// Summaries of the decoded columns; times are summarised as durations in minutes.
pub fn column_summaries(table: &TripTable) -> Vec<ColumnSummary> {
    fn ids(c: &NullableColumn<i64>) -> impl Iterator<Item = Option<f64>> + '_ {
        c.iter().map(|v| v.map(|x| x as f64))
    }
    let mut out = vec![
        summarise(
            "duration (min)",
            (0..table.len()).map(|i| table.duration_min(i)),
        ),
        summarise("PULocationID", ids(&table.pu_location)),
        summarise("DOLocationID", ids(&table.do_location)),
    ];
    for (name, values) in &table.numeric {
        out.push(summarise(name, values.iter()));
    }
    out
}

/// One trip as the preview table shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub pickup: Option<String>,
    pub dropoff: Option<String>,
    pub pu_location: Option<i64>,
    pub do_location: Option<i64>,
    pub trip_distance: Option<f64>,
    pub duration_min: Option<f64>,
}

/// What the Data cell shows of a decoded trip file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripPreview {
    pub trips: usize,
    pub summaries: Vec<ColumnSummary>,
    pub first_rows: Vec<PreviewRow>,
    pub durations: Histogram,
}

/// Summaries, the first `rows` trips and the duration histogram of a decoded file.
pub fn trip_preview(table: &TripTable, rows: usize) -> TripPreview {
    let time =
        |column: &NullableColumn<i64>, i: usize| column.get(i).map(super::format_timestamp_us);
    let first_rows = (0..table.len().min(rows))
        .map(|i| PreviewRow {
            pickup: time(&table.pickup_us, i),
            dropoff: time(&table.dropoff_us, i),
            pu_location: table.pu_location.get(i),
            do_location: table.do_location.get(i),
            trip_distance: table.numeric.get("trip_distance").and_then(|c| c.get(i)),
            duration_min: table.duration_min(i),
        })
        .collect();
    TripPreview {
        trips: table.len(),
        summaries: column_summaries(table),
        first_rows,
        durations: duration_histogram(table),
    }
}

/// Counts per bin of equal width over `[lo, hi)`; values outside are counted apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub lo: f64,
    pub hi: f64,
    pub counts: Vec<u64>,
    pub below: u64,
    pub above: u64,
}

impl Histogram {
    pub fn new(values: impl Iterator<Item = f64>, lo: f64, hi: f64, bins: usize) -> Histogram {
        let bins = bins.max(1);
        let mut histogram = Histogram {
            lo,
            hi,
            counts: vec![0; bins],
            below: 0,
            above: 0,
        };
        let width = (hi - lo) / bins as f64;
        for v in values {
            if v.is_nan() || v < lo {
                histogram.below += 1;
            } else if v >= hi {
                histogram.above += 1;
            } else {
                let bin = (((v - lo) / width) as usize).min(bins - 1);
                histogram.counts[bin] += 1;
            }
        }
        histogram
    }
}

/// Trip durations in minutes, one-minute bins from 0 to 60.
pub fn duration_histogram(table: &TripTable) -> Histogram {
    Histogram::new(
        (0..table.len()).filter_map(|i| table.duration_min(i)),
        0.0,
        60.0,
        60,
    )
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    pub borough: String,
    pub zone: String,
    pub service_zone: String,
}

/// `taxi_zone_lookup.csv`: LocationID → borough and zone name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ZoneLookup {
    pub zones: BTreeMap<i64, Zone>,
}

impl ZoneLookup {
    pub fn parse_csv(file_name: &str, bytes: &[u8]) -> Result<ZoneLookup, DataError> {
        let mut reader = csv::Reader::from_reader(bytes);
        let invalid = |detail: String| DataError::Invalid {
            file: file_name.to_string(),
            detail,
        };
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| invalid(format!("cannot read the header: {e}")))?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let at = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| invalid(format!("the zone table needs a {name} column")))
        };
        let (id, borough, zone, service) = (
            at("locationid")?,
            at("borough")?,
            at("zone")?,
            at("service_zone")?,
        );
        let mut zones = BTreeMap::new();
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(|e| invalid(format!("row {}: {e}", line + 2)))?;
            let field = |i: usize| record.get(i).unwrap_or("").trim().to_string();
            let Ok(location) = field(id).parse::<i64>() else {
                return Err(invalid(format!(
                    "row {}: LocationID {:?} is not a number",
                    line + 2,
                    field(id)
                )));
            };
            zones.insert(
                location,
                Zone {
                    borough: field(borough),
                    zone: field(zone),
                    service_zone: field(service),
                },
            );
        }
        Ok(ZoneLookup { zones })
    }

    /// "Zone (Borough)" for an ID, or the ID itself when it is not in the table.
    /// `label` when a zone table is loaded, else "zone N".
    pub fn label_in(zones: Option<&ZoneLookup>, location: i64) -> String {
        zones.map_or_else(|| format!("zone {location}"), |z| z.label(location))
    }

    pub fn label(&self, location: i64) -> String {
        match self.zones.get(&location) {
            Some(z) => format!("{} ({})", z.zone, z.borough),
            None => format!("zone {location}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_counts_and_edges() {
        let h = Histogram::new(
            [0.5, 1.0, 59.9, 60.0, -1.0, f64::NAN].into_iter(),
            0.0,
            60.0,
            60,
        );
        assert_eq!(h.counts[0], 1);
        assert_eq!(h.counts[1], 1);
        assert_eq!(h.counts[59], 1);
        assert_eq!((h.below, h.above), (2, 1));
    }

    #[test]
    fn zone_lookup_reads_the_tlc_table() {
        let path = format!(
            "{}/../../../shared/data/taxi_zone_lookup.csv",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(path).expect("zone table");
        let lookup = ZoneLookup::parse_csv("taxi_zone_lookup.csv", &bytes).expect("parse");
        assert_eq!(lookup.zones.len(), 265);
        assert_eq!(lookup.label(132), "JFK Airport (Queens)");
        assert_eq!(lookup.label(999), "zone 999");
        let err = ZoneLookup::parse_csv("z.csv", b"id,name\n1,a\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs a locationid column"), "{err}");
    }
}
