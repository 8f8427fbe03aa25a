//! Waiting for the browser to paint: work that can come a moment later (keeping a
//! thousand runs) waits until what the user waits for (a result) is on screen.

/// Resolves once the browser has painted the next frame: a `requestAnimationFrame`
/// callback runs just before the paint, and a timeout set from it runs just after. Without
/// a window it resolves at once; a tab whose frames are held back (in the background)
/// goes on after a short timeout.
pub async fn after_next_paint() {
    use wasm_bindgen::JsCast;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let Some(window) = web_sys::window() else {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
            return;
        };
        let after_frame = {
            let (window, resolve) = (window.clone(), resolve.clone());
            wasm_bindgen::closure::Closure::once_into_js(move || {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
            })
        };
        let framed = window
            .request_animation_frame(after_frame.unchecked_ref())
            .is_ok();
        // A background tab gives no frames: a timeout lets the work go on there too.
        let fallback_ms = if framed { FRAME_FALLBACK_MS } else { 0 };
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, fallback_ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// How long a tab without frames (in the background) waits before going on anyway.
const FRAME_FALLBACK_MS: i32 = 100;
