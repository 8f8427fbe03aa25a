//! The browser's side of the engine's HTTP seam: `flowbook_core::mlflow::HttpClient` over
//! fetch (gloo-net). Only transport lives here; every MLflow rule is in the engine.

use flowbook_core::mlflow::{
    HttpClient, HttpMethod, HttpRequest, HttpResponse, TransportError, MAX_ANSWER_BYTES,
};
use gloo_net::http::{Request, RequestBuilder};

/// Time limit per request, after which the browser aborts it: 120 s, as the CLI and
/// MLflow's own client wait. Under a workshop's load a server can hold a request 30 s
/// waiting for a database connection and then answer (at 30 s, 8 of 10 pages gave up).
const REQUEST_TIMEOUT_MS: u32 = 120_000;

/// Sends requests with the page's fetch.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserHttp;

fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_else(|| "this page's origin".to_string())
}

/// Fetch reports a refused connection and a CORS block the same way (a bare TypeError),
/// so the message names both and the server option that fixes the second.
fn unreachable_detail() -> String {
    format!(
        "the browser got no answer: the server is down or unreachable, or it does not allow \
         requests from {origin}. MLflow 3.5 or later: start it with `--cors-allowed-origins \
         {origin}`. Older servers send no CORS headers: serve the app with \
         `MLFLOW_PROXY=<server URL> bash scripts/run.sh` and use {origin}/mlflow as the server.",
        origin = origin()
    )
}

fn builder(method: HttpMethod, url: &str) -> RequestBuilder {
    match method {
        HttpMethod::Get => Request::get(url),
        HttpMethod::Post => Request::post(url),
        HttpMethod::Put => Request::put(url),
        HttpMethod::Patch => Request::patch(url),
        HttpMethod::Delete => Request::delete(url),
    }
}

impl HttpClient for BrowserHttp {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let timeout = web_sys::AbortSignal::timeout_with_u32(REQUEST_TIMEOUT_MS);
        let mut builder = builder(request.method, &request.url).abort_signal(Some(&timeout));
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let built = if request.body.is_empty() {
            builder.build()
        } else {
            builder.body(js_sys::Uint8Array::from(request.body.as_slice()))
        };
        let built = built.map_err(|e| TransportError::Other(e.to_string()))?;
        let response = built.send().await.map_err(|_| {
            if timeout.aborted() {
                TransportError::Timeout
            } else {
                TransportError::Other(unreachable_detail())
            }
        })?;
        let status = response.status();
        let retry_after = response.headers().get("retry-after");
        let too_big = response
            .headers()
            .get("content-length")
            .and_then(|n| n.parse::<u64>().ok())
            .is_some_and(|n| n > MAX_ANSWER_BYTES as u64);
        if too_big {
            return Err(TransportError::Other(too_big_detail()));
        }
        let body = response
            .binary()
            .await
            .map_err(|_| TransportError::ConnectionLost)?;
        // A chunked answer has no length up front: the cap applies once it is read.
        if body.len() > MAX_ANSWER_BYTES {
            return Err(TransportError::Other(too_big_detail()));
        }
        Ok(HttpResponse {
            status,
            body,
            retry_after,
        })
    }

    async fn sleep(&self, ms: u64) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let wait = js_sys::Promise::new(&mut |resolve, _| {
            let ms = i32::try_from(ms).unwrap_or(i32::MAX);
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(wait).await;
    }
}

fn too_big_detail() -> String {
    format!(
        "the answer is larger than {} MiB, more than any MLflow call returns; check the server address",
        MAX_ANSWER_BYTES >> 20
    )
}
