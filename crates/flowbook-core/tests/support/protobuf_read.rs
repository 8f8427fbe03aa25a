//! Protobuf reader for the tests: splits one message into its top-level fields; embedded
//! messages are read by calling it again on a length-delimited value. Only tests read
//! protobuf (to check the ONNX bytes Flowbook writes), so it is not in the engine.

const WIRE_VARINT: u8 = 0;
const WIRE_FIXED64: u8 = 1;
const WIRE_LENGTH_DELIMITED: u8 = 2;
const WIRE_FIXED32: u8 = 5;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtobufError {
    #[error("the message ends inside a field (at byte {at})")]
    Truncated { at: usize },
    #[error("a varint at byte {at} is longer than ten bytes")]
    VarintTooLong { at: usize },
    #[error("field {field} at byte {at} has wire type {wire_type}, which ONNX files do not use")]
    UnsupportedWireType {
        field: u64,
        wire_type: u8,
        at: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireValue<'a> {
    Varint(u64),
    Fixed64(u64),
    LengthDelimited(&'a [u8]),
    Fixed32(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    pub number: u64,
    pub value: WireValue<'a>,
}

impl<'a> Field<'a> {
    /// The value as a signed integer, for `int64`, `int32` and enum fields.
    pub fn as_int(&self) -> Option<i64> {
        match self.value {
            WireValue::Varint(v) => Some(v as i64),
            _ => None,
        }
    }

    /// The value as bytes, for `string`, `bytes` and embedded-message fields.
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match self.value {
            WireValue::LengthDelimited(bytes) => Some(bytes),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&'a str> {
        std::str::from_utf8(self.as_bytes()?).ok()
    }
}

/// The fields of one message, in the order they appear.
pub fn read_fields(bytes: &[u8]) -> Result<Vec<Field<'_>>, ProtobufError> {
    let mut fields = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let tag = read_varint(bytes, &mut at)?;
        let number = tag >> 3;
        let wire_type = (tag & 7) as u8;
        let value = match wire_type {
            WIRE_VARINT => WireValue::Varint(read_varint(bytes, &mut at)?),
            WIRE_FIXED64 => WireValue::Fixed64(u64::from_le_bytes(take_array(bytes, &mut at)?)),
            WIRE_FIXED32 => WireValue::Fixed32(u32::from_le_bytes(take_array(bytes, &mut at)?)),
            WIRE_LENGTH_DELIMITED => {
                let len = read_varint(bytes, &mut at)?;
                let end = usize::try_from(len)
                    .ok()
                    .and_then(|len| at.checked_add(len))
                    .filter(|&end| end <= bytes.len())
                    .ok_or(ProtobufError::Truncated { at })?;
                let value = &bytes[at..end];
                at = end;
                WireValue::LengthDelimited(value)
            }
            _ => {
                return Err(ProtobufError::UnsupportedWireType {
                    field: number,
                    wire_type,
                    at: start,
                })
            }
        };
        fields.push(Field { number, value });
    }
    Ok(fields)
}

fn read_varint(bytes: &[u8], at: &mut usize) -> Result<u64, ProtobufError> {
    let start = *at;
    let mut value = 0u64;
    for shift in (0..70).step_by(7) {
        let byte = *bytes.get(*at).ok_or(ProtobufError::Truncated { at: *at })?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(ProtobufError::VarintTooLong { at: start })
}

fn take_array<const N: usize>(bytes: &[u8], at: &mut usize) -> Result<[u8; N], ProtobufError> {
    let slice = bytes
        .get(*at..*at + N)
        .ok_or(ProtobufError::Truncated { at: *at })?;
    *at += N;
    let mut array = [0u8; N];
    array.copy_from_slice(slice);
    Ok(array)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowbook_core::export::protobuf::Message;

    #[test]
    fn writer_output_reads_back_field_by_field() {
        let mut inner = Message::new();
        inner.string(1, "PU_DO").int(2, 4);
        let mut outer = Message::new();
        outer
            .int(1, 10)
            .int(3, -1)
            .int(4, i64::MAX)
            .message(7, &inner)
            .bytes(9, &[0, 255, 7]);
        let bytes = outer.into_bytes();
        let fields = read_fields(&bytes).expect("read");
        let numbers: Vec<u64> = fields.iter().map(|f| f.number).collect();
        assert_eq!(numbers, [1, 3, 4, 7, 9]);
        assert_eq!(fields[0].as_int(), Some(10));
        assert_eq!(fields[1].as_int(), Some(-1));
        assert_eq!(fields[2].as_int(), Some(i64::MAX));
        assert_eq!(fields[4].as_bytes(), Some(&[0u8, 255, 7][..]));
        let inner_fields = read_fields(fields[3].as_bytes().expect("message")).expect("inner");
        assert_eq!(inner_fields[0].as_str(), Some("PU_DO"));
        assert_eq!(inner_fields[1].as_int(), Some(4));
    }

    #[test]
    fn known_encodings_match_the_protobuf_specification() {
        // From the protobuf encoding guide: field 1 = 150 is 08 96 01; field 2 = "testing".
        let mut message = Message::new();
        message.int(1, 150).string(2, "testing");
        assert_eq!(
            message.as_bytes(),
            b"\x08\x96\x01\x12\x07testing".as_slice()
        );
        // -1 as int64 is ten bytes of varint.
        let mut negative = Message::new();
        negative.int(1, -1);
        assert_eq!(negative.as_bytes().len(), 11);
    }

    #[test]
    fn truncated_messages_are_errors_not_panics() {
        let mut message = Message::new();
        message.string(2, "testing");
        let bytes = message.into_bytes();
        for cut in 1..bytes.len() {
            assert!(read_fields(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert!(matches!(
            read_fields(&[0x0b]),
            Err(ProtobufError::UnsupportedWireType { wire_type: 3, .. })
        ));
        let mut endless_varint = vec![0x08];
        endless_varint.extend([0xff; 11]);
        assert!(matches!(
            read_fields(&endless_varint),
            Err(ProtobufError::VarintTooLong { at: 1 })
        ));
    }
}
