//! The ONNX graph of a Flowbook tree model: per categorical feature its key and a
//! LabelEncoder from key to category code (−1 for a category unseen in training), the
//! numerical columns as `float`, all side by side in one `[N, features]` float matrix, and
//! one ONNX-ML TreeEnsembleRegressor over it. A category split is `BRANCH_EQ` on the code
//! (true = left), a numerical one `BRANCH_LT` on the `f32` threshold, and NaN goes right:
//! exactly Flowbook's tests. Thresholds and leaf values are stored as doubles; the
//! regressor sums in double and outputs `float`, so predictions agree with Flowbook's to float precision.

use super::builder::GraphBuilder;
use super::graph::{
    check_name_clash, column_of, declare_inputs, label_encoder_attributes, model_proto,
};
use super::inputs::{ModelInput, OUTPUT_NAME};
use super::keys::{key_tensor, vocabulary_keys};
use super::onnx_proto::{Attribute, ElemType, Model, Tensor};
use super::ExportError;
use crate::model::TripModel;
use crate::trees::{Test, TreeModel};

pub fn onnx_model(model: &TreeModel, inputs: &[ModelInput]) -> Result<Model, ExportError> {
    check_numbers(model)?;
    let mut b = GraphBuilder::default();
    let columns = declare_inputs(&mut b, inputs);
    let column = |name: &str| column_of(&columns, name);
    let axis_1 = b.constant("axis_1", Tensor::int64("", vec![1], &[1]));
    // onnxruntime compares in the input's type and reads the `*_as_tensor` attributes in
    // it too, so the matrix is double; numbers go through float first, as Flowbook
    // compares them, and category codes are exact either way.
    let as_column = |b: &mut GraphBuilder, input: &str, label: &str| {
        b.node(
            "Unsqueeze",
            &[input, &axis_1],
            &format!("{label}.column"),
            vec![],
        )
    };
    let cast = |b: &mut GraphBuilder, input: &str, label: &str, to: ElemType| {
        b.node(
            "Cast",
            &[input],
            label,
            vec![Attribute::Int("to".into(), to as i64)],
        )
    };
    let mut features = Vec::new();
    for (block, vocabulary) in model.encoder.vocabularies.iter().enumerate() {
        let keys = vocabulary_keys(vocabulary)?;
        let codes: Vec<f64> = (0..keys.len()).map(|c| c as f64).collect();
        let key = key_tensor(&mut b, vocabulary.feature, block, &column);
        let attributes = label_encoder_attributes(&keys, &codes, -1.0);
        let label = format!("{}{block}", vocabulary.feature.name());
        let code = b.ml_node(
            "LabelEncoder",
            &[&key],
            &format!("{label}.code"),
            attributes,
        );
        features.push(as_column(&mut b, &code, &label));
    }
    for name in &model.encoder.spec.numerical {
        let value = column(name);
        let float = cast(&mut b, &value, &format!("{name}.float"), ElemType::Float);
        let double = cast(&mut b, &float, &format!("{name}.double"), ElemType::Double);
        features.push(as_column(&mut b, &double, name));
    }
    let matrix = match features.as_slice() {
        [] => return Err(ExportError::NoFeatures),
        [one] => one.clone(),
        many => {
            let refs: Vec<&str> = many.iter().map(String::as_str).collect();
            b.node(
                "Concat",
                &refs,
                "features",
                vec![Attribute::Int("axis".into(), 1)],
            )
        }
    };
    let scores = b.ml_node(
        "TreeEnsembleRegressor",
        &[&matrix],
        "scores",
        ensemble(model),
    );
    let doubles = cast(&mut b, &scores, "scores.double", ElemType::Double);
    let flat = b.constant("flat_shape", Tensor::int64("", vec![1], &[-1]));
    b.node_named("Reshape", "", &[&doubles, &flat], OUTPUT_NAME, vec![]);
    check_name_clash(&b, inputs)?;
    Ok(model_proto(b, &model.description(), &model.train_sha256))
}

