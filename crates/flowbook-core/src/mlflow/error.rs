//! What can go wrong while syncing, in words that say what happened and what to do.

use serde::Deserialize;
use thiserror::Error;

use super::http::{HttpResponse, TransportError};

#[derive(Debug, Error, Clone, PartialEq)]
pub enum SyncError {
    #[error("cannot reach the MLflow server at {url}: connection refused. Start it (`mlflow server --host 127.0.0.1 --port 5000`) or check the URL and port.")]
    Unreachable { url: String },
    #[error("cannot find the host of {url}. Check the spelling of the server URL.")]
    UnknownHost { url: String },
    #[error("the MLflow server at {url} did not answer in time. It may be overloaded or stuck; try again, and check the server's log.")]
    Timeout { url: String },
    #[error("the connection to the MLflow server at {url} broke off before it answered (did the server stop or restart?). Push again once it is up: Flowbook resumes the same run without duplicates.")]
    ConnectionLost { url: String },
    #[error("the request to {url} failed: {detail}")]
    Transport { url: String, detail: String },
    #[error("the MLflow server failed with HTTP {status} ({message}). This is a problem on the server: check its log, then try again; a retried sync does not duplicate anything.")]
    Server { status: u16, message: String },
    #[error("the MLflow server at {url} rejected the credentials (HTTP 401). Check the username and password (or token).")]
    Unauthorized { url: String },
    #[error("the MLflow server refused this request (HTTP 403: {message}). This user has no permission on the experiment: ask its owner or an admin for it, or use another experiment.")]
    Forbidden { message: String },
    #[error("the MLflow server refused this request because of where it comes from (HTTP 403: {message}). Start the server with `--allowed-hosts <host:port of its URL>` (Host header) or `--cors-allowed-origins <this app's origin>` (browser origin).")]
    HostOrOriginRejected { message: String },
    #[error("{url} answered HTTP {status} to an MLflow API call: it does not look like an MLflow tracking server. Check the URL (the server root, e.g. http://127.0.0.1:5000).")]
    NotMlflow { url: String, status: u16 },
    #[error("the experiment {name:?} was deleted but still owns its name on the server. Restore it (MLflow UI, or `mlflow experiments restore --experiment-id {experiment_id}`) or pick another experiment name.")]
    DeletedExperiment { name: String, experiment_id: String },
    #[error("the MLflow server does not proxy artifacts, so Flowbook cannot upload files. Start it with `--serve-artifacts` (the default) and an `--artifacts-destination`.")]
    ArtifactsNotProxied,
    #[error("the MLflow server at {url} is busy (HTTP {status}) and asked Flowbook to wait {wait}, longer than it waits on its own. Push again later: nothing is duplicated.")]
    Busy {
        url: String,
        status: u16,
        wait: String,
    },
    #[error("the MLflow server at {url} sent the same page of results twice (page token {token:?}): its paging loops, so Flowbook stopped after {pages} pages. Check the server (or a proxy in front of it).")]
    PagingLoops {
        url: String,
        token: String,
        pages: usize,
    },
    #[error("the MLflow server rejected the request ({code}: {message})")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the MLflow server sent an answer Flowbook does not understand ({what})")]
    UnexpectedResponse { what: String },
    #[error("{0}")]
    InvalidInput(String),
}

/// MLflow's error body: `{"error_code": "...", "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MlflowErrorBody {
    pub error_code: String,
    #[serde(default)]
    pub message: String,
}

/// Parses an MLflow error body; `None` when the body is not one (HTML page, plain text).
pub fn parse_error_body(body: &[u8]) -> Option<MlflowErrorBody> {
    serde_json::from_slice::<MlflowErrorBody>(body)
        .ok()
        .filter(|e| !e.error_code.is_empty())
}

/// Server text, shortened and on one line, for messages.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 200 {
        format!("{}…", one_line.chars().take(200).collect::<String>())
    } else if one_line.is_empty() {
        "no details".to_string()
    } else {
        one_line
    }
}

