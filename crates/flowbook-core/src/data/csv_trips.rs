//! Trip files as CSV with a header (older course material uses CSV): the same columns as
//! parquet, times as `YYYY-MM-DD HH:MM:SS` text.

use std::collections::BTreeMap;

use super::columns::{locate_columns, ColumnPositions};
use super::inspect::{ColumnInfo, FileFormat, FileSummary, OpenedFile};
use super::{sha256_hex, DataError, NullableColumn, TripTable};

/// Microseconds since the epoch for `YYYY-MM-DD HH:MM:SS[.ffffff]` (a `T` may separate).
pub fn parse_timestamp_us(text: &str) -> Option<i64> {
    // Each part is plain digits: a sign (`-5`) or a huge number would slip past the range
    // checks below or overflow the arithmetic.
    fn digits(part: &str, most: usize) -> Option<i64> {
        if part.is_empty() || part.len() > most || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    }
    let text = text.trim();
    let (date, time) = text.split_once([' ', 'T']).unwrap_or((text, "00:00:00"));
    let mut date_parts = date.splitn(3, '-');
    let year = digits(date_parts.next()?, 4)?;
    let month = digits(date_parts.next()?, 2)?;
    let day = digits(date_parts.next()?, 2)?;
    // Years outside 1..=9999 are typos, and far ones would overflow the microseconds.
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut clock_parts = clock.splitn(3, ':');
    let hour = digits(clock_parts.next()?, 2)?;
    let minute = digits(clock_parts.next()?, 2)?;
    let second = digits(clock_parts.next().unwrap_or("0"), 2)?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let micros: i64 = if fraction.is_empty() {
        0
    } else {
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let first_six: String = fraction.chars().take(6).collect();
        format!("{first_six:0<6}").parse().ok()?
    };
    Some(
        ((days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60_000_000
            + second * 1_000_000
            + micros,
    )
}

/// `YYYY-MM-DD HH:MM:SS` for microseconds since the epoch (the inverse of the parser).
pub fn format_timestamp_us(us: i64) -> String {
    let seconds = us.div_euclid(1_000_000);
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn load_trips_csv(
    file_name: &str,
    bytes: &[u8],
    numeric: &[String],
) -> Result<TripTable, DataError> {
    load_trips_csv_with_digest(file_name, bytes, numeric, sha256_hex(bytes))
}

/// A CSV file's summary (header columns as text, data rows) and its trips.
pub(crate) fn open_csv_trip_file(
    file_name: &str,
    bytes: &[u8],
    numeric: &[String],
) -> Result<OpenedFile, DataError> {
    if bytes.is_empty() {
        return Err(DataError::Empty {
            file: file_name.to_string(),
        });
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let columns = header_names(file_name, &mut reader)?
        .into_iter()
        .map(|name| ColumnInfo {
            name,
            arrow_type: "text".to_string(),
            nullable: true,
        })
        .collect();
    let digest = sha256_hex(bytes);
    let trips = load_trips_csv_with_digest(file_name, bytes, numeric, digest.clone());
    let row_count = match &trips {
        Ok(table) => table.len() as u64,
        Err(_) => reader.records().count() as u64,
    };
    let summary = FileSummary {
        file_name: file_name.to_string(),
        format: FileFormat::Csv,
        size_bytes: bytes.len() as u64,
        sha256_hex: digest,
        row_count,
        row_groups: 1,
        columns,
    };
    Ok((summary, trips))
}

/// The header's column names, trimmed.
fn header_names(
    file_name: &str,
    reader: &mut csv::Reader<&[u8]>,
) -> Result<Vec<String>, DataError> {
    Ok(reader
        .headers()
        .map_err(|e| DataError::Invalid {
            file: file_name.to_string(),
            detail: format!("cannot read the CSV header: {e}"),
        })?
        .iter()
        .map(|s| s.trim().to_string())
        .collect())
}

fn load_trips_csv_with_digest(
    file_name: &str,
    bytes: &[u8],
    numeric: &[String],
    digest: String,
) -> Result<TripTable, DataError> {
    if bytes.is_empty() {
        return Err(DataError::Empty {
            file: file_name.to_string(),
        });
    }
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let names = header_names(file_name, &mut reader)?;
    let ColumnPositions {
        trip,
        numeric: numeric_at,
    } = locate_columns(file_name, &names, numeric)?;
    let mut table = TripTable {
        file_name: file_name.to_string(),
        size_bytes: bytes.len() as u64,
        sha256_hex: digest,
        pickup_us: NullableColumn::new(),
        dropoff_us: NullableColumn::new(),
        pu_location: NullableColumn::new(),
        do_location: NullableColumn::new(),
        numeric: BTreeMap::new(),
    };
    let mut numeric_values: Vec<NullableColumn<f64>> =
        numeric.iter().map(|_| NullableColumn::new()).collect();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| DataError::Invalid {
            file: file_name.to_string(),
            detail: format!("CSV row {}: {e}", line + 2),
        })?;
        let field = |i: usize| record.get(i).map(str::trim).filter(|s| !s.is_empty());
        let time = |i: usize| -> Result<Option<i64>, DataError> {
            match field(i) {
                None => Ok(None),
                Some(text) => {
                    parse_timestamp_us(text)
                        .map(Some)
                        .ok_or_else(|| DataError::Invalid {
                            file: file_name.to_string(),
                            detail: format!(
                        "CSV row {}: {:?} in column {} is not a time like 2021-01-01 00:15:56",
                        line + 2,
                        text,
                        names.get(i).map(String::as_str).unwrap_or("?")
                    ),
                        })
                }
            }
        };
        let id = |i: usize| -> Option<i64> {
            let text = field(i)?;
            text.parse::<i64>().ok().or_else(|| {
                text.parse::<f64>()
                    .ok()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
        };
        table.pickup_us.push(time(trip[0])?);
        table.dropoff_us.push(time(trip[1])?);
        table.pu_location.push(id(trip[2]));
        table.do_location.push(id(trip[3]));
        for (values, &i) in numeric_values.iter_mut().zip(&numeric_at) {
            values.push(
                field(i)
                    .and_then(|t| t.parse::<f64>().ok())
                    .filter(|v| !v.is_nan()),
            );
        }
    }
    table.numeric = numeric.iter().cloned().zip(numeric_values).collect();
    // Rows were pushed one by one: give back what the vectors' doubling left spare.
    table.shrink_to_fit();
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_match_the_calendar() {
        assert_eq!(parse_timestamp_us("1970-01-01 00:00:00"), Some(0));
        // 2021-01-01 00:15:56 UTC = 1609460156 s.
        assert_eq!(
            parse_timestamp_us("2021-01-01 00:15:56"),
            Some(1_609_460_156_000_000)
        );
        assert_eq!(
            parse_timestamp_us("2024-02-29T12:00:00.5"),
            Some(1_709_208_000_500_000)
        );
        assert_eq!(parse_timestamp_us("yesterday"), None);
        for text in [
            "1970-01-01 00:00:00",
            "2021-01-01 00:15:56",
            "2024-02-29 23:59:59",
            "1969-12-31 23:00:00",
        ] {
            let us = parse_timestamp_us(text).expect("parse");
            assert_eq!(format_timestamp_us(us), text);
        }
        assert_eq!(parse_timestamp_us("2021-13-01 00:00:00"), None);
        assert_eq!(parse_timestamp_us("300000-01-01 00:00:00"), None);
        assert_eq!(parse_timestamp_us("-5-01-01 00:00:00"), None);
        // Signs and overlong numbers in the clock were accepted (or overflowed) before.
        for text in [
            "2021-01-01 -5:00:00",
            "2021-01-01 10:-30:00",
            "2021-01-01 10:30:-1",
            "2021-01-01 -9223372036854775808:00:00",
            "2021-01-01 10:30:00.-5",
            "2021-01-+1 10:30:00",
            "2021-01-01 010:30:00",
        ] {
            assert_eq!(parse_timestamp_us(text), None, "{text}");
        }
    }

    #[test]
    fn csv_trips_load_and_bad_times_are_named() {
        let text = "VendorID,lpep_pickup_datetime,lpep_dropoff_datetime,PULocationID,DOLocationID,trip_distance\n\
                    2,2021-01-01 00:15:56,2021-01-01 00:19:52,43,151,1.01\n\
                    2,2021-01-01 00:25:59,2021-01-01 00:34:44,166,239,\n";
        let table = load_trips_csv("jan.csv", text.as_bytes(), &["trip_distance".to_string()])
            .expect("csv");
        assert_eq!(table.len(), 2);
        assert_eq!(table.pu_location, vec![Some(43), Some(166)]);
        assert_eq!(table.numeric["trip_distance"], vec![Some(1.01), None]);
        let minutes = table.duration_min(0).expect("duration");
        assert!((minutes - 236.0 / 60.0).abs() < 1e-12);
        let bad = text.replace("2021-01-01 00:25:59", "soon");
        let err = load_trips_csv("jan.csv", bad.as_bytes(), &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("CSV row 3") && err.contains("\"soon\""),
            "{err}"
        );
    }
}
