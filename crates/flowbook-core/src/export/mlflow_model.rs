//! The text files of an MLflow Model directory: `MLmodel` (ONNX flavor plus the
//! python_function flavor that `mlflow.pyfunc.load_model` uses, and a column signature)
//! and the environment files MLflow reads when it serves the model.

use serde_json::json;
use sha2::{Digest, Sha256};

use super::graph::ONNX_RELEASE;
use super::inputs::{ModelInput, OUTPUT_NAME};
use crate::model::TripModel;

pub const ONNX_FILE: &str = "model.onnx";
pub const MLMODEL_FILE: &str = "MLmodel";
pub const CONDA_FILE: &str = "conda.yaml";
pub const PYTHON_ENV_FILE: &str = "python_env.yaml";
pub const REQUIREMENTS_FILE: &str = "requirements.txt";

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
    let digest = Sha256::digest(onnx_bytes);
    let uuid: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
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
