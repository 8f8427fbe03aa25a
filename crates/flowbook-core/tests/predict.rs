//! A trip typed in by hand is predicted exactly like the same row of a file.

mod common;

use std::collections::BTreeMap;

use flowbook_core::data::TripTable;
use flowbook_core::features::{prepare_rows, Categorical, FeatureSpec, PrepareSpec};
use flowbook_core::model::LinearModel;
use flowbook_core::pipeline::{train, TrainRequest};
use flowbook_core::predict::{predict_trip, PredictError, TripQuery};
use flowbook_core::solve::ModelKind;

const ROWS_CHECKED: usize = 500;

fn trained(categorical: Vec<Categorical>, kind: ModelKind) -> (LinearModel, TripTable) {
    let jan = common::load("green_tripdata_2021-01.parquet", &["trip_distance"]);
    let feb = common::load("green_tripdata_2021-02.parquet", &["trip_distance"]);
    let request = TrainRequest {
        prepare: PrepareSpec::default(),
        features: FeatureSpec {
            categorical,
            numerical: vec!["trip_distance".to_string()],
        },
        kind,
    };
    let report = train(&jan, &feb, &request).unwrap_or_else(|e| panic!("{e}"));
    (report.model, feb)
}

fn query(table: &TripTable, i: usize) -> TripQuery {
    let distance = table.numeric["trip_distance"].get(i).expect("prepared row");
    TripQuery {
        pickup_location: table.pu_location.get(i).expect("prepared row"),
        dropoff_location: table.do_location.get(i).expect("prepared row"),
        pickup_time_us: table.pickup_us.get(i),
        numeric: BTreeMap::from([("trip_distance".to_string(), distance)]),
    }
}

/// `ROWS_CHECKED` validation rows spread over the file: predict_trip must give the
/// batch prediction's exact bits for each.
fn assert_matches_batch(model: &LinearModel, table: &TripTable) -> usize {
    let rows = prepare_rows(table, &PrepareSpec::default(), &model.encoder.spec).expect("rows");
    let batch = model.predict(&model.encoder.encode(table, &rows).expect("encode"));
    let step = (rows.rows.len() / ROWS_CHECKED).max(1);
    let mut checked = 0;
    for (position, &row) in rows
        .rows
        .iter()
        .enumerate()
        .step_by(step)
        .take(ROWS_CHECKED)
    {
        let single = predict_trip(model, &query(table, row as usize)).expect("predict");
        assert_eq!(
            single.to_bits(),
            batch[position].to_bits(),
            "row {row}: {single} vs batch {}",
            batch[position]
        );
        checked += 1;
    }
    checked
}

#[test]
fn typed_trips_predict_what_the_batch_predicts_bit_for_bit() {
    let (ols, feb) = trained(vec![Categorical::PickupDropoffPair], ModelKind::Ols);
    assert_eq!(assert_matches_batch(&ols, &feb), ROWS_CHECKED);

    // Separate zones plus the pickup hour and weekday, regularised: the time features go
    // through the same text round trip.
    let (ridge, feb) = trained(
        vec![
            Categorical::PickupLocation,
            Categorical::DropoffLocation,
            Categorical::PickupHour,
            Categorical::PickupWeekday,
        ],
        ModelKind::Ridge { alpha: 1.0 },
    );
    assert_eq!(assert_matches_batch(&ridge, &feb), ROWS_CHECKED);

    // A model read back from its file predicts the same.
    let reloaded = LinearModel::from_json(&ridge.to_json()).expect("model file");
    assert_eq!(assert_matches_batch(&reloaded, &feb), ROWS_CHECKED);
}

#[test]
fn unseen_zones_contribute_nothing_and_missing_inputs_are_named() {
    let (ols, _) = trained(vec![Categorical::PickupDropoffPair], ModelKind::Ols);
    let distance_column = ols.coefficients.len() - 1;
    let trip = TripQuery {
        pickup_location: 9_999,
        dropoff_location: 9_998,
        pickup_time_us: None,
        numeric: BTreeMap::from([("trip_distance".to_string(), 2.0)]),
    };
    let expected = ols.intercept + ols.coefficients[distance_column] * 2.0;
    assert_eq!(predict_trip(&ols, &trip).expect("unseen pair"), expected);

    let no_distance = TripQuery {
        numeric: BTreeMap::new(),
        ..trip.clone()
    };
    let error = predict_trip(&ols, &no_distance).unwrap_err();
    assert!(matches!(error, PredictError::MissingNumber { .. }));
    assert!(error.to_string().contains("trip_distance"), "{error}");

    let not_a_number = TripQuery {
        numeric: BTreeMap::from([("trip_distance".to_string(), f64::NAN)]),
        ..trip.clone()
    };
    assert!(matches!(
        predict_trip(&ols, &not_a_number),
        Err(PredictError::NotFinite { .. })
    ));

    let (timed, _) = trained(vec![Categorical::PickupHour], ModelKind::Ols);
    let error = predict_trip(&timed, &trip).unwrap_err();
    assert!(
        error.to_string().contains("pickup_hour") && error.to_string().contains("pickup time"),
        "{error}"
    );
    let far_future = TripQuery {
        pickup_time_us: Some(i64::MAX / 2),
        ..trip
    };
    assert!(matches!(
        predict_trip(&timed, &far_future),
        Err(PredictError::PickupTimeOutOfRange { .. })
    ));
}
