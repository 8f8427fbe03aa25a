//! Loading every real sample file, and a clear error (never a panic) for each kind of
//! bad input a user can hand the notebook.

mod common;

use std::sync::Arc;

use arrow_array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use bytes::Bytes;
use flowbook_core::data::{
    format_timestamp_us, inspect_parquet, load_trips, open_trip_file, DataError, FileFormat,
    NullableColumn,
};
use flowbook_core::features::{prepare_rows, FeatureSpec, PrepareSpec};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

const SAMPLES: [&str; 9] = [
    "green_tripdata_2021-01.parquet",
    "green_tripdata_2021-02.parquet",
    "green_tripdata_2021-03.parquet",
    "green_tripdata_2022-01.parquet",
    "green_tripdata_2022-02.parquet",
    "green_tripdata_2022-03.parquet",
    "green_tripdata_2023-01.parquet",
    "green_tripdata_2023-02.parquet",
    "green_tripdata_2023-03.parquet",
];

fn numeric() -> Vec<String> {
    vec!["trip_distance".to_string(), "fare_amount".to_string()]
}

fn write_parquet(columns: Vec<(&str, ArrayRef)>) -> Bytes {
    write_parquet_with(columns, Compression::SNAPPY)
}

fn write_parquet_with(columns: Vec<(&str, ArrayRef)>, compression: Compression) -> Bytes {
    let batch = RecordBatch::try_from_iter(columns).expect("batch");
    let mut out = Vec::new();
    let properties = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(1000))
        .build();
    let mut writer =
        ArrowWriter::try_new(&mut out, batch.schema(), Some(properties)).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    Bytes::from(out)
}

fn times(values: &[i64]) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(values.to_vec()))
}