/// The TreeEnsembleRegressor's attributes: one entry per node of every tree, and one
/// target entry per leaf. Feature `k + j` is numerical feature `j` when there are `k`
/// categorical features, as in the matrix built above.
fn ensemble(model: &TreeModel) -> Vec<Attribute> {
    let k = model.encoder.vocabularies.len() as i64;
    let mut tree_ids = Vec::new();
    let mut node_ids = Vec::new();
    let mut feature_ids = Vec::new();
    let mut modes = Vec::new();
    let mut values = Vec::new();
    let mut true_ids = Vec::new();
    let mut false_ids = Vec::new();
    let (mut target_trees, mut target_nodes, mut weights) = (Vec::new(), Vec::new(), Vec::new());
    for (t, tree) in model.ensemble.trees.iter().enumerate() {
        for (i, test) in tree.tests.iter().enumerate() {
            tree_ids.push(t as i64);
            node_ids.push(i as i64);
            let (feature, mode, value) = match *test {
                Test::Leaf => (0, "LEAF", 0.0),
                Test::Category { feature, code } => {
                    (i64::from(feature), "BRANCH_EQ", f64::from(code))
                }
                Test::Below { feature, threshold } => {
                    (k + i64::from(feature), "BRANCH_LT", f64::from(threshold))
                }
            };
            feature_ids.push(feature);
            modes.push(mode.to_string());
            values.push(value);
            if matches!(test, Test::Leaf) {
                true_ids.push(0);
                false_ids.push(0);
                target_trees.push(t as i64);
                target_nodes.push(i as i64);
                weights.push(tree.value[i]);
            } else {
                true_ids.push(i64::from(tree.left[i]));
                false_ids.push(i64::from(tree.right[i]));
            }
        }
    }
    let n_nodes = values.len() as i64;
    let n_leaves = weights.len() as i64;
    vec![
        Attribute::Text("aggregate_function".into(), "SUM".into()),
        Attribute::Tensor(
            "base_values_as_tensor".into(),
            Tensor::double("base_values", vec![1], &[model.ensemble.base_score]),
        ),
        Attribute::Int("n_targets".into(), 1),
        Attribute::Ints("nodes_falsenodeids".into(), false_ids),
        Attribute::Ints("nodes_featureids".into(), feature_ids),
        Attribute::Ints(
            "nodes_missing_value_tracks_true".into(),
            vec![0; n_nodes as usize],
        ),
        Attribute::Texts("nodes_modes".into(), modes),
        Attribute::Ints("nodes_nodeids".into(), node_ids),
        Attribute::Ints("nodes_treeids".into(), tree_ids),
        Attribute::Ints("nodes_truenodeids".into(), true_ids),
        Attribute::Tensor(
            "nodes_values_as_tensor".into(),
            Tensor::double("nodes_values", vec![n_nodes], &values),
        ),
        Attribute::Text("post_transform".into(), "NONE".into()),
        Attribute::Ints("target_ids".into(), vec![0; n_leaves as usize]),
        Attribute::Ints("target_nodeids".into(), target_nodes),
        Attribute::Ints("target_treeids".into(), target_trees),
        Attribute::Tensor(
            "target_weights_as_tensor".into(),
            Tensor::double("target_weights", vec![n_leaves], &weights),
        ),
    ]
}

fn check_numbers(model: &TreeModel) -> Result<(), ExportError> {
    if !model.ensemble.base_score.is_finite() {
        return Err(ExportError::NotFinite {
            what: "the base score".to_string(),
            value: model.ensemble.base_score,
        });
    }
    for (t, tree) in model.ensemble.trees.iter().enumerate() {
        if let Some(&value) = tree.value.iter().find(|v| !v.is_finite()) {
            return Err(ExportError::NotFinite {
                what: format!("a leaf value of tree {t}"),
                value,
            });
        }
    }
    Ok(())
}
