//! Any bytes handed to the loader must give trips or an error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = bytes::Bytes::copy_from_slice(data);
    let numeric = vec!["trip_distance".to_string()];
    let _ = flowbook_core::data::inspect_parquet("fuzz.parquet", bytes.clone());
    let _ = flowbook_core::data::load_trip_file("fuzz.parquet", bytes, &numeric);
    let _ = flowbook_core::data::load_trip_file("fuzz.csv", bytes::Bytes::copy_from_slice(data), &numeric);
});
