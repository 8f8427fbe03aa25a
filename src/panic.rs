//! Panic reporting: a panic must never leave a dead page without a word.
//!
//! The hook logs the panic to the console (with `console_error_panic_hook`) and writes a
//! readable banner into the page (`#panic`), telling the user to reload.

use wasm_bindgen::JsCast;

/// Id of the banner element that shows an internal error.
pub const PANIC_BANNER_ID: &str = "panic";

/// Installs the panic hook. Call once, before mounting the app.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let message = info.payload_as_str().unwrap_or("unknown panic");
        show_panic_banner(message);
    }));
}

/// The text shown to the user for a panic with this message.
pub fn panic_text(message: &str) -> String {
    format!("Flowbook hit an internal error: {message}. Reload the page; your files are not lost.")
}

/// Writes the panic message into the `#panic` banner, creating it if the page lacks it.
/// Does nothing outside a browser.
pub fn show_panic_banner(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let banner = match document.get_element_by_id(PANIC_BANNER_ID) {
        Some(banner) => banner,
        None => {
            let Ok(banner) = document.create_element("div") else {
                return;
            };
            banner.set_id(PANIC_BANNER_ID);
            let Some(body) = document.body() else {
                return;
            };
            if body.prepend_with_node_1(&banner).is_err() {
                return;
            }
            banner
        }
    };
    let _ = banner.set_attribute("role", "alert");
    let _ = banner.set_attribute("data-testid", "panic");
    banner.set_text_content(Some(&panic_text(message)));
    if let Some(html) = banner.dyn_ref::<web_sys::HtmlElement>() {
        html.set_hidden(false);
    }
}
