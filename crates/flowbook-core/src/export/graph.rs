//! The ONNX graph of a Flowbook linear model: per categorical feature a key and a
//! LabelEncoder from key to coefficient (0 for a category unseen in training, as in
//! Flowbook), plus coefficient × value per numerical feature, plus the intercept.
//! Everything is double and summed in Flowbook's order, so the graph predicts what
//! `LinearModel::predict` does, to the last bit on the same platform.

use super::builder::{GraphBuilder, ML_DOMAIN};
use super::inputs::{ModelInput, OUTPUT_NAME};
use super::keys::{key_tensor, vocabulary_keys};
use super::onnx_proto::{Attribute, Dim, ElemType, Graph, Model, Tensor, ValueInfo};
use super::ExportError;
use crate::model::LinearModel;

/// ONNX IR version 10 and opset 21 (ONNX 1.16), with ONNX-ML opset 4, the first whose
/// LabelEncoder takes tensors and so maps keys to double values (checked with
/// onnxruntime 1.32).
const IR_VERSION: i64 = 10;
const OPSET: i64 = 21;
const ML_OPSET: i64 = 4;
/// The ONNX release that defines the versions above, for MLflow's `onnx_version`.
pub const ONNX_RELEASE: &str = "1.16.0";

/// Symbolic size of the row dimension.
const ROWS: &str = "N";

/// The ONNX model for `model`, whose inputs are `inputs` (see `model_inputs`).
pub fn onnx_model(model: &LinearModel, inputs: &[ModelInput]) -> Result<Model, ExportError> {
    check_numbers(model)?;
    let mut b = GraphBuilder::default();
    let columns = declare_inputs(&mut b, inputs);
    let column = |name: &str| column_of(&columns, name);

    let layout = model.layout();
    let mut terms = Vec::new();
    for (block, vocabulary) in model.encoder.vocabularies.iter().enumerate() {
        let offset = layout.block_offset(block);
        let coefficients = model
            .coefficients
            .get(offset..offset + vocabulary.len())
            .ok_or_else(|| coefficient_count_error(model))?;
        let keys = vocabulary_keys(vocabulary)?;
        let key = key_tensor(&mut b, vocabulary.feature, block, &column);
        let attributes = label_encoder_attributes(&keys, coefficients, 0.0);
        let label = format!("{}{block}.contribution", vocabulary.feature.name());
        terms.push(b.ml_node("LabelEncoder", &[&key], &label, attributes));
    }
    let numeric_offset = layout.numeric_offset();
    for (j, name) in model.encoder.spec.numerical.iter().enumerate() {
        let weight = *model
            .coefficients
            .get(numeric_offset + j)
            .ok_or_else(|| coefficient_count_error(model))?;
        let weight = b.constant(
            &format!("{name}.coefficient"),
            Tensor::double("", vec![], &[weight]),
        );
        let value = column(name);
        terms.push(b.node("Mul", &[&value, &weight], &format!("{name}.term"), vec![]));
    }

    // Flowbook starts from the intercept and adds each term in turn.
    let mut sum = b.constant("intercept", Tensor::double("", vec![], &[model.intercept]));
    let last = terms.len().checked_sub(1).ok_or(ExportError::NoFeatures)?;
    for (i, term) in terms.iter().enumerate() {
        if i == last {
            b.node_named("Add", "", &[&sum, term], OUTPUT_NAME, vec![]);
        } else {
            sum = b.node("Add", &[&sum, term], &format!("sum{i}"), vec![]);
        }
    }
    check_name_clash(&b, inputs)?;
    Ok(model_proto(b, &model.kind.to_string(), &model.train_sha256))
}

