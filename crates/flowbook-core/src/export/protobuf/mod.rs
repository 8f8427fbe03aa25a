//! Just enough of the protobuf wire format for ONNX files: a writer for the messages
//! Flowbook emits. (The tests read them back with `tests/support/protobuf_read.rs`.)

mod write;

pub use write::Message;

/// Wire types of the protobuf encoding that the writer uses.
const WIRE_VARINT: u8 = 0;
const WIRE_LENGTH_DELIMITED: u8 = 2;
