//! Browser tests of the app's components: mount them in a real DOM and read it back.
//! Run with `cargo test --target wasm32-unknown-unknown -p flowbook` (see scripts/test.sh).
#![cfg(target_arch = "wasm32")]

use bytes::Bytes;
use flowbook::panic::{show_panic_banner, PANIC_BANNER_ID};
use flowbook::state::datasets::DataSource;
use flowbook::state::open_file::inspect;
use flowbook::views::dataset_view::DatasetView;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

static JANUARY_2021: &[u8] = include_bytes!("../public/data/green_tripdata_2021-01.parquet");

/// A fresh element in the page to mount a component into.
fn container() -> web_sys::HtmlElement {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a browser document");
    let element = document.create_element("div").expect("create div");
    document
        .body()
        .expect("a body")
        .append_child(&element)
        .expect("append");
    element.unchecked_into()
}

fn text_of(root: &web_sys::HtmlElement, test_id: &str) -> String {
    root.query_selector(&format!("[data-testid='{test_id}']"))
        .expect("valid selector")
        .unwrap_or_else(|| panic!("no element with data-testid={test_id}"))
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn dataset_view_shows_row_count_and_schema_of_real_file() {
    let summary = inspect(
        "green_tripdata_2021-01.parquet",
        Bytes::from_static(JANUARY_2021),
    )
    .expect("the bundled sample is a valid parquet file");
    let root = container();
    let _mounted = leptos::mount::mount_to(root.clone(), move || {
        view! { <DatasetView summary source=DataSource::BundledSample /> }
    });

    assert_eq!(text_of(&root, "row-count"), "76518");
    assert_eq!(text_of(&root, "row-groups"), "1");
    assert_eq!(
        text_of(&root, "file-name"),
        "green_tripdata_2021-01.parquet"
    );
    assert_eq!(text_of(&root, "sha256").len(), 64);
    let schema = root
        .query_selector("[data-testid='schema']")
        .expect("valid selector")
        .expect("a schema table");
    let body_rows = schema
        .query_selector_all("tbody tr")
        .expect("valid selector");
    assert_eq!(body_rows.length(), 20);
    let schema_text = schema.text_content().unwrap_or_default();
    assert!(
        schema_text.contains("lpep_pickup_datetime"),
        "{schema_text}"
    );
    assert!(schema_text.contains("Timestamp"), "{schema_text}");
}

#[wasm_bindgen_test]
fn bytes_that_are_not_parquet_give_a_readable_error() {
    let err = inspect("notes.parquet", Bytes::from_static(b"hello, world\n"))
        .expect_err("text is not parquet");
    assert!(err.contains("not a parquet file"), "{err}");
}

#[wasm_bindgen_test]
fn panic_banner_tells_the_user_to_reload() {
    show_panic_banner("index out of bounds");
    let banner = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(PANIC_BANNER_ID))
        .expect("the banner exists");
    let text = banner.text_content().unwrap_or_default();
    assert!(text.starts_with("Flowbook hit an internal error: index out of bounds."));
    assert!(text.contains("Reload the page"));
}