#[test]
fn every_sample_file_loads_with_its_footer_row_count_and_digest() {
    for name in SAMPLES {
        let bytes = common::read_bytes(name);
        let summary = inspect_parquet(name, bytes.clone()).expect("inspect");
        let table = load_trips(name, bytes, &numeric()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(table.len() as u64, summary.row_count, "{name}");
        assert_eq!(table.sha256_hex, common::sha256_of(name));
        assert_eq!(table.numeric["trip_distance"].len(), table.len());
        let with_duration = (0..table.len())
            .filter(|&i| table.duration_min(i).is_some())
            .count();
        assert_eq!(
            with_duration,
            table.len(),
            "{name}: every trip has both times"
        );
    }
}

#[test]
fn empty_truncated_random_and_csv_bytes_are_refused_by_name() {
    let real = common::read_bytes("green_tripdata_2021-01.parquet");
    let cases: Vec<(&str, Bytes, &str)> = vec![
        ("empty.parquet", Bytes::new(), "the file is empty"),
        (
            "half.parquet",
            real.slice(..real.len() / 2),
            "damaged or truncated",
        ),
        (
            "noise.parquet",
            Bytes::from(
                (0..5000u32)
                    .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                    .collect::<Vec<_>>(),
            ),
            "not a parquet file",
        ),
        (
            "trips.parquet",
            Bytes::from_static(b"VendorID,lpep_pickup_datetime\n2,2021-01-01 00:15:56\n"),
            "not a parquet file",
        ),
    ];
    for (name, bytes, expected) in cases {
        let err = load_trips(name, bytes, &numeric()).unwrap_err().to_string();
        assert!(err.starts_with(name), "{err}");
        assert!(err.contains(expected), "{name}: {err}");
    }
}

#[test]
fn a_footer_claiming_an_absurd_size_is_an_error() {
    let real = common::read_bytes("green_tripdata_2021-02.parquet");
    let mut bytes = real.to_vec();
    let at = bytes.len() - 8;
    bytes[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let err = inspect_parquet("huge.parquet", Bytes::from(bytes)).unwrap_err();
    assert!(matches!(err, DataError::Corrupt { .. }), "{err}");
}

/// What scripts/fuzz.sh found: zero bytes inserted into a page make its levels read as a
/// variable-length integer of more than 10 bytes, which parquet 60.1.0's reader met with a
/// panic (vendor/parquet/FLOWBOOK.md). The file is now refused as damaged, by name.
#[test]
fn a_page_whose_integers_never_end_is_an_error_not_a_panic() {
    let real = common::read_bytes("green_tripdata_2023-02.parquet");
    let mut bytes = real[..500_075].to_vec();
    bytes.extend([0u8; 78]);
    bytes.extend_from_slice(&real[500_075..]);
    let err = load_trips("damaged.parquet", Bytes::from(bytes), &numeric()).unwrap_err();
    assert!(matches!(err, DataError::Corrupt { .. }), "{err}");
    assert!(err.to_string().starts_with("damaged.parquet"), "{err}");
}

#[test]
fn a_parquet_file_without_trip_columns_lists_what_it_has() {
    let bytes = write_parquet(vec![
        (
            "city",
            Arc::new(StringArray::from(vec!["a", "b"])) as ArrayRef,
        ),
        (
            "price",
            Arc::new(Float64Array::from(vec![1.0, 2.0])) as ArrayRef,
        ),
    ]);
    let err = load_trips("houses.parquet", bytes, &numeric())
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing column pickup time"), "{err}");
    assert!(err.contains("this file has: city, price"), "{err}");
}

#[test]
fn times_stored_as_text_get_a_hint() {
    let bytes = write_parquet(vec![
        (
            "lpep_pickup_datetime",
            Arc::new(StringArray::from(vec!["2021-01-01 00:15:56"])) as ArrayRef,
        ),
        ("lpep_dropoff_datetime", times(&[1_609_460_156_000_000])),
        (
            "PULocationID",
            Arc::new(Int64Array::from(vec![43])) as ArrayRef,
        ),
        (
            "DOLocationID",
            Arc::new(Int64Array::from(vec![151])) as ArrayRef,
        ),
        (
            "trip_distance",
            Arc::new(Float64Array::from(vec![1.2])) as ArrayRef,
        ),
        (
            "fare_amount",
            Arc::new(Float64Array::from(vec![5.0])) as ArrayRef,
        ),
    ]);
    let err = load_trips("text-times.parquet", bytes, &numeric())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("column lpep_pickup_datetime has type Utf8"),
        "{err}"
    );
    assert!(err.contains("pd.to_datetime"), "{err}");
}

#[test]
fn nulls_in_key_columns_drop_those_rows_and_say_so() {
    let start = 1_609_460_000_000_000_i64;
    let bytes = write_parquet(vec![
        ("tpep_pickup_datetime", times(&[start, start, start])),
        (
            "tpep_dropoff_datetime",
            times(&[
                start + 600_000_000,
                start + 600_000_000,
                start + 120_000_000,
            ]),
        ),
        (
            "PULocationID",
            Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])) as ArrayRef,
        ),
        (
            "DOLocationID",
            Arc::new(Int64Array::from(vec![Some(2), Some(2), Some(4)])) as ArrayRef,
        ),
        (
            "trip_distance",
            Arc::new(Float64Array::from(vec![Some(1.0), Some(2.0), None])) as ArrayRef,
        ),
        (
            "fare_amount",
            Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0])) as ArrayRef,
        ),
    ]);
    let table = load_trips("yellow.parquet", bytes, &numeric()).expect("yellow layout loads");
    let rows = prepare_rows(
        &table,
        &PrepareSpec::default(),
        &FeatureSpec::pu_do_distance(),
    )
    .expect("prepare");
    assert_eq!(rows.rows, vec![0]);
    assert_eq!(rows.dropped_null, 2);
    assert_eq!(rows.duration_min, vec![10.0]);
}

#[test]
fn fhv_column_names_match_ignoring_case() {
    let start = 1_609_460_000_000_000_i64;
    let bytes = write_parquet(vec![
        (
            "dispatching_base_num",
            Arc::new(StringArray::from(vec!["B00001"])) as ArrayRef,
        ),
        ("pickup_datetime", times(&[start])),
        ("dropOff_datetime", times(&[start + 300_000_000])),
        (
            "PUlocationID",
            Arc::new(Float64Array::from(vec![Some(10.0)])) as ArrayRef,
        ),
        (
            "DOlocationID",
            Arc::new(Float64Array::from(vec![Some(20.0)])) as ArrayRef,
        ),
    ]);
    let table = load_trips("fhv.parquet", bytes, &[]).expect("fhv loads");
    assert_eq!(table.pu_location, vec![Some(10)]);
    assert_eq!(table.do_location, vec![Some(20)]);
    assert_eq!(table.duration_min(0), Some(5.0));
}