/// Wraps a finished graph (whose last node wrote [`OUTPUT_NAME`]) as Flowbook's model.
pub(super) fn model_proto(b: GraphBuilder, description: &str, train_sha256: &str) -> Model {
    let mut graph: Graph = b.graph;
    graph.name = "flowbook_trip_duration".to_string();
    graph.outputs.push(ValueInfo {
        name: OUTPUT_NAME.to_string(),
        elem_type: ElemType::Double,
        shape: vec![Dim::Named(ROWS.to_string())],
    });
    Model {
        ir_version: IR_VERSION,
        opsets: vec![(String::new(), OPSET), (ML_DOMAIN.to_string(), ML_OPSET)],
        producer_name: "flowbook".to_string(),
        producer_version: env!("CARGO_PKG_VERSION").to_string(),
        doc_string: format!("Flowbook {description} model of NYC taxi trip duration in minutes"),
        graph,
        metadata: vec![
            ("flowbook_model".to_string(), description.to_string()),
            (
                "flowbook_train_sha256".to_string(),
                train_sha256.to_string(),
            ),
        ],
    }
}

/// A LabelEncoder from int64 `keys` to double `values`, `default` for any other key.
pub(super) fn label_encoder_attributes(
    keys: &[i64],
    values: &[f64],
    default: f64,
) -> Vec<Attribute> {
    let n = keys.len() as i64;
    vec![
        Attribute::Tensor("keys_tensor".into(), Tensor::int64("keys", vec![n], keys)),
        Attribute::Tensor(
            "values_tensor".into(),
            Tensor::double("values", vec![n], values),
        ),
        Attribute::Tensor(
            "default_tensor".into(),
            Tensor::double("default", vec![1], &[default]),
        ),
    ]
}

/// The name of the 1-D tensor holding input `name`'s column.
pub(super) fn column_of(columns: &[(String, String)], name: &str) -> String {
    columns
        .iter()
        .find(|(input, _)| input == name)
        .map(|(_, tensor)| tensor.clone())
        .unwrap_or_else(|| name.to_string())
}

/// An input column may not share a name with a tensor the graph makes.
pub(super) fn check_name_clash(b: &GraphBuilder, inputs: &[ModelInput]) -> Result<(), ExportError> {
    match inputs
        .iter()
        .find(|input| b.internal_names().any(|name| name == input.name))
    {
        Some(clash) => Err(ExportError::NameClash {
            name: clash.name.clone(),
        }),
        None => Ok(()),
    }
}

/// Declares the graph inputs and returns, per input, the 1-D tensor holding its column.
/// MLflow feeds each column of a DataFrame as a 1-D array when a model has several
/// inputs, but the whole frame as one 2-D array when it has one; a lone input is
/// therefore declared `[N, 1]` and flattened.
pub(super) fn declare_inputs(b: &mut GraphBuilder, inputs: &[ModelInput]) -> Vec<(String, String)> {
    let lone = inputs.len() == 1;
    let mut columns = Vec::with_capacity(inputs.len());
    for input in inputs {
        let mut shape = vec![Dim::Named(ROWS.to_string())];
        let tensor = if lone {
            shape.push(Dim::Fixed(1));
            let flat = b.constant("flat_shape", Tensor::int64("", vec![1], &[-1]));
            b.node(
                "Reshape",
                &[&input.name, &flat],
                &format!("{}.flat", input.name),
                vec![],
            )
        } else {
            input.name.clone()
        };
        b.graph.inputs.push(ValueInfo {
            name: input.name.clone(),
            elem_type: input.kind.elem_type(),
            shape,
        });
        columns.push((input.name.clone(), tensor));
    }
    columns
}

fn check_numbers(model: &LinearModel) -> Result<(), ExportError> {
    if model.coefficients.len() != model.layout().n_columns() {
        return Err(coefficient_count_error(model));
    }
    if !model.intercept.is_finite() {
        return Err(ExportError::NotFinite {
            what: "the intercept".to_string(),
            value: model.intercept,
        });
    }
    let names = model.encoder.column_names();
    if let Some((j, &value)) = model
        .coefficients
        .iter()
        .enumerate()
        .find(|(_, w)| !w.is_finite())
    {
        let column = names
            .get(j)
            .cloned()
            .unwrap_or_else(|| format!("column {j}"));
        return Err(ExportError::NotFinite {
            what: format!("the coefficient of {column}"),
            value,
        });
    }
    Ok(())
}

fn coefficient_count_error(model: &LinearModel) -> ExportError {
    ExportError::Inconsistent(format!(
        "{} coefficients for {} columns",
        model.coefficients.len(),
        model.layout().n_columns()
    ))
}
