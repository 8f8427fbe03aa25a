//! Any text imported as an experiment file gives an experiment or an error, never a panic
//! or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The page and the CLI read the file as UTF-8 before parsing it.
    let text = String::from_utf8_lossy(data);
    let _ = flowbook_core::store::experiment::parse_experiment_file(&text);
});