#[test]
fn snappy_and_uncompressed_files_with_many_row_groups_round_trip() {
    // Real January trips rewritten with other codecs and 1,000-row groups.
    let real = common::load("green_tripdata_2021-01.parquet", &["trip_distance"]);
    let n = 5_500;
    let head = |column: &NullableColumn<i64>| column.iter().take(n).collect::<Vec<_>>();
    let pickup: Vec<i64> = head(&real.pickup_us)
        .into_iter()
        .map(|v| v.expect("pickup"))
        .collect();
    let dropoff: Vec<i64> = head(&real.dropoff_us)
        .into_iter()
        .map(|v| v.expect("dropoff"))
        .collect();
    let distance: Vec<Option<f64>> = real.numeric["trip_distance"].iter().take(n).collect();
    for compression in [Compression::SNAPPY, Compression::UNCOMPRESSED] {
        let bytes = write_parquet_with(
            vec![
                ("lpep_pickup_datetime", times(&pickup)),
                ("lpep_dropoff_datetime", times(&dropoff)),
                (
                    "PULocationID",
                    Arc::new(Int64Array::from(head(&real.pu_location))) as ArrayRef,
                ),
                (
                    "DOLocationID",
                    Arc::new(Int64Array::from(head(&real.do_location))) as ArrayRef,
                ),
                (
                    "trip_distance",
                    Arc::new(Float64Array::from(distance.clone())) as ArrayRef,
                ),
            ],
            compression,
        );
        let summary = inspect_parquet("rewritten.parquet", bytes.clone()).expect("inspect");
        assert_eq!(summary.row_groups, 6, "{compression:?}");
        let table =
            load_trips("rewritten.parquet", bytes, &["trip_distance".to_string()]).expect("load");
        assert_eq!(table.len(), n);
        assert_eq!(table.pickup_us, head(&real.pickup_us), "{compression:?}");
        assert_eq!(table.pu_location, head(&real.pu_location));
        assert_eq!(table.numeric["trip_distance"], distance);
    }
}

#[test]
fn a_csv_export_of_a_real_month_opens_with_the_same_trips_as_its_parquet() {
    let name = "green_tripdata_2021-01.parquet";
    let parquet = load_trips(name, common::read_bytes(name), &numeric()).expect("parquet");
    let rows = 3_000;
    let mut text =
        String::from("VendorID,lpep_pickup_datetime,lpep_dropoff_datetime,PULocationID,DOLocationID,trip_distance,fare_amount\n");
    let cell = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let number = |v: Option<f64>| v.map(|v| format!("{v:?}")).unwrap_or_default();
    for i in 0..rows {
        let time = |v: Option<i64>| v.map(format_timestamp_us).unwrap_or_default();
        text.push_str(&format!(
            "2,{},{},{},{},{},{}\n",
            time(parquet.pickup_us.get(i)),
            time(parquet.dropoff_us.get(i)),
            cell(parquet.pu_location.get(i)),
            cell(parquet.do_location.get(i)),
            number(parquet.numeric["trip_distance"].get(i)),
            number(parquet.numeric["fare_amount"].get(i)),
        ));
    }
    let bytes = Bytes::from(text.into_bytes());
    let (summary, trips) = open_trip_file("jan.csv", bytes.clone(), &numeric()).expect("csv");
    let trips = trips.expect("trip columns");
    assert_eq!(summary.format, FileFormat::Csv);
    assert_eq!(summary.row_count, rows as u64);
    assert_eq!(summary.columns.len(), 7);
    assert_eq!(summary.columns[1].name, "lpep_pickup_datetime");
    assert_eq!(summary.sha256_hex, trips.sha256_hex);
    let head = |column: &NullableColumn<i64>| column.iter().take(rows).collect::<Vec<_>>();
    assert_eq!(trips.pickup_us, head(&parquet.pickup_us));
    assert_eq!(trips.dropoff_us, head(&parquet.dropoff_us));
    assert_eq!(trips.pu_location, head(&parquet.pu_location));
    assert_eq!(trips.do_location, head(&parquet.do_location));
    for column in numeric() {
        let want: Vec<Option<f64>> = parquet.numeric[&column].iter().take(rows).collect();
        assert_eq!(trips.numeric[&column], want);
    }
    // The same text named .parquet is refused as not parquet, not read as CSV.
    let err = open_trip_file("jan.parquet", bytes, &numeric()).unwrap_err();
    assert!(matches!(err, DataError::NotParquet { .. }), "{err}");
}

