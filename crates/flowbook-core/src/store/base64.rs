//! Standard base64 (RFC 4648, with padding) for artifacts in experiment files, by the
//! `base64` crate (already in the build through parquet). Decoding errors read as a
//! user's message: what is wrong and at which offset.

use base64::engine::general_purpose::STANDARD;
use base64::{DecodeError, Engine};

pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes padded base64; the error names the first offending character's offset.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(4) {
        return Err(format!(
            "base64 length {} is not a multiple of 4",
            text.len()
        ));
    }
    STANDARD.decode(text).map_err(|error| match error {
        DecodeError::InvalidByte(offset, b'=') => {
            format!("misplaced '=' in base64 near offset {offset}")
        }
        DecodeError::InvalidByte(offset, byte) => format!(
            "invalid base64 character '{}' at offset {offset}",
            char::from(byte)
        ),
        DecodeError::InvalidLength(length) => {
            format!("base64 length {length} is not a multiple of 4")
        }
        DecodeError::InvalidLastSymbol(offset, byte) => format!(
            "invalid last base64 character '{}' at offset {offset}",
            char::from(byte)
        ),
        DecodeError::InvalidPadding => "invalid base64 padding".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_rfc_4648_vectors_and_round_trips() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(decode(encoded).unwrap(), plain.as_bytes());
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all)).unwrap(), all);
        assert!(decode("Zm9").unwrap_err().contains("multiple of 4"));
        assert!(decode("Zm!v").unwrap_err().contains("'!' at offset 2"));
        assert!(decode("Zg==Zm9v").unwrap_err().contains("misplaced"));
    }
}
