//! The text files of an MLflow Model directory: `MLmodel` (ONNX flavor plus the
//! python_function flavor that `mlflow.pyfunc.load_model` uses, and a column signature)
//! and the environment files MLflow reads when it serves the model.

use serde_json::json;
use sha2::{Digest, Sha256};

use super::graph::ONNX_RELEASE;
use super::inputs::{InputKind, ModelInput, OUTPUT_NAME};
use crate::model::TripModel;

pub const ONNX_FILE: &str = "model.onnx";
pub const MLMODEL_FILE: &str = "MLmodel";
pub const CONDA_FILE: &str = "conda.yaml";
pub const PYTHON_ENV_FILE: &str = "python_env.yaml";
pub const REQUIREMENTS_FILE: &str = "requirements.txt";
pub const INPUT_EXAMPLE_FILE: &str = "input_example.json";
pub const SERVING_INPUT_EXAMPLE_FILE: &str = "serving_input_example.json";

/// The Python packages the model was checked with (tests/mlflow_model/check_models.py).
const REQUIREMENTS: [&str; 3] = ["mlflow==3.17.2", "onnx==1.23.2", "onnxruntime==1.32.0"];
const PYTHON_VERSION: &str = "3.11";

/// The `MLmodel` file. `model_uuid` is derived from the ONNX bytes, so exporting the
/// same model twice gives the same directory.
pub fn mlmodel_yaml<M: TripModel + ?Sized>(
    model: &M,
    inputs: &[ModelInput],
    onnx_bytes: &[u8],
) -> String {
    let signature_inputs: Vec<_> = inputs
        .iter()
        .map(
            |input| json!({"type": input.kind.mlflow_type(), "name": input.name, "required": true}),
        )
        .collect();
    let signature_outputs = json!([{"type": "double", "name": OUTPUT_NAME, "required": true}]);
    let uuid = model_uuid(onnx_bytes);
    let encoder = model.encoder();
    let features: Vec<&str> = encoder
        .vocabularies
        .iter()
        .map(|v| v.feature.name())
        .chain(encoder.spec.numerical.iter().map(String::as_str))
        .collect();
    let lines = [
        "flavors:".to_string(),
        "  onnx:".to_string(),
        format!("    data: {ONNX_FILE}"),
        format!("    onnx_version: {ONNX_RELEASE}"),
        "    providers:".to_string(),
        "    - CPUExecutionProvider".to_string(),
        "  python_function:".to_string(),
        format!("    data: {ONNX_FILE}"),
        "    env:".to_string(),
        format!("      conda: {CONDA_FILE}"),
        format!("      virtualenv: {PYTHON_ENV_FILE}"),
        "    loader_module: mlflow.onnx".to_string(),
        format!("    python_version: {}", yaml_quote(PYTHON_VERSION)),
        "metadata:".to_string(),
        format!("  flowbook_model: {}", yaml_quote(&model.description())),
        format!("  flowbook_features: {}", yaml_quote(&features.join(", "))),
        format!(
            "  flowbook_train_sha256: {}",
            yaml_quote(model.train_sha256())
        ),
        format!(
            "  flowbook_version: {}",
            yaml_quote(env!("CARGO_PKG_VERSION"))
        ),
        format!("model_size_bytes: {}", onnx_bytes.len()),
        format!("model_uuid: {uuid}"),
        "saved_input_example_info:".to_string(),
        format!("  artifact_path: {INPUT_EXAMPLE_FILE}"),
        "  pandas_orient: split".to_string(),
        format!("  serving_input_path: {SERVING_INPUT_EXAMPLE_FILE}"),
        "  type: dataframe".to_string(),
        "signature:".to_string(),
        format!(
            "  inputs: {}",
            yaml_quote(&json!(signature_inputs).to_string())
        ),
        format!("  outputs: {}", yaml_quote(&signature_outputs.to_string())),
        "  params: null".to_string(),
    ];
    lines.join("\n") + "\n"
}

