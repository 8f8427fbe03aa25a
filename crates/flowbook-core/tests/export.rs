//! MLflow Model export on real months: trains Flowbook models, checks the ONNX bytes
//! structurally, and writes each model directory with the rows it must reproduce to
//! target/mlflow-model-test/<case>/ ({model/, rows.csv}), where
//! tests/mlflow_model/check_models.py loads them with MLflow and compares predictions
//! (scripts/mlflow_model_test.sh runs both).

mod common;
#[path = "support/protobuf_read.rs"]
mod protobuf_read;

use std::fmt::Write as _;
use std::path::PathBuf;

use flowbook_core::data::{NullableColumn, TripTable};
use flowbook_core::export::{
    mlflow_model_files, model_inputs, onnx_model_bytes, ExportError, Exportable, InputKind,
    ModelInput, MLMODEL_FILE, ONNX_FILE, OUTPUT_NAME,
};
use flowbook_core::features::{prepare_rows, Categorical, FeatureSpec, PrepareSpec, PreparedRows};
use flowbook_core::model::{LinearModel, TripModel};
use flowbook_core::pipeline::PreparedTraining;
use flowbook_core::solve::ModelKind;
use protobuf_read::{read_fields, Field};

const TRAIN: &str = "green_tripdata_2021-01.parquet";
const VALIDATION: &str = "green_tripdata_2021-02.parquet";

/// Where the cases go: `$CARGO_TARGET_DIR` (relative to the workspace, where the check
/// script runs cargo) or the workspace's target/.
fn cases_root() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                workspace.join(dir)
            }
        })
        .unwrap_or_else(|| workspace.join("target"));
    target.join("mlflow-model-test")
}

fn train_model(
    train: &TripTable,
    validation: &TripTable,
    spec: &FeatureSpec,
    kind: ModelKind,
) -> LinearModel {
    let prepared =
        PreparedTraining::new(train, validation, &PrepareSpec::default(), spec).expect("prepare");
    prepared.train(kind).expect("train").model
}

/// The input columns of some rows, with Flowbook's prediction for each.
#[derive(Default)]
struct Rows {
    pickup_location: Vec<i64>,
    dropoff_location: Vec<i64>,
    pickup_us: Vec<i64>,
    numeric: Vec<Vec<f64>>,
    flowbook: Vec<f64>,
}

/// The validation rows Flowbook keeps (default filters), as a user's frame holds them.
fn validation_rows(model: &dyn TripModel, validation: &TripTable) -> Rows {
    let spec = &model.encoder().spec;
    let kept = prepare_rows(validation, &PrepareSpec::default(), spec).expect("prepare");
    rows_of(model, validation, &kept)
}

fn rows_of(model: &dyn TripModel, table: &TripTable, kept: &PreparedRows) -> Rows {
    let design = model.encoder().encode(table, kept).expect("encode");
    let at = |column: &NullableColumn<i64>, i: u32| column.get(i as usize).unwrap_or_default();
    Rows {
        pickup_location: kept
            .rows
            .iter()
            .map(|&i| at(&table.pu_location, i))
            .collect(),
        dropoff_location: kept
            .rows
            .iter()
            .map(|&i| at(&table.do_location, i))
            .collect(),
        pickup_us: kept.rows.iter().map(|&i| at(&table.pickup_us, i)).collect(),
        numeric: kept
            .rows
            .iter()
            .map(|&i| {
                spec_numeric(model)
                    .iter()
                    .map(|name| table.numeric[name].get(i as usize).unwrap_or(f64::NAN))
                    .collect()
            })
            .collect(),
        flowbook: model.predict_design(&design),
    }
}

fn spec_numeric(model: &dyn TripModel) -> &[String] {
    &model.encoder().spec.numerical
}

/// Rows with zones never seen in training, IDs outside TLC's range (including pairs
/// whose naive key would equal a seen pair's, e.g. 0 and 74075 for 74_75), pickup
/// times before 1970 and extreme distances; predicted by Flowbook's own encoder.
fn unusual_rows(model: &dyn TripModel) -> Rows {
    let zones_pu = [0, 1, 7, 74, 75, 264, 999, 1000, -5, 4_000_000_000];
    let zones_do = [0, 74, 75, 236, 999, 1234, -925, 74075];
    let times = [
        -1,
        0,
        1_611_000_000_123_456,
        1_612_137_599_999_999,
        -86_400_000_001,
    ];
    let numbers = [0.0, 0.5, 2.7, 13.1, 120.0, 1.0e5, -2.5];
    let mut table = TripTable {
        file_name: "unusual rows".to_string(),
        size_bytes: 0,
        sha256_hex: String::new(),
        pickup_us: NullableColumn::new(),
        dropoff_us: NullableColumn::new(),
        pu_location: NullableColumn::new(),
        do_location: NullableColumn::new(),
        numeric: Default::default(),
    };
    let mut row = 0;
    for &pu in &zones_pu {
        for &dol in &zones_do {
            let time = times[row % times.len()];
            table.pickup_us.push(Some(time));
            table.dropoff_us.push(Some(time + 600_000_000));
            table.pu_location.push(Some(pu));
            table.do_location.push(Some(dol));
            for (j, name) in spec_numeric(model).iter().enumerate() {
                let value = numbers[(row + j) % numbers.len()];
                table
                    .numeric
                    .entry(name.clone())
                    .or_default()
                    .push(Some(value));
            }
            row += 1;
        }
    }
    let kept = PreparedRows {
        rows: (0..row as u32).collect(),
        duration_min: vec![10.0; row],
        dropped_by_filter: 0,
        dropped_null: 0,
    };
    rows_of(model, &table, &kept)
}

