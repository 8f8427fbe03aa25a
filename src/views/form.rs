//! Form pieces the panels share.

use leptos::prelude::*;

/// A text field bound to `value`: it shows the signal, and each keystroke sets it.
/// `kind` is the input's type ("text", "url", "password"); `placeholder` is shown while
/// it is empty.
pub fn bound_input(
    testid: &'static str,
    value: RwSignal<String>,
    kind: &'static str,
    placeholder: Option<&'static str>,
) -> impl IntoView {
    view! {
        <input
            data-testid=testid
            type=kind
            autocomplete="off"
            placeholder=placeholder
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    }
}

/// A number typed in a field, or a message naming the field.
pub fn parse_number(label: &str, text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{label} must be a number, such as 1 or 0.5 (got {text:?})"))
}
