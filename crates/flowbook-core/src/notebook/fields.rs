//! Reading one JSON object of a notebook file field by field, so that every complaint names
//! where it is (`cells[3].alpha: expected a number, found a string "abc"`) and the fields
//! nobody asked for can be kept and reported as unknown.

use serde_json::{Map, Value};

use super::file::OpenError;

pub(super) struct Fields<'a> {
    path: String,
    map: &'a Map<String, Value>,
    used: Vec<&'static str>,
}

/// How a value reads in a message: its type, and the value itself when short.
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() <= 40 => format!("the text {s:?}"),
        Value::String(_) => "a long text".to_string(),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

impl<'a> Fields<'a> {
    pub(super) fn new(path: String, value: &'a Value) -> Result<Fields<'a>, OpenError> {
        match value {
            Value::Object(map) => Ok(Fields {
                path,
                map,
                used: Vec::new(),
            }),
            other => Err(OpenError::Invalid {
                path,
                message: format!("expected an object {{…}}, found {}", describe(other)),
            }),
        }
    }

    pub(super) fn path_of(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    pub(super) fn error(&self, name: &str, message: String) -> OpenError {
        OpenError::Invalid {
            path: self.path_of(name),
            message,
        }
    }

    /// The field's value; `null` counts as absent, as a newer writer may clear a field so.
    pub(super) fn value(&mut self, name: &'static str) -> Option<&'a Value> {
        self.used.push(name);
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// The field read by `read`, or `None` when absent; `expected` names what `read` accepts.
    pub(super) fn optional<T>(
        &mut self,
        name: &'static str,
        expected: &str,
        read: impl Fn(&'a Value) -> Option<T>,
    ) -> Result<Option<T>, OpenError> {
        match self.value(name) {
            None => Ok(None),
            Some(value) => read(value).map(Some).ok_or_else(|| {
                self.error(
                    name,
                    format!("expected {expected}, found {}", describe(value)),
                )
            }),
        }
    }

    pub(super) fn required<T>(
        &mut self,
        name: &'static str,
        expected: &str,
        read: impl Fn(&'a Value) -> Option<T>,
    ) -> Result<T, OpenError> {
        self.optional(name, expected, read)?
            .ok_or_else(|| self.error(name, format!("missing; expected {expected}")))
    }

    pub(super) fn text_or(
        &mut self,
        name: &'static str,
        default: &str,
    ) -> Result<String, OpenError> {
        Ok(self
            .optional(name, "text", as_text)?
            .unwrap_or_else(|| default.to_string()))
    }

    pub(super) fn number_or(&mut self, name: &'static str, default: f64) -> Result<f64, OpenError> {
        Ok(self
            .optional(name, "a number", Value::as_f64)?
            .unwrap_or(default))
    }

    pub(super) fn integer_or(
        &mut self,
        name: &'static str,
        default: i64,
    ) -> Result<i64, OpenError> {
        Ok(self
            .optional(name, "a whole number", Value::as_i64)?
            .unwrap_or(default))
    }

    pub(super) fn bool_or(&mut self, name: &'static str, default: bool) -> Result<bool, OpenError> {
        Ok(self
            .optional(name, "true or false", Value::as_bool)?
            .unwrap_or(default))
    }

    /// A list, each item read by `read`; a bad item is named by its position.
    pub(super) fn list<T>(
        &mut self,
        name: &'static str,
        expected_item: &str,
        read: impl Fn(&'a Value) -> Option<T>,
    ) -> Result<Option<Vec<T>>, OpenError> {
        let Some(items) = self.optional(name, "a list [...]", Value::as_array)? else {
            return Ok(None);
        };
        let path = self.path_of(name);
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                read(item).ok_or_else(|| OpenError::Invalid {
                    path: format!("{path}[{i}]"),
                    message: format!("expected {expected_item}, found {}", describe(item)),
                })
            })
            .collect::<Result<Vec<T>, _>>()
            .map(Some)
    }

    /// A nested object, read with its own path.
    pub(super) fn child(&mut self, name: &'static str) -> Result<Fields<'a>, OpenError> {
        let path = self.path_of(name);
        match self.value(name) {
            Some(value) => Fields::new(path, value),
            None => Err(OpenError::Invalid {
                path,
                message: "missing; expected an object {…}".to_string(),
            }),
        }
    }

    pub(super) fn unknown_names(&self) -> Vec<String> {
        self.map
            .keys()
            .filter(|key| !self.used.iter().any(|used| used == key))
            .cloned()
            .collect()
    }

    /// Fields no reader asked for, with a warning for each.
    pub(super) fn unknown(&self, warnings: &mut Vec<String>) -> Map<String, Value> {
        let rest: Map<String, Value> = self
            .map
            .iter()
            .filter(|(key, _)| !self.used.iter().any(|used| used == key))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        for key in rest.keys() {
            warnings.push(format!(
                "{}: unknown field, kept as it is (perhaps written by a newer Flowbook)",
                self.path_of(key)
            ));
        }
        rest
    }
}

pub(super) fn as_text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
}
