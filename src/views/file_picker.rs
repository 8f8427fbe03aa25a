//! The "open a local parquet file" control.

use leptos::prelude::*;
use web_sys::HtmlInputElement;

/// A file input for `.parquet` files. Calls `on_file` once per chosen file, then clears
/// itself so that the same file can be chosen again.
#[component]
pub fn FilePicker<F>(on_file: F) -> impl IntoView
where
    F: Fn(web_sys::File) + 'static,
{
    let on_change = move |ev: leptos::ev::Event| {
        let input = event_target::<HtmlInputElement>(&ev);
        if let Some(files) = input.files() {
            for index in 0..files.length() {
                if let Some(file) = files.get(index) {
                    on_file(file);
                }
            }
        }
        input.set_value("");
    };
    view! {
        <label class="file-picker">
            <input
                type="file"
                accept=".parquet,.csv,application/vnd.apache.parquet,text/csv"
                multiple
                data-testid="file-input"
                on:change=on_change
            />
            <span class="button">"Open parquet file…"</span>
            <span class="file-picker-hint">
                "Inspected in your browser: the file never leaves this machine."
            </span>
        </label>
    }
}
