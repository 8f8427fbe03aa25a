use super::*;
use crate::data::load_trips_csv;
use crate::features::{FeatureSpec, PrepareSpec};
use crate::pipeline::{train_job, TrainRequest, Trained};
use crate::predict::{predict_trip, TripQuery};
use crate::solve::ModelKind;
use crate::trees::TreeParams;

/// Sixty trips over three zone pairs whose durations grow with the distance.
fn table() -> crate::data::TripTable {
    let mut csv =
        String::from("pickup_datetime,dropoff_datetime,PULocationID,DOLocationID,trip_distance\n");
    for i in 0..60 {
        let (pu, distance) = (1 + i % 3, 0.5 + f64::from(i % 7));
        let minutes = 2 + (distance * 3.0) as i64 + i64::from(pu);
        csv.push_str(&format!(
            "2021-01-01 08:00:00,2021-01-01 08:{minutes:02}:00,{pu},{},{distance}\n",
            pu + 1
        ));
    }
    load_trips_csv("trips.csv", csv.as_bytes(), &["trip_distance".to_string()]).expect("csv")
}

fn trained(trees: Option<&TreeParams>) -> Trained {
    let table = table();
    let request = TrainRequest {
        prepare: PrepareSpec::default(),
        features: FeatureSpec::pu_do_distance(),
        kind: ModelKind::Ols,
    };
    let mut steps = Vec::new();
    let trained = train_job(&table, &table, &request, None, trees, &mut |p| {
        steps.push(p)
    })
    .expect("trains");
    assert!(
        steps.windows(2).all(|w| w[0].done <= w[1].done),
        "progress never goes back"
    );
    trained
}

#[test]
fn both_families_round_trip_through_one_reader() {
    let params = TreeParams {
        num_boost_round: 5,
        max_depth: 3,
        ..TreeParams::default()
    };
    for trained in [trained(None), trained(Some(&params))] {
        let model = trained.model().expect("a model");
        let again = SavedModel::from_json(&model.to_json()).expect("reads back");
        assert_eq!(again.family_name(), model.family_name());
        let trip = TripQuery {
            pickup_location: 2,
            dropoff_location: 3,
            pickup_time_us: None,
            numeric: [("trip_distance".to_string(), 3.5)].into_iter().collect(),
        };
        let minutes = predict_trip(&again, &trip).expect("predicts");
        assert_eq!(minutes, predict_trip(&model, &trip).expect("predicts"));
        assert!(minutes > 2.0 && minutes < 30.0, "{minutes}");
    }
}

#[test]
fn a_tree_training_reports_its_rounds_and_its_gains() {
    let params = TreeParams {
        num_boost_round: 4,
        max_depth: 2,
        ..TreeParams::default()
    };
    let trained = trained(Some(&params));
    let summary = trained.summary().expect("summary");
    assert!(
        summary.label.starts_with("gbdt · 4 trees kept"),
        "{}",
        summary.label
    );
    assert_eq!(summary.train_rows, 60);
    let model = trained.model().expect("model");
    assert_eq!(model.family_name(), "gbdt");
    let (measure, bars) = model.largest_effects(3, None);
    assert_eq!(measure, EffectMeasure::TotalGain);
    assert!(!bars.is_empty() && bars.windows(2).all(|w| w[0].value >= w[1].value));
}

#[test]
fn a_file_that_is_no_model_says_so() {
    for text in [
        "",
        "[1,2]",
        r#"{"model":"gbdt"}"#,
        r#"{"format_version":1}"#,
    ] {
        assert!(SavedModel::from_json(text).is_err(), "{text:?}");
    }
}
