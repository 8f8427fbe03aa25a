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
        return Err(http_status_error(
            url,
            response.status(),
            &response.status_text(),
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

/// The largest notebook file a link may open: far beyond any real notebook, far below
/// what would stall the tab.
pub const MAX_NOTEBOOK_BYTES: u64 = 16 << 20;
/// The largest trip file downloaded into the tab: a file this size already takes a few GB
/// of memory to decode.
pub const MAX_TRIP_FILE_BYTES: u64 = 1 << 30;

/// What a download larger than `limit` is told.
fn too_large(url: &str, size: u64, limit: u64, what: &str) -> String {
    let mb = |bytes: u64| bytes as f64 / (1 << 20) as f64;
    format!(
        "Could not download {url}: it is {:.0} MB or more, and {what} may be at most {:.0} MB \
         here. Check the address, or open a smaller file.",
        mb(size),
        mb(limit)
    )
}

/// Downloads `url`, reporting `(bytes received, total if announced)` as chunks arrive, and
/// stops at `max_bytes` (`what` names the kind of file in the message): a server that
/// announces or sends more is refused before the tab runs out of memory.
/// A network or CORS failure is explained in plain words: the browser does not say which.
pub async fn fetch_bytes_with_progress(
    url: &str,
    max_bytes: u64,
    what: &str,
    on_progress: impl Fn(u64, Option<u64>),
) -> Result<Bytes, String> {
    let window = web_sys::window().ok_or("No browser window.")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| {
            format!(
            "Could not download {url}: the server is unreachable, or it does not allow this page \
             to read the file (CORS). Check the address; if the file is on another site, download \
             it and open it from disk, or ask its owner to allow cross-origin requests."
        )
        })?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| format!("Could not download {url}: the browser gave no response."))?;
    if !response.ok() {
        return Err(http_status_error(
            url,
            response.status(),
            &response.status_text(),
        ));
    }
    let total = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(total) = total.filter(|&t| t > max_bytes) {
        return Err(too_large(url, total, max_bytes, what));
    }
    let Some(body) = response.body() else {
        return Ok(Bytes::new());
    };
    let reader: web_sys::ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|_| format!("Could not read the download of {url}."))?;
    let mut data = Vec::with_capacity(total.unwrap_or(0).min(1 << 30) as usize);
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| {
            format!(
                "The download of {url} broke off ({}). Try again.",
                js_error_text(&e)
            )
        })?;
        let done = js_sys::Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        if let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into()) {
            if let Some(array) = value.dyn_ref::<js_sys::Uint8Array>() {
                let received = data.len() as u64 + u64::from(array.length());
                if received > max_bytes {
                    let _ = reader.cancel();
                    return Err(too_large(url, received, max_bytes, what));
                }
                let start = data.len();
                data.resize(start + array.length() as usize, 0);
                array.copy_to(&mut data[start..]);
                on_progress(data.len() as u64, total);
            }
        }
    }
    Ok(Bytes::from(data))
}

fn http_status_error(url: &str, status: u16, status_text: &str) -> String {
    format!("Could not download {url}: the server answered HTTP {status} {status_text}.")
}

/// Offers `url` (a data: or blob: URL) to the user as a download named `file_name`,
/// through a temporary link.
pub fn offer_download(url: &str, file_name: &str) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let link: web_sys::HtmlAnchorElement = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?
        .create_element("a")
        .map_err(|_| "the browser could not make a download link")?
        .unchecked_into();
    link.set_href(url);
    link.set_download(file_name);
    link.click();
    Ok(())
}

/// Offers `text` (JSON) as a file download named `file_name`.
pub fn offer_text_download(file_name: &str, text: &str) -> Result<(), String> {
    let failed = |_| "the browser could not prepare the download".to_string();
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(failed)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(failed)?;
    let offered = offer_download(&url, file_name);
    // Firefox reads the file after `click` returns: the address must outlive the click.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            wasm_bindgen::JsCast::unchecked_ref(&revoke),
            BLOB_URL_LIFETIME_MS,
        );
    }
    offered
}

/// How long an exported file's address stays valid after the download is offered.
const BLOB_URL_LIFETIME_MS: i32 = 60_000;