/// The model's `model_uuid`: from the ONNX bytes, so one model always has one uuid.
pub fn model_uuid(onnx_bytes: &[u8]) -> String {
    let digest = Sha256::digest(onnx_bytes);
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The `flavors` of [`mlmodel_yaml`] as MLflow's JSON form of a model (`Model.to_json`),
/// for servers that record a logged model from JSON (`runs/log-model`).
pub fn mlmodel_flavors_json() -> serde_json::Value {
    json!({
        "flavors": {
            "onnx": {
                "data": ONNX_FILE,
                "onnx_version": ONNX_RELEASE,
                "providers": ["CPUExecutionProvider"],
            },
            "python_function": {
                "data": ONNX_FILE,
                "env": { "conda": CONDA_FILE, "virtualenv": PYTHON_ENV_FILE },
                "loader_module": "mlflow.onnx",
                "python_version": PYTHON_VERSION,
            },
        }
    })
}

/// One input row in pandas' `split` orient (`input_example.json`), as
/// `log_model(..., input_example=df)` saves it: a zone the model learnt (the first of its
/// vocabulary), a pickup on 2021-01-01 08:00, and 1.0 for each number.
pub fn input_example<M: TripModel + ?Sized>(model: &M, inputs: &[ModelInput]) -> serde_json::Value {
    use crate::features::Categorical;
    let encoder = model.encoder();
    // The first key of the first vocabulary of `feature`, read with `pick`.
    let key = |feature: Categorical, pick: fn((i64, i64)) -> i64| {
        encoder
            .vocabularies
            .iter()
            .find(|v| v.feature == feature)
            .and_then(|v| v.keys.first().copied())
            .map(pick)
    };
    let pickup = key(Categorical::PickupLocation, |k| k.0)
        .or_else(|| key(Categorical::PickupDropoffPair, |k| k.0))
        .unwrap_or(1);
    let dropoff = key(Categorical::DropoffLocation, |k| k.0)
        .or_else(|| key(Categorical::PickupDropoffPair, |k| k.1))
        .unwrap_or(1);
    let row: Vec<serde_json::Value> = inputs
        .iter()
        .map(|input| match (input.kind, input.name.as_str()) {
            (InputKind::ZoneId, super::PICKUP_LOCATION_INPUT) => json!(pickup),
            (InputKind::ZoneId, _) => json!(dropoff),
            (InputKind::PickupTimeMicros, _) => json!(1_609_488_000_000_000_i64),
            (InputKind::Number, _) => json!(1.0),
        })
        .collect();
    let columns: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    json!({ "columns": columns, "data": [row] })
}

/// The same row as a scoring server's request body (`serving_input_example.json`).
pub fn serving_input_example(example: &serde_json::Value) -> String {
    let body = json!({ "dataframe_split": example });
    serde_json::to_string_pretty(&body).unwrap_or_default()
}

pub fn requirements_txt() -> String {
    REQUIREMENTS.join("\n") + "\n"
}

pub fn python_env_yaml() -> String {
    format!(
        "python: {}\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\ndependencies:\n- -r {REQUIREMENTS_FILE}\n",
        yaml_quote(PYTHON_VERSION)
    )
}

pub fn conda_yaml() -> String {
    let mut text = format!(
        "channels:\n- conda-forge\ndependencies:\n- python={PYTHON_VERSION}\n- pip\n- pip:\n"
    );
    for requirement in REQUIREMENTS {
        text.push_str(&format!("  - {requirement}\n"));
    }
    text.push_str("name: mlflow-env\n");
    text
}

/// A YAML double-quoted scalar. JSON strings are valid YAML ones, escapes included, so
/// any text (quotes, newlines) survives.
fn yaml_quote(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::yaml_quote;

    #[test]
    fn quoted_text_escapes_what_yaml_would_misread() {
        assert_eq!(yaml_quote("it's"), r#""it's""#);
        assert_eq!(yaml_quote(r#"[{"a": 1}]"#), r#""[{\"a\": 1}]""#);
        assert_eq!(yaml_quote("a\nb"), r#""a\nb""#);
    }
}