/// rows.csv: the model's input columns, then `flowbook_duration`. Numbers are printed
/// in Rust's shortest round-trip form, so a reader parsing them exactly gets the same
/// doubles Flowbook used.
fn rows_csv(inputs: &[ModelInput], model: &dyn TripModel, parts: &[Rows]) -> String {
    let mut csv: Vec<String> = inputs.iter().map(|input| input.name.clone()).collect();
    csv.push("flowbook_duration".to_string());
    let mut text = csv.join(",") + "\n";
    for rows in parts {
        for i in 0..rows.flowbook.len() {
            for input in inputs {
                let cell = match (input.kind, input.name.as_str()) {
                    (InputKind::ZoneId, "PULocationID") => rows.pickup_location[i].to_string(),
                    (InputKind::ZoneId, _) => rows.dropoff_location[i].to_string(),
                    (InputKind::PickupTimeMicros, _) => rows.pickup_us[i].to_string(),
                    (InputKind::Number, name) => {
                        let j = spec_numeric(model)
                            .iter()
                            .position(|n| n == name)
                            .expect("numeric");
                        rows.numeric[i][j].to_string()
                    }
                };
                write!(text, "{cell},").expect("write");
            }
            writeln!(text, "{}", rows.flowbook[i]).expect("write");
        }
    }
    text
}

/// Writes `<root>/<case>/model/*` and `<root>/<case>/rows.csv`.
fn write_case<M: Exportable>(case: &str, model: &M, validation: &TripTable) {
    let dir = cases_root().join(case);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("clear case directory");
    }
    let model_dir = dir.join("model");
    std::fs::create_dir_all(&model_dir).expect("create case directory");
    for file in mlflow_model_files(model).expect("export") {
        std::fs::write(model_dir.join(&file.path), &file.bytes).expect("write model file");
    }
    let inputs = model_inputs(model).expect("inputs");
    let parts = [validation_rows(model, validation), unusual_rows(model)];
    assert!(parts[0].flowbook.len() > 10_000, "too few validation rows");
    std::fs::write(dir.join("rows.csv"), rows_csv(&inputs, model, &parts)).expect("write rows");
}

fn fields_numbered<'a>(fields: &[Field<'a>], number: u64) -> Vec<Field<'a>> {
    fields
        .iter()
        .copied()
        .filter(|f| f.number == number)
        .collect()
}

