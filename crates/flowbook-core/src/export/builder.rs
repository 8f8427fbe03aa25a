//! Appends nodes and constants to an ONNX graph under unique, readable tensor names.

use super::onnx_proto::{Attribute, Graph, Node, Tensor};

/// Prefix of every tensor the graph makes itself, so that none can take the name of an
/// input column.
const INTERNAL_PREFIX: &str = "flowbook.";

/// Domain of the ONNX-ML operators (LabelEncoder).
pub const ML_DOMAIN: &str = "ai.onnx.ml";

#[derive(Debug, Default)]
pub struct GraphBuilder {
    pub graph: Graph,
}

impl GraphBuilder {
    /// Adds a node with one output named `flowbook.<label>` and returns that name.
    pub fn node(
        &mut self,
        op_type: &str,
        inputs: &[&str],
        label: &str,
        attributes: Vec<Attribute>,
    ) -> String {
        let output = format!("{INTERNAL_PREFIX}{label}");
        self.node_named(op_type, "", inputs, &output, attributes);
        output
    }

    /// Adds a node whose output has exactly the name given (the graph's output).
    pub fn node_named(
        &mut self,
        op_type: &str,
        domain: &str,
        inputs: &[&str],
        output: &str,
        attributes: Vec<Attribute>,
    ) {
        let name = format!("{op_type}_{}", self.graph.nodes.len());
        self.graph.nodes.push(Node {
            name,
            op_type: op_type.to_string(),
            domain: domain.to_string(),
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            outputs: vec![output.to_string()],
            attributes,
        });
    }

    /// An ONNX-ML node with one output named `flowbook.<label>`.
    pub fn ml_node(
        &mut self,
        op_type: &str,
        inputs: &[&str],
        label: &str,
        attributes: Vec<Attribute>,
    ) -> String {
        let output = format!("{INTERNAL_PREFIX}{label}");
        self.node_named(op_type, ML_DOMAIN, inputs, &output, attributes);
        output
    }

    /// A constant int64 scalar named `flowbook.<label>`.
    pub fn int64_scalar(&mut self, label: &str, value: i64) -> String {
        let name = format!("{INTERNAL_PREFIX}{label}");
        if !self.graph.initializers.iter().any(|t| t.name == name) {
            self.graph
                .initializers
                .push(Tensor::int64(&name, vec![], &[value]));
        }
        name
    }

    /// A constant tensor named `flowbook.<label>`.
    pub fn constant(&mut self, label: &str, mut tensor: Tensor) -> String {
        tensor.name = format!("{INTERNAL_PREFIX}{label}");
        let name = tensor.name.clone();
        self.graph.initializers.push(tensor);
        name
    }

    /// Names of all tensors the graph computes or holds, to check the inputs against.
    pub fn internal_names(&self) -> impl Iterator<Item = &str> {
        self.graph
            .nodes
            .iter()
            .flat_map(|n| n.outputs.iter())
            .chain(self.graph.initializers.iter().map(|t| &t.name))
            .map(String::as_str)
    }
}
