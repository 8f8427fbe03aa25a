//! Presentation helpers: how numbers and times read on screen.

/// `76518` → `"76,518"`.
pub fn group_digits(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A byte count in the unit a person reads best: `1_331_995` → `"1.3 MB"` (powers of 1000,
/// as browsers and file managers show them).
pub fn human_size(size_bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if size_bytes < 1000 {
        return format!("{size_bytes} B");
    }
    let mut value = size_bytes as f64 / 1000.0;
    let mut unit = UNITS[0];
    for next in &UNITS[1..] {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = next;
    }
    if value < 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

/// `1` → `"1 row group"`, `2` → `"2 row groups"`.
pub fn plural(count: u64, one: &str, many: &str) -> String {
    let word = if count == 1 { one } else { many };
    format!("{} {word}", group_digits(count))
}

/// Milliseconds since the Unix epoch as the visitor's local date and time, day first
/// (`2/12/2026, 09:41:07`): the one way the page shows a time.
pub fn local_time(ms: f64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    String::from(date.to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn digits_are_grouped_by_thousands() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(76_518), "76,518");
        assert_eq!(group_digits(1_234_567), "1,234,567");
    }

    #[wasm_bindgen_test]
    fn sizes_use_readable_units() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1_331_995), "1.3 MB");
        assert_eq!(human_size(45_000), "45 KB");
        assert_eq!(human_size(2_500_000_000), "2.5 GB");
    }

    #[wasm_bindgen_test]
    fn plural_picks_the_word() {
        assert_eq!(plural(1, "row group", "row groups"), "1 row group");
        assert_eq!(plural(3, "row group", "row groups"), "3 row groups");
    }
}