fn names_of(value_infos: &[Field<'_>]) -> Vec<String> {
    value_infos
        .iter()
        .map(|info| {
            let fields = read_fields(info.as_bytes().expect("value info")).expect("decode");
            fields_numbered(&fields, 1)[0]
                .as_str()
                .expect("name")
                .to_string()
        })
        .collect()
}

/// Decodes the ONNX bytes with the crate's own protobuf reader and checks the model's
/// shape: versions, inputs, output, one LabelEncoder per categorical feature holding
/// exactly the model's coefficients.
fn assert_onnx_structure(model: &LinearModel) {
    let bytes = onnx_model_bytes(model).expect("export");
    let top = read_fields(&bytes).expect("ModelProto");
    assert_eq!(fields_numbered(&top, 1)[0].as_int(), Some(10), "ir_version");
    let opsets: Vec<(String, i64)> = fields_numbered(&top, 8)
        .iter()
        .map(|f| {
            let opset = read_fields(f.as_bytes().expect("opset")).expect("decode");
            let domain = fields_numbered(&opset, 1)[0]
                .as_str()
                .unwrap_or("")
                .to_string();
            (
                domain,
                fields_numbered(&opset, 2)[0].as_int().expect("version"),
            )
        })
        .collect();
    assert_eq!(
        opsets,
        [("".to_string(), 21), ("ai.onnx.ml".to_string(), 4)]
    );
    let graph = read_fields(fields_numbered(&top, 7)[0].as_bytes().expect("graph")).expect("graph");
    let expected_inputs: Vec<String> = model_inputs(model)
        .expect("inputs")
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names_of(&fields_numbered(&graph, 11)), expected_inputs);
    assert_eq!(names_of(&fields_numbered(&graph, 12)), [OUTPUT_NAME]);

    let layout = model.layout();
    let mut encoders = 0;
    for node in fields_numbered(&graph, 1) {
        let node = read_fields(node.as_bytes().expect("node")).expect("node");
        if fields_numbered(&node, 4)[0].as_str() != Some("LabelEncoder") {
            continue;
        }
        let block = encoders;
        encoders += 1;
        let offset = layout.block_offset(block);
        let coefficients = &model.coefficients[offset..offset + layout.block_sizes[block]];
        for attribute in fields_numbered(&node, 5) {
            let attribute = read_fields(attribute.as_bytes().expect("attr")).expect("attr");
            if fields_numbered(&attribute, 1)[0].as_str() != Some("values_tensor") {
                continue;
            }
            let tensor = read_fields(fields_numbered(&attribute, 5)[0].as_bytes().expect("t"))
                .expect("tensor");
            assert_eq!(
                fields_numbered(&tensor, 2)[0].as_int(),
                Some(11),
                "double values"
            );
            let raw = fields_numbered(&tensor, 9)[0].as_bytes().expect("raw_data");
            let values: Vec<f64> = raw
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect();
            assert_eq!(values, coefficients, "block {block} coefficients");
        }
    }
    assert_eq!(encoders, model.encoder.vocabularies.len());
}

fn load_months(numeric: &[&str]) -> (TripTable, TripTable) {
    (
        common::load(TRAIN, numeric),
        common::load(VALIDATION, numeric),
    )
}

