//! Where the MLflow server is and how to sign in, remembered on this device: the server
//! address, experiment, sign-in kind and user name are kept in `localStorage` so a reload
//! does not lose them. The password or token is kept only when the user ticks "Remember
//! the secret on this device"; otherwise it lives in this page alone and is gone on reload.

use flowbook_core::mlflow::{Auth, ServerConfig};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::services::local_settings::{local_setting, set_local_setting};

/// How the page signs in to the server. Saved as `none`, `basic` or `bearer`; an unknown
/// word (from another version) reads as `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthKind {
    Basic,
    Bearer,
    #[default]
    #[serde(other)]
    None,
}

impl AuthKind {
    pub const ALL: [AuthKind; 3] = [AuthKind::None, AuthKind::Basic, AuthKind::Bearer];

    /// The word in `localStorage` and in the `<select>`'s values.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::None => "none",
            AuthKind::Basic => "basic",
            AuthKind::Bearer => "bearer",
        }
    }

    /// How the choice reads on screen.
    pub fn label(self) -> &'static str {
        match self {
            AuthKind::None => "None",
            AuthKind::Basic => "Username and password",
            AuthKind::Bearer => "Token",
        }
    }

    /// The kind a `<select>` value names; anything else is `None`.
    pub fn from_value(value: &str) -> AuthKind {
        AuthKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
            .unwrap_or_default()
    }
}

/// The `localStorage` key of the saved settings.
pub const SETTINGS_KEY: &str = "flowbook.mlflow.settings";

/// What is written to `localStorage`. `secret` is present only when `remember_secret`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SavedSettings {
    url: String,
    experiment: String,
    #[serde(default)]
    auth_kind: AuthKind,
    username: String,
    #[serde(default)]
    remember_secret: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

impl Default for SavedSettings {
    fn default() -> Self {
        SavedSettings {
            url: "http://127.0.0.1:5000".to_string(),
            experiment: "Flowbook".to_string(),
            auth_kind: AuthKind::None,
            username: String::new(),
            remember_secret: false,
            secret: None,
        }
    }
}

/// The saved settings, or the defaults when there are none or they cannot be read (a
/// private window without storage, or text from another version: settings are not worth
/// an error message).
fn load() -> SavedSettings {
    local_setting(SETTINGS_KEY)
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Where the MLflow server is and how to sign in. The page provides one in a context
/// (`provide_context(MlflowSettings::new())` in `App`) so the sync panel and the server runs
/// view talk to the same server; a component without it gets its own (see [`Self::from_context`]).
#[derive(Debug, Clone, Copy)]
pub struct MlflowSettings {
    pub url: RwSignal<String>,
    pub experiment: RwSignal<String>,
    pub auth_kind: RwSignal<AuthKind>,
    pub username: RwSignal<String>,
    /// The password or token; saved only with `remember_secret`.
    pub secret: RwSignal<String>,
    pub remember_secret: RwSignal<bool>,
}

impl Default for MlflowSettings {
    fn default() -> Self {
        Self::new()
    }
}

impl MlflowSettings {
    /// The settings saved on this device (or the defaults), saved again on every change.
    pub fn new() -> MlflowSettings {
        let saved = load();
        let settings = MlflowSettings {
            url: RwSignal::new(saved.url),
            experiment: RwSignal::new(saved.experiment),
            auth_kind: RwSignal::new(saved.auth_kind),
            username: RwSignal::new(saved.username),
            secret: RwSignal::new(saved.secret.unwrap_or_default()),
            remember_secret: RwSignal::new(saved.remember_secret),
        };
        Effect::new(move |_| settings.save());
        settings
    }

    /// Writes the settings (tracked: the effect in [`Self::new`] re-runs on every change).
    fn save(&self) {
        let remember_secret = self.remember_secret.get();
        let saved = SavedSettings {
            url: self.url.get(),
            experiment: self.experiment.get(),
            auth_kind: self.auth_kind.get(),
            username: self.username.get(),
            remember_secret,
            secret: remember_secret.then(|| self.secret.get()),
        };
        if let Ok(text) = serde_json::to_string(&saved) {
            set_local_setting(SETTINGS_KEY, &text);
        }
    }

    /// The page's settings, or new ones (provided below this component) when the page
    /// provides none.
    pub fn from_context() -> MlflowSettings {
        use_context::<MlflowSettings>().unwrap_or_else(|| {
            let settings = MlflowSettings::new();
            provide_context(settings);
            settings
        })
    }

    /// The server as the engine needs it, read without tracking.
    pub fn config(&self) -> ServerConfig {
        let auth = match self.auth_kind.get_untracked() {
            AuthKind::Basic => Auth::Basic {
                username: self.username.get_untracked(),
                password: self.secret.get_untracked(),
            },
            AuthKind::Bearer => Auth::Bearer {
                token: self.secret.get_untracked(),
            },
            AuthKind::None => Auth::None,
        };
        ServerConfig::new(&self.url.get_untracked(), auth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_secret_is_written_only_when_remembered() {
        let mut saved = SavedSettings {
            secret: None,
            ..SavedSettings::default()
        };
        assert!(!serde_json::to_string(&saved)
            .unwrap()
            .contains("\"secret\""));
        saved.remember_secret = true;
        saved.secret = Some("s3cret".to_string());
        let text = serde_json::to_string(&saved).unwrap();
        assert_eq!(serde_json::from_str::<SavedSettings>(&text).unwrap(), saved);
    }

    #[wasm_bindgen_test]
    fn the_sign_in_kind_is_saved_as_its_word_and_unknown_words_read_as_none() {
        let saved = SavedSettings {
            auth_kind: AuthKind::Bearer,
            ..SavedSettings::default()
        };
        assert!(serde_json::to_string(&saved)
            .unwrap()
            .contains("\"auth_kind\":\"bearer\""));
        let text = r#"{"url":"u","experiment":"e","auth_kind":"kerberos","username":""}"#;
        let read: SavedSettings = serde_json::from_str(text).unwrap();
        assert_eq!(read.auth_kind, AuthKind::None);
        for kind in AuthKind::ALL {
            assert_eq!(AuthKind::from_value(kind.as_str()), kind);
        }
    }
}