impl SyncError {
    pub(crate) fn from_transport(url: &str, error: TransportError) -> SyncError {
        let url = url.to_string();
        match error {
            TransportError::ConnectionRefused => SyncError::Unreachable { url },
            TransportError::UnknownHost => SyncError::UnknownHost { url },
            TransportError::Timeout => SyncError::Timeout { url },
            TransportError::ConnectionLost => SyncError::ConnectionLost { url },
            TransportError::Other(detail) => SyncError::Transport { url, detail },
        }
    }

    /// Classifies a non-2xx answer. `base_url` names the server in messages.
    pub(crate) fn from_status(base_url: &str, response: &HttpResponse) -> SyncError {
        let parsed = parse_error_body(&response.body);
        let message = parsed
            .as_ref()
            .map(|e| e.message.clone())
            .unwrap_or_else(|| excerpt(&response.body));
        match (response.status, parsed) {
            (429, _) => SyncError::Busy {
                url: base_url.to_string(),
                status: 429,
                wait: response
                    .retry_after
                    .as_deref()
                    .map_or("a while".to_string(), |w| format!("{w} s")),
            },
            (401, _) => SyncError::Unauthorized {
                url: base_url.to_string(),
            },
            // The server's security middleware (Host header, CORS) answers 403 too.
            (403, _)
                if ["host header", "origin", "cors"]
                    .iter()
                    .any(|w| message.to_ascii_lowercase().contains(w)) =>
            {
                SyncError::HostOrOriginRejected { message }
            }
            (403, _) => SyncError::Forbidden { message },
            (status @ 500..=599, _) => SyncError::Server { status, message },
            (status, Some(body)) => SyncError::Api {
                status,
                code: body.error_code,
                message,
            },
            // A 4xx without MLflow's JSON body comes from something else: a web server,
            // a proxy or another application at that URL.
            (status, None) => SyncError::NotMlflow {
                url: base_url.to_string(),
                status,
            },
        }
    }

    /// The MLflow error code, when the server sent one.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            SyncError::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            body: body.as_bytes().to_vec(),
            retry_after: None,
        }
    }

    #[test]
    fn mlflow_error_bodies_are_parsed() {
        let body = br#"{"error_code": "RESOURCE_ALREADY_EXISTS", "message": "Experiment 'x' already exists."}"#;
        let parsed = parse_error_body(body).expect("an MLflow error body");
        assert_eq!(parsed.error_code, "RESOURCE_ALREADY_EXISTS");
        assert_eq!(parsed.message, "Experiment 'x' already exists.");
        assert_eq!(parse_error_body(b"<html>404 Not Found</html>"), None);
        assert_eq!(parse_error_body(br#"{"message": "no code"}"#), None);
        assert_eq!(parse_error_body(b""), None);
    }

    #[test]
    fn statuses_map_to_plain_errors() {
        let base = "http://127.0.0.1:5000";
        let missing = answer(
            404,
            r#"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no such run"}"#,
        );
        assert_eq!(
            SyncError::from_status(base, &missing).error_code(),
            Some("RESOURCE_DOES_NOT_EXIST")
        );
        assert!(matches!(
            SyncError::from_status(base, &answer(404, "<html>Not Found</html>")),
            SyncError::NotMlflow { status: 404, .. }
        ));
        assert!(matches!(
            SyncError::from_status(base, &answer(401, "You are not authenticated")),
            SyncError::Unauthorized { .. }
        ));
        let forbidden = SyncError::from_status(base, &answer(403, "Permission denied"));
        assert!(matches!(forbidden, SyncError::Forbidden { .. }));
        assert!(forbidden.to_string().contains("Permission denied"));
        let host = SyncError::from_status(
            base,
            &answer(
                403,
                "Invalid Host header - possible DNS rebinding attack detected",
            ),
        );
        assert!(host.to_string().contains("--allowed-hosts"), "{host}");
        let origin = SyncError::from_status(base, &answer(403, "Cross-origin request blocked"));
        assert!(
            origin.to_string().contains("--cors-allowed-origins"),
            "{origin}"
        );
        let crash = SyncError::from_status(
            base,
            &answer(
                500,
                r#"{"error_code":"INTERNAL_ERROR","message":"db locked"}"#,
            ),
        );
        assert!(matches!(crash, SyncError::Server { status: 500, .. }));
        assert!(crash.to_string().contains("db locked"));
    }
}