fn spec(categorical: &[Categorical], numerical: &[&str]) -> FeatureSpec {
    FeatureSpec {
        categorical: categorical.to_vec(),
        numerical: numerical.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn pu_do_and_distance_ols_exports() {
    let (train, validation) = load_months(&["trip_distance"]);
    let model = train_model(
        &train,
        &validation,
        &FeatureSpec::pu_do_distance(),
        ModelKind::Ols,
    );
    assert_onnx_structure(&model);
    write_case("pu_do_distance_ols", &model, &validation);
}

#[test]
fn zones_and_distance_ridge_exports() {
    let (train, validation) = load_months(&["trip_distance"]);
    let features = spec(
        &[Categorical::PickupLocation, Categorical::DropoffLocation],
        &["trip_distance"],
    );
    let model = train_model(
        &train,
        &validation,
        &features,
        ModelKind::Ridge { alpha: 1.0 },
    );
    assert_onnx_structure(&model);
    write_case("zones_distance_ridge", &model, &validation);
}

/// Training without any trip from zone 74 (green's busiest pickup zone), so that many
/// validation rows carry a pickup zone and zone pairs the model never saw; with the
/// pickup time features and two numbers.
#[test]
fn model_with_categories_unseen_in_training_exports() {
    const LEFT_OUT_ZONE: i64 = 74;
    let (train, validation) = load_months(&["trip_distance", "fare_amount"]);
    let train = without_pickup_zone(&train, LEFT_OUT_ZONE);
    let features = spec(
        &[
            Categorical::PickupDropoffPair,
            Categorical::PickupLocation,
            Categorical::PickupHour,
            Categorical::PickupWeekday,
        ],
        &["trip_distance", "fare_amount"],
    );
    let model = train_model(
        &train,
        &validation,
        &features,
        ModelKind::Ridge { alpha: 0.1 },
    );
    let pickup_zones = &model.encoder.vocabularies[1];
    assert!(pickup_zones
        .keys
        .iter()
        .all(|&(zone, _)| zone != LEFT_OUT_ZONE));
    let unseen = validation
        .pu_location
        .iter()
        .filter(|&zone| zone == Some(LEFT_OUT_ZONE))
        .count();
    assert!(
        unseen > 1_000,
        "only {unseen} validation trips from zone {LEFT_OUT_ZONE}"
    );
    assert_onnx_structure(&model);
    write_case("unseen_zone_time_ridge", &model, &validation);
}

/// A model with one input column: MLflow then feeds the frame as a 2-D array.
#[test]
fn single_input_model_exports() {
    let (train, validation) = load_months(&[]);
    let features = spec(&[Categorical::PickupLocation], &[]);
    let model = train_model(&train, &validation, &features, ModelKind::Ols);
    assert_eq!(model_inputs(&model).expect("inputs").len(), 1);
    assert_onnx_structure(&model);
    write_case("pickup_zone_only_ols", &model, &validation);
}

#[test]
fn model_directory_lists_the_files_mlflow_reads() {
    let (train, validation) = load_months(&["trip_distance"]);
    let model = train_model(
        &train,
        &validation,
        &FeatureSpec::pu_do_distance(),
        ModelKind::Ols,
    );
    let files = mlflow_model_files(&model).expect("export");
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for wanted in [
        MLMODEL_FILE,
        ONNX_FILE,
        "conda.yaml",
        "python_env.yaml",
        "requirements.txt",
    ] {
        assert!(paths.contains(&wanted), "{wanted} missing from {paths:?}");
    }
    let mlmodel = String::from_utf8(files[0].bytes.clone()).expect("utf-8");
    assert!(mlmodel.contains("loader_module: mlflow.onnx"));
    assert!(
        mlmodel.contains(r#"\"name\":\"PULocationID\""#),
        "{mlmodel}"
    );
    assert_eq!(
        mlflow_model_files(&model).expect("export again"),
        files,
        "not deterministic"
    );
}

#[test]
fn models_that_cannot_be_exported_say_why() {
    let (train, validation) = load_months(&["trip_distance"]);
    let model = train_model(
        &train,
        &validation,
        &FeatureSpec::pu_do_distance(),
        ModelKind::Ols,
    );

    let mut clash = model.clone();
    clash.encoder.spec.numerical = vec![OUTPUT_NAME.to_string()];
    let err = mlflow_model_files(&clash).unwrap_err();
    assert!(matches!(err, ExportError::NameClash { .. }), "{err}");

    let mut far_zone = model.clone();
    far_zone.encoder.vocabularies[0].keys.push((1000, 1));
    far_zone
        .coefficients
        .insert(far_zone.layout().numeric_offset() - 1, 0.5);
    let err = mlflow_model_files(&far_zone).unwrap_err();
    assert!(
        matches!(err, ExportError::ZonePairOutOfRange { pickup: 1000, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("1000_1"), "{err}");

    let mut broken = model.clone();
    broken.coefficients[0] = f64::NAN;
    let err = mlflow_model_files(&broken).unwrap_err();
    assert!(err.to_string().contains("PU_DO="), "{err}");

    let mut short = model.clone();
    short.coefficients.pop();
    assert!(matches!(
        mlflow_model_files(&short),
        Err(ExportError::Inconsistent(_))
    ));

    let mut empty = model;
    empty.encoder.vocabularies.clear();
    empty.encoder.spec.numerical.clear();
    empty.coefficients.clear();
    assert_eq!(mlflow_model_files(&empty), Err(ExportError::NoFeatures));
}

fn without_pickup_zone(table: &TripTable, zone: i64) -> TripTable {
    let keep: Vec<usize> = (0..table.len())
        .filter(|&i| table.pu_location.get(i) != Some(zone))
        .collect();
    let pick = |column: &NullableColumn<i64>| column.take(&keep);
    TripTable {
        file_name: format!("{} without pickup zone {zone}", table.file_name),
        size_bytes: table.size_bytes,
        sha256_hex: table.sha256_hex.clone(),
        pickup_us: pick(&table.pickup_us),
        dropoff_us: pick(&table.dropoff_us),
        pu_location: pick(&table.pu_location),
        do_location: pick(&table.do_location),
        numeric: table
            .numeric
            .iter()
            .map(|(name, column)| (name.clone(), column.take(&keep)))
            .collect(),
    }
}

/// Gradient-boosted trees as an MLflow model: the TreeEnsembleRegressor must predict
/// Flowbook's durations on the whole validation month, unseen zones included
/// (checked by tests/mlflow_model/check_models.py).
#[test]
fn gradient_boosted_trees_export() {
    let (train, validation) = load_months(&["trip_distance"]);
    let params = flowbook_core::trees::TreeParams {
        num_boost_round: 40,
        max_depth: 10,
        learning_rate: 0.2,
        ..Default::default()
    };
    let report = common::boost(&train, &validation, &params);
    let model = report.model;
    let bytes = onnx_model_bytes(&model).expect("export");
    let graph_text = String::from_utf8_lossy(&bytes);
    assert!(graph_text.contains("TreeEnsembleRegressor"));
    assert!(graph_text.contains("BRANCH_EQ") && graph_text.contains("BRANCH_LT"));
    let files = mlflow_model_files(&model).expect("files");
    let mlmodel = files
        .iter()
        .find(|f| f.path == MLMODEL_FILE)
        .expect("MLmodel");
    let mlmodel = String::from_utf8_lossy(&mlmodel.bytes);
    assert!(
        mlmodel.contains("flowbook_model: \"gbdt 40 trees max_depth=10"),
        "{mlmodel}"
    );
    write_case("pu_do_distance_gbdt", &model, &validation);
}
