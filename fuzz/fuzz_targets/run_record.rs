//! Any text read back as a saved run record (IndexedDB, `flowbook push`'s files) gives a
//! run or an error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = flowbook_core::store::detached::read_record(&text);
});
