//! Protobuf writer: fields are appended in the order they are given.

use super::{WIRE_LENGTH_DELIMITED, WIRE_VARINT};

/// The encoded bytes of one message under construction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    bytes: Vec<u8>,
}

impl Message {
    pub fn new() -> Self {
        Message::default()
    }

    /// An `int64`, `int32` or enum field. Negative values take ten bytes, as protobuf
    /// encodes them as 64-bit two's complement.
    pub fn int(&mut self, field: u32, value: i64) -> &mut Self {
        self.tag(field, WIRE_VARINT);
        self.varint(value as u64);
        self
    }

    pub fn string(&mut self, field: u32, value: &str) -> &mut Self {
        self.bytes(field, value.as_bytes())
    }

    pub fn bytes(&mut self, field: u32, value: &[u8]) -> &mut Self {
        self.tag(field, WIRE_LENGTH_DELIMITED);
        self.varint(value.len() as u64);
        self.bytes.extend_from_slice(value);
        self
    }

    /// An embedded message.
    pub fn message(&mut self, field: u32, value: &Message) -> &mut Self {
        self.bytes(field, &value.bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    fn tag(&mut self, field: u32, wire_type: u8) {
        self.varint((u64::from(field) << 3) | u64::from(wire_type));
    }

    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.bytes.push((value as u8 & 0x7f) | 0x80);
            value >>= 7;
        }
        self.bytes.push(value as u8);
    }
}
