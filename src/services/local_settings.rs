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