#[test]
fn nulls_across_batches_and_row_groups_decode_row_for_row() {
    use arrow_array::{Float32Array, TimestampNanosecondArray, UInt64Array};
    // More rows than one decoding batch (65,536), in 1,000-row groups, with nulls at
    // positions that fall on and beside 64-row bitmap words.
    let n = 70_001;
    let null_at = |i: usize, period: usize| i.is_multiple_of(period) || i % period == 63;
    let pickup: Vec<Option<i64>> = (0..n)
        .map(|i| (!null_at(i, 640)).then_some(1_609_459_200_000_000_000 + i as i64 * 1_000_999))
        .collect();
    let dropoff: Vec<i64> = (0..n).map(|i| 1_609_459_260_000_000 + i as i64).collect();
    let pu: Vec<Option<f64>> = (0..n)
        .map(|i| (!null_at(i, 129)).then_some((i % 265) as f64))
        .collect();
    let dol: Vec<Option<u64>> = (0..n)
        .map(|i| match i {
            _ if null_at(i, 65) => None,
            7 => Some(u64::MAX), // beyond i64: a null, as before
            _ => Some((i % 263) as u64),
        })
        .collect();
    let distance: Vec<Option<f32>> = (0..n)
        .map(|i| match i % 1000 {
            0 => None,
            500 => Some(f32::NAN),
            _ => Some(i as f32 / 8.0),
        })
        .collect();
    let bytes = write_parquet(vec![
        (
            "tpep_pickup_datetime",
            Arc::new(TimestampNanosecondArray::from(pickup.clone())) as ArrayRef,
        ),
        ("tpep_dropoff_datetime", times(&dropoff)),
        (
            "PULocationID",
            Arc::new(Float64Array::from(pu.clone())) as ArrayRef,
        ),
        (
            "DOLocationID",
            Arc::new(UInt64Array::from(dol.clone())) as ArrayRef,
        ),
        (
            "trip_distance",
            Arc::new(Float32Array::from(distance.clone())) as ArrayRef,
        ),
    ]);
    let table = load_trips("nulls.parquet", bytes, &["trip_distance".to_string()]).expect("load");
    assert_eq!(table.len(), n);
    let want_pickup: Vec<Option<i64>> = pickup.iter().map(|v| v.map(|ns| ns / 1000)).collect();
    assert_eq!(table.pickup_us, want_pickup);
    assert_eq!(table.dropoff_us.null_count(), 0);
    assert!(
        table.dropoff_us.validity_words().is_none(),
        "no nulls, no bitmap"
    );
    assert_eq!(
        table.dropoff_us,
        dropoff.iter().copied().map(Some).collect::<Vec<_>>()
    );
    let want_pu: Vec<Option<i64>> = pu.iter().map(|v| v.map(|f| f as i64)).collect();
    assert_eq!(table.pu_location, want_pu);
    let want_do: Vec<Option<i64>> = dol
        .iter()
        .map(|v| v.and_then(|u| i64::try_from(u).ok()))
        .collect();
    assert_eq!(table.do_location, want_do);
    assert_eq!(table.do_location.get(7), None);
    let want_distance: Vec<Option<f64>> = distance
        .iter()
        .map(|v| v.map(f64::from).filter(|d| !d.is_nan()))
        .collect();
    assert_eq!(table.numeric["trip_distance"], want_distance);
    assert_eq!(table.numeric["trip_distance"].null_count(), 2 * 71 - 1);
}

#[test]
fn a_decoded_sample_holds_five_8_byte_columns_and_at_most_a_bit_per_value_besides() {
    for name in [
        "green_tripdata_2021-01.parquet",
        "green_tripdata_2023-03.parquet",
    ] {
        let table = common::load(name, &["trip_distance"]);
        let rows = table.len();
        let slack = 1024;
        assert!(
            table.heap_bytes() <= rows * (8 * 5 + 1) + slack,
            "{name}: {} bytes for {rows} rows",
            table.heap_bytes()
        );
        assert!(table.heap_bytes() >= rows * 8 * 5, "{name}");
        // Filled row by row (as the CSV reader does), then shrunk: the same bound.
        let pushed = rebuilt_row_by_row(&table);
        assert!(
            pushed.heap_bytes() <= rows * (8 * 5 + 1) + slack,
            "{name} via push"
        );
    }
}

/// The table rebuilt row by row with `push`, as the CSV reader fills it.
fn rebuilt_row_by_row(table: &flowbook_core::data::TripTable) -> flowbook_core::data::TripTable {
    let mut copy = table.clone();
    let rebuild = |c: &NullableColumn<i64>| {
        let mut out = NullableColumn::new();
        for v in c.iter() {
            out.push(v);
        }
        out.shrink_to_fit();
        out
    };
    copy.pickup_us = rebuild(&table.pickup_us);
    copy.dropoff_us = rebuild(&table.dropoff_us);
    copy.pu_location = rebuild(&table.pu_location);
    copy.do_location = rebuild(&table.do_location);
    assert_eq!(&copy, table);
    copy
}
