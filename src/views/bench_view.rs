//! `?bench`: runs the engine's benchmark (flowbook_core::bench, the same code as
//! `flowbook bench`) in this browser and prints the JSON for scripts/bench.sh.
//! `?bench=large`: loads one large file (`/data/large.parquet`, copied there by
//! scripts/bench.sh) and reports its load time and the wasm memory it took.

use bytes::Bytes;
use flowbook_core::bench::{bench_decode, bench_training, BenchReport};
use flowbook_core::data::load_trips;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::services::load::fetch_bytes;
use crate::state::open_file::SAMPLE_DIR_URL;
use crate::state::open_file::{
    SAMPLE_TRAIN_FILE as TRAIN_FILE, SAMPLE_VALIDATION_FILE as VALIDATION_FILE,
};
use crate::state::training::now_ms;

/// Served only when the benchmark copies it into dist/data (it is not bundled).
const ZSTD_FILE: &str = "green_tripdata_2023-03.parquet";

fn wasm_memory_bytes() -> Option<u64> {
    use wasm_bindgen::JsCast;
    let memory = wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .ok()?;
    let buffer = memory.buffer().dyn_into::<js_sys::ArrayBuffer>().ok()?;
    Some(buffer.byte_length() as u64)
}

/// Served only when the benchmark copies it into dist/data (it is not bundled).
const LARGE_FILE: &str = "large.parquet";

/// True when the page was opened as `?bench=large`.
fn large_requested() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| flowbook_core::bench::bench_page(&search))
        == Some(flowbook_core::bench::BenchPage::LargeFile)
}

/// Chrome's `performance.memory` (non-standard): used and total JS heap, in bytes.
fn js_heap_bytes() -> Option<(u64, u64)> {
    let performance = web_sys::window()?.performance()?;
    let memory = js_sys::Reflect::get(&performance, &"memory".into()).ok()?;
    let field = |name: &str| {
        js_sys::Reflect::get(&memory, &name.into())
            .ok()?
            .as_f64()
            .map(|v| v as u64)
    };
    Some((field("usedJSHeapSize")?, field("totalJSHeapSize")?))
}

/// Fetches and decodes the large file once, as the app would (`load_trips` with
/// trip_distance), recording the wasm memory before and after each step. The wasm
/// memory only grows, so the figure after decoding is the peak of the whole load.
async fn run_large() -> Result<serde_json::Value, String> {
    let memory_start = wasm_memory_bytes();
    let heap_start = js_heap_bytes();
    let fetch_start = now_ms();
    let bytes = fetch_bytes(&format!("{SAMPLE_DIR_URL}/{LARGE_FILE}")).await?;
    let fetch_ms = now_ms() - fetch_start;
    let memory_after_fetch = wasm_memory_bytes();
    let heap_after_fetch = js_heap_bytes();
    let file_bytes = bytes.len() as u64;
    let decode_start = now_ms();
    let table = load_trips(LARGE_FILE, bytes.clone(), &["trip_distance".to_string()])
        .map_err(|e| e.to_string())?;
    let decode_ms = now_ms() - decode_start;
    let memory_after_decode = wasm_memory_bytes();
    let heap_after_decode = js_heap_bytes();
    // The file's digest (for run lineage) is part of decoding; timed apart to show its share.
    let sha256_start = now_ms();
    let digest = flowbook_core::data::sha256_hex(&bytes);
    let sha256_ms = now_ms() - sha256_start;
    drop(bytes);
    let rows = table.len() as u64;
    // Five columns of 8-byte values: what any columnar reader must hold at least.
    let decoded_columns_bytes = rows * 5 * 8;
    let ratio = |memory: Option<u64>| {
        memory
            .filter(|_| decoded_columns_bytes > 0)
            .map(|m| m as f64 / decoded_columns_bytes as f64)
    };
    let heap = |h: Option<(u64, u64)>| {
        h.map(|(used, total)| serde_json::json!({ "used": used, "total": total }))
    };
    Ok(serde_json::json!({
        "large": {
            "file_bytes": file_bytes,
            "rows": rows,
            "fetch_ms": fetch_ms,
            "decode_ms": decode_ms,
            "sha256_ms_within_decode": sha256_ms,
            "sha256_matches": digest == table.sha256_hex,
            "load_ms": fetch_ms + decode_ms,
            "table_heap_bytes": table.heap_bytes() as u64,
            "decoded_columns_bytes": decoded_columns_bytes,
            "wasm_memory_before_fetch": memory_start,
            "wasm_memory_after_fetch": memory_after_fetch,
            "wasm_memory_after_decode": memory_after_decode,
            "peak_wasm_memory_bytes": memory_after_decode,
            "peak_ratio_to_decoded_columns": ratio(memory_after_decode),
            "js_heap_before_fetch": heap(heap_start),
            "js_heap_after_fetch": heap(heap_after_fetch),
            "js_heap_after_decode": heap(heap_after_decode),
        }
    }))
}

async fn run() -> Result<BenchReport, String> {
    let mut files: Vec<(String, Bytes)> = Vec::new();
    for name in [TRAIN_FILE, VALIDATION_FILE, ZSTD_FILE] {
        files.push((
            name.to_string(),
            fetch_bytes(&format!("{SAMPLE_DIR_URL}/{name}")).await?,
        ));
    }
    let labels: Vec<String> = files.iter().map(|(n, _)| format!("decode {n}")).collect();
    let decode_inputs: Vec<(&str, &str, Bytes)> = files
        .iter()
        .zip(&labels)
        .map(|((name, bytes), label)| (label.as_str(), name.as_str(), bytes.clone()))
        .collect();
    let mut timings = bench_decode(&decode_inputs, 5, &now_ms);
    let (Some((_, train)), Some((_, validation))) = (files.first(), files.get(1)) else {
        return Err("benchmark files missing".to_string());
    };
    timings.extend(bench_training(
        train.clone(),
        validation.clone(),
        5,
        &now_ms,
    )?);
    Ok(BenchReport {
        timings,
        wasm_memory_bytes: wasm_memory_bytes(),
    })
}

#[component]
pub fn BenchView() -> impl IntoView {
    let output = RwSignal::new(None::<Result<String, String>>);
    spawn_local(async move {
        let result = if large_requested() {
            run_large().await.map(|report| report.to_string())
        } else {
            run()
                .await
                .and_then(|report| serde_json::to_string(&report).map_err(|e| e.to_string()))
        };
        output.set(Some(result));
    });
    view! {
        <section class="card">
            <h2 class="card-title">"Benchmark"</h2>
            {move || match output.get() {
                None => view! { <p class="muted">"Running…"</p> }.into_any(),
                Some(Ok(json)) => view! { <pre data-testid="bench-result">{json}</pre> }.into_any(),
                Some(Err(message)) => view! { <p class="error-message" data-testid="bench-error">{message}</p> }.into_any(),
            }}
        </section>
    }
}
