//! `?bench`: runs the engine's benchmark (flowbook_core::bench, the same code as
//! `flowbook bench`) in this browser and prints the JSON for scripts/bench.sh.

use bytes::Bytes;
use flowbook_core::bench::{bench_decode, bench_training, BenchReport};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::SAMPLE_DIR_URL;
use crate::load::fetch_bytes;
use crate::ui::train_panel::{now_ms, TRAIN_FILE, VALIDATION_FILE};

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
        let result = run()
            .await
            .and_then(|report| serde_json::to_string(&report).map_err(|e| e.to_string()));
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
