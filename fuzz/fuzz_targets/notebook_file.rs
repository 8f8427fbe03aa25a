//! Any bytes opened as a notebook file give a notebook or an error, never a panic or a
//! hang; a notebook that opens saves to a file that opens to the same notebook.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(opened) = flowbook_core::notebook::open_bytes(data) else {
        return;
    };
    let saved = flowbook_core::notebook::save(&opened.notebook);
    let again = flowbook_core::notebook::open(&saved).expect("a saved notebook opens");
    assert_eq!(again.notebook, opened.notebook, "a notebook survives save and open");
});
