//! A trained model as an MLflow Model directory (ONNX flavor) that MLflow's Python tooling
//! loads: `mlflow.pyfunc.load_model(dir).predict(df)` gives Flowbook's predictions for a
//! pandas frame with the columns listed by [`model_inputs`]. No filesystem here: the
//! files come back as bytes for the caller to write or upload.

mod builder;
mod graph;
mod inputs;
mod keys;
mod mlflow_model;
mod onnx_proto;
pub mod protobuf;
mod tree_graph;

pub use inputs::{
    model_inputs, InputKind, ModelInput, DROPOFF_LOCATION_INPUT, OUTPUT_NAME,
    PICKUP_LOCATION_INPUT, PICKUP_TIME_INPUT,
};
pub use keys::PAIR_KEY_BASE;
pub use mlflow_model::{
    mlmodel_flavors_json, model_uuid, CONDA_FILE, INPUT_EXAMPLE_FILE, MLMODEL_FILE, ONNX_FILE,
    PYTHON_ENV_FILE, REQUIREMENTS_FILE, SERVING_INPUT_EXAMPLE_FILE,
};

use crate::model::{LinearModel, TripModel};
use crate::trees::TreeModel;

/// A model family that has an ONNX graph.
pub trait Exportable: TripModel {
    fn onnx_graph(&self, inputs: &[ModelInput]) -> Result<onnx_proto::Model, ExportError>;
}

impl Exportable for LinearModel {
    fn onnx_graph(&self, inputs: &[ModelInput]) -> Result<onnx_proto::Model, ExportError> {
        graph::onnx_model(self, inputs)
    }
}

impl Exportable for crate::saved_model::SavedModel {
    fn onnx_graph(&self, inputs: &[ModelInput]) -> Result<onnx_proto::Model, ExportError> {
        match self {
            crate::saved_model::SavedModel::Linear(model) => model.onnx_graph(inputs),
            crate::saved_model::SavedModel::Trees(model) => model.onnx_graph(inputs),
        }
    }
}

impl Exportable for TreeModel {
    fn onnx_graph(&self, inputs: &[ModelInput]) -> Result<onnx_proto::Model, ExportError> {
        tree_graph::onnx_model(self, inputs)
    }
}

/// One file of the model directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFile {
    /// Relative to the model directory, e.g. `MLmodel` or `model.onnx`.
    pub path: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExportError {
    #[error(
        "this model has no features, and an MLflow ONNX model needs at least one input column"
    )]
    NoFeatures,
    #[error(
        "the numerical feature {name:?} has the name of another input or of the output \
         ({OUTPUT_NAME}) of the exported model; rename the column to export it"
    )]
    NameClash { name: String },
    #[error(
        "the zone pair {pickup}_{dropoff} cannot be exported: PU_DO is looked up by \
         PULocationID × {PAIR_KEY_BASE} + DOLocationID, which needs both IDs in 0–{}",
        PAIR_KEY_BASE - 1
    )]
    ZonePairOutOfRange { pickup: i64, dropoff: i64 },
    #[error(
        "{what} is {value}, so the model predicts nothing usable; retrain it before exporting"
    )]
    NotFinite { what: String, value: f64 },
    #[error("the model cannot be exported because it is inconsistent: {0}")]
    Inconsistent(String),
}

/// The ONNX file alone: inputs as [`model_inputs`], output [`OUTPUT_NAME`] (double
/// minutes, one per row).
pub fn onnx_model_bytes<M: Exportable>(model: &M) -> Result<Vec<u8>, ExportError> {
    let inputs = model_inputs(model)?;
    Ok(model.onnx_graph(&inputs)?.encode())
}

/// Every file of the MLflow Model directory: `MLmodel`, `model.onnx`, `conda.yaml`,
/// `python_env.yaml` and `requirements.txt`.
pub fn mlflow_model_files<M: Exportable>(model: &M) -> Result<Vec<ModelFile>, ExportError> {
    let inputs = model_inputs(model)?;
    let onnx = model.onnx_graph(&inputs)?.encode();
    let example = mlflow_model::input_example(model, &inputs);
    let text = |path: &str, text: String| ModelFile {
        path: path.to_string(),
        bytes: text.into_bytes(),
    };
    Ok(vec![
        text(
            MLMODEL_FILE,
            mlflow_model::mlmodel_yaml(model, &inputs, &onnx),
        ),
        text(CONDA_FILE, mlflow_model::conda_yaml()),
        text(PYTHON_ENV_FILE, mlflow_model::python_env_yaml()),
        text(REQUIREMENTS_FILE, mlflow_model::requirements_txt()),
        text(INPUT_EXAMPLE_FILE, example.to_string()),
        text(
            SERVING_INPUT_EXAMPLE_FILE,
            mlflow_model::serving_input_example(&example),
        ),
        ModelFile {
            path: ONNX_FILE.to_string(),
            bytes: onnx,
        },
    ])
}

/// Where the MLflow Model directory goes in a pushed run's artifacts (and what a registered
/// version's source points at).
pub const MODEL_DIR: &str = "model";

/// Adds `model` to `run` as an MLflow Model directory under [`MODEL_DIR`].
pub fn add_model_directory<M: Exportable>(
    run: &mut crate::tracking::Run,
    model: &M,
) -> Result<(), ExportError> {
    for file in mlflow_model_files(model)? {
        run.add_artifact(&format!("{MODEL_DIR}/{}", file.path), file.bytes);
    }
    Ok(())
}
