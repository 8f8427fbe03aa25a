//! Getting a file's bytes into the app: over HTTP (the bundled sample data) or from a
//! file the user picked. Errors are sentences the page shows as they are.

use bytes::Bytes;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Downloads `url` and returns its body.
pub async fn fetch_bytes(url: &str) -> Result<Bytes, String> {
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|e| format!("Could not download {url}: {e}. Check that the server is running."))?;
    if !response.ok() {
        return Err(format!(
            "Could not download {url}: the server answered HTTP {} {}.",
            response.status(),
            response.status_text()
        ));
    }
    let body = response
        .binary()
        .await
        .map_err(|e| format!("Could not read the body of {url}: {e}."))?;
    Ok(Bytes::from(body))
}

/// Reads the whole of a file the user picked.
pub async fn read_file(file: &web_sys::File) -> Result<Bytes, String> {
    let name = file.name();
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| {
        format!(
            "{name}: the browser could not read the file ({}).",
            js_error_text(&e)
        )
    })?;
    let Some(buffer) = buffer.dyn_ref::<js_sys::ArrayBuffer>() else {
        return Err(format!(
            "{name}: the browser returned no data for the file."
        ));
    };
    Ok(Bytes::from(js_sys::Uint8Array::new(buffer).to_vec()))
}

fn js_error_text(value: &wasm_bindgen::JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}
