//! What the page remembers in `localStorage` between visits: small text values under
//! `flowbook.*` keys (the user's name, the current experiment, the notebook, the MLflow
//! settings). Storage can be missing (a private window) or full; then nothing is
//! remembered and the page works on, so neither reading nor writing reports an error.

/// The value kept under `key`, or `None` when there is none or storage is unavailable.
pub fn local_setting(key: &str) -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage.get_item(key).ok()?
}

/// Keeps `value` under `key` for the next visit; empty text forgets it.
pub fn set_local_setting(key: &str, value: &str) {
    let Some(Ok(Some(storage))) = web_sys::window().map(|w| w.local_storage()) else {
        return;
    };
    let _ = if value.is_empty() {
        storage.remove_item(key)
    } else {
        storage.set_item(key, value)
    };
}

/// Calls `heard` with the new value each time another tab of this site changes `key`
/// (`None` when it removed it). The browser's `storage` event fires only once the change
/// is visible here, unlike a message on another channel, which can arrive first.
pub fn on_change_in_other_tabs(key: &'static str, heard: impl Fn(Option<String>) + 'static) {
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let listener = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::StorageEvent)>::new(
        move |event: web_sys::StorageEvent| {
            if event.key().as_deref() == Some(key) {
                heard(event.new_value());
            }
        },
    );
    let _ = window.add_event_listener_with_callback("storage", listener.as_ref().unchecked_ref());
    // The page listens until it closes.
    listener.forget();
}
