//! Just enough of the protobuf wire format for ONNX files: a writer for the messages
//! Flowbook emits and a reader that splits a message into its fields, so tests can
//! check what was written without a protobuf dependency.

mod read;
mod write;

pub use read::{read_fields, Field, ProtobufError, WireValue};
pub use write::Message;

/// Wire types of the protobuf encoding.
const WIRE_VARINT: u8 = 0;
const WIRE_FIXED64: u8 = 1;
const WIRE_LENGTH_DELIMITED: u8 = 2;
const WIRE_FIXED32: u8 = 5;
