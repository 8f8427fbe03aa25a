//! The ONNX messages Flowbook writes (a subset of onnx.proto: model, graph, node,
//! attribute, tensor, value info), encoded with the field numbers of onnx.proto.

use super::protobuf::Message;

/// Element types (`TensorProto.DataType`) used by Flowbook's graphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElemType {
    Float = 1,
    Int64 = 7,
    Double = 11,
}

/// A constant tensor, stored little-endian in `raw_data` as ONNX requires.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub name: String,
    pub elem_type: ElemType,
    pub dims: Vec<i64>,
    pub raw_data: Vec<u8>,
}

impl Tensor {
    /// A tensor of int64 values; `dims` empty makes a scalar.
    pub fn int64(name: &str, dims: Vec<i64>, values: &[i64]) -> Tensor {
        Tensor {
            name: name.to_string(),
            elem_type: ElemType::Int64,
            dims,
            raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }

    /// A tensor of double values; `dims` empty makes a scalar.
    pub fn double(name: &str, dims: Vec<i64>, values: &[f64]) -> Tensor {
        Tensor {
            name: name.to_string(),
            elem_type: ElemType::Double,
            dims,
            raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }

    fn encode(&self) -> Message {
        const DIMS: u32 = 1;
        const DATA_TYPE: u32 = 2;
        const NAME: u32 = 8;
        const RAW_DATA: u32 = 9;
        let mut m = Message::new();
        for &dim in &self.dims {
            m.int(DIMS, dim);
        }
        m.int(DATA_TYPE, self.elem_type as i64);
        m.string(NAME, &self.name);
        m.bytes(RAW_DATA, &self.raw_data);
        m
    }
}

/// A node attribute: integers, strings, tensors and lists of integers or strings.
#[derive(Debug, Clone, PartialEq)]
pub enum Attribute {
    Int(String, i64),
    Text(String, String),
    Tensor(String, Tensor),
    Ints(String, Vec<i64>),
    Texts(String, Vec<String>),
}

impl Attribute {
    fn encode(&self) -> Message {
        const NAME: u32 = 1;
        const I: u32 = 3;
        const S: u32 = 4;
        const T: u32 = 5;
        const INTS: u32 = 8;
        const STRINGS: u32 = 9;
        const TYPE: u32 = 20;
        const TYPE_INT: i64 = 2;
        const TYPE_STRING: i64 = 3;
        const TYPE_TENSOR: i64 = 4;
        const TYPE_INTS: i64 = 7;
        const TYPE_STRINGS: i64 = 8;
        let mut m = Message::new();
        match self {
            Attribute::Int(name, value) => {
                m.string(NAME, name).int(I, *value).int(TYPE, TYPE_INT);
            }
            Attribute::Text(name, value) => {
                m.string(NAME, name).string(S, value).int(TYPE, TYPE_STRING);
            }
            Attribute::Tensor(name, tensor) => {
                m.string(NAME, name)
                    .message(T, &tensor.encode())
                    .int(TYPE, TYPE_TENSOR);
            }
            Attribute::Ints(name, values) => {
                m.string(NAME, name);
                for &v in values {
                    m.int(INTS, v);
                }
                m.int(TYPE, TYPE_INTS);
            }
            Attribute::Texts(name, values) => {
                m.string(NAME, name);
                for v in values {
                    m.string(STRINGS, v);
                }
                m.int(TYPE, TYPE_STRINGS);
            }
        }
        m
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub op_type: String,
    /// Empty for the default `ai.onnx` domain.
    pub domain: String,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub attributes: Vec<Attribute>,
}

impl Node {
    fn encode(&self) -> Message {
        const INPUT: u32 = 1;
        const OUTPUT: u32 = 2;
        const NAME: u32 = 3;
        const OP_TYPE: u32 = 4;
        const ATTRIBUTE: u32 = 5;
        const DOMAIN: u32 = 7;
        let mut m = Message::new();
        for input in &self.inputs {
            m.string(INPUT, input);
        }
        for output in &self.outputs {
            m.string(OUTPUT, output);
        }
        m.string(NAME, &self.name).string(OP_TYPE, &self.op_type);
        for attribute in &self.attributes {
            m.message(ATTRIBUTE, &attribute.encode());
        }
        if !self.domain.is_empty() {
            m.string(DOMAIN, &self.domain);
        }
        m
    }
}

/// A dimension of a graph input or output.
#[derive(Debug, Clone, PartialEq)]
pub enum Dim {
    Fixed(i64),
    /// A symbolic size, e.g. the number of rows.
    Named(String),
}

/// A graph input or output: name, element type and shape.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueInfo {
    pub name: String,
    pub elem_type: ElemType,
    pub shape: Vec<Dim>,
}

impl ValueInfo {
    fn encode(&self) -> Message {
        // ValueInfoProto.name/type, TypeProto.tensor_type, TypeProto.Tensor.elem_type/shape,
        // TensorShapeProto.dim, Dimension.dim_value/dim_param.
        const VALUE_NAME: u32 = 1;
        const VALUE_TYPE: u32 = 2;
        const TYPE_TENSOR: u32 = 1;
        const TENSOR_ELEM_TYPE: u32 = 1;
        const TENSOR_SHAPE: u32 = 2;
        const SHAPE_DIM: u32 = 1;
        const DIM_VALUE: u32 = 1;
        const DIM_PARAM: u32 = 2;
        let mut shape = Message::new();
        for dim in &self.shape {
            let mut d = Message::new();
            match dim {
                Dim::Fixed(size) => d.int(DIM_VALUE, *size),
                Dim::Named(name) => d.string(DIM_PARAM, name),
            };
            shape.message(SHAPE_DIM, &d);
        }
        let mut tensor_type = Message::new();
        tensor_type
            .int(TENSOR_ELEM_TYPE, self.elem_type as i64)
            .message(TENSOR_SHAPE, &shape);
        let mut type_proto = Message::new();
        type_proto.message(TYPE_TENSOR, &tensor_type);
        let mut m = Message::new();
        m.string(VALUE_NAME, &self.name)
            .message(VALUE_TYPE, &type_proto);
        m
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    pub name: String,
    pub nodes: Vec<Node>,
    pub initializers: Vec<Tensor>,
    pub inputs: Vec<ValueInfo>,
    pub outputs: Vec<ValueInfo>,
}

impl Graph {
    fn encode(&self) -> Message {
        const NODE: u32 = 1;
        const NAME: u32 = 2;
        const INITIALIZER: u32 = 5;
        const INPUT: u32 = 11;
        const OUTPUT: u32 = 12;
        let mut m = Message::new();
        for node in &self.nodes {
            m.message(NODE, &node.encode());
        }
        m.string(NAME, &self.name);
        for tensor in &self.initializers {
            m.message(INITIALIZER, &tensor.encode());
        }
        for input in &self.inputs {
            m.message(INPUT, &input.encode());
        }
        for output in &self.outputs {
            m.message(OUTPUT, &output.encode());
        }
        m
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub ir_version: i64,
    /// `(domain, version)`; the default domain is the empty string.
    pub opsets: Vec<(String, i64)>,
    pub producer_name: String,
    pub producer_version: String,
    pub doc_string: String,
    pub graph: Graph,
    pub metadata: Vec<(String, String)>,
}

impl Model {
    /// The bytes of a `.onnx` file.
    pub fn encode(&self) -> Vec<u8> {
        const IR_VERSION: u32 = 1;
        const PRODUCER_NAME: u32 = 2;
        const PRODUCER_VERSION: u32 = 3;
        const DOC_STRING: u32 = 6;
        const GRAPH: u32 = 7;
        const OPSET_IMPORT: u32 = 8;
        const METADATA_PROPS: u32 = 14;
        const OPSET_DOMAIN: u32 = 1;
        const OPSET_VERSION: u32 = 2;
        const ENTRY_KEY: u32 = 1;
        const ENTRY_VALUE: u32 = 2;
        let mut m = Message::new();
        m.int(IR_VERSION, self.ir_version)
            .string(PRODUCER_NAME, &self.producer_name)
            .string(PRODUCER_VERSION, &self.producer_version)
            .string(DOC_STRING, &self.doc_string)
            .message(GRAPH, &self.graph.encode());
        for (domain, version) in &self.opsets {
            let mut opset = Message::new();
            opset
                .string(OPSET_DOMAIN, domain)
                .int(OPSET_VERSION, *version);
            m.message(OPSET_IMPORT, &opset);
        }
        for (key, value) in &self.metadata {
            let mut entry = Message::new();
            entry.string(ENTRY_KEY, key).string(ENTRY_VALUE, value);
            m.message(METADATA_PROPS, &entry);
        }
        m.into_bytes()
    }
}
