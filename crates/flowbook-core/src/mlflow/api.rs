//! The engine's handle on one server: builds URLs and requests (auth included), turns
//! answers into JSON or a [`SyncError`]. Every sync step goes through here.

use serde_json::Value;

use super::error::SyncError;
use super::http::{
    percent_encode, HttpClient, HttpMethod, HttpRequest, HttpResponse, ServerConfig,
};
use super::retry::retry_wait;

/// Syncs Flowbook runs to one MLflow tracking server through an [`HttpClient`].
pub struct MlflowSync<C: HttpClient> {
    client: C,
    config: ServerConfig,
}

impl<C: HttpClient> MlflowSync<C> {
    pub fn new(client: C, config: ServerConfig) -> Self {
        MlflowSync { client, config }
    }

    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The run's page in the MLflow UI.
    pub fn run_url(&self, experiment_id: &str, run_id: &str) -> String {
        format!(
            "{}/#/experiments/{experiment_id}/runs/{run_id}",
            self.config.base_url
        )
    }

    /// Sends one request to `path` (from the server root, with any query) and returns the
    /// answer whatever its status; only a missing answer is an error here. A busy server's
    /// refusal is retried first (see [`retry_wait`]).
    pub(crate) async fn send(
        &self,
        method: HttpMethod,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<HttpResponse, SyncError> {
        let url = format!("{}{path}", self.config.base_url);
        let mut headers = Vec::new();
        if let Some(value) = self.config.auth.header_value() {
            headers.push(("Authorization".to_string(), value));
        }
        let body = match body {
            Some((content_type, bytes)) => {
                headers.push(("Content-Type".to_string(), content_type.to_string()));
                bytes
            }
            None => Vec::new(),
        };
        let request = HttpRequest {
            method,
            url,
            headers,
            body,
        };
        let mut attempt = 0;
        loop {
            let response = self
                .client
                .send(request.clone())
                .await
                .map_err(|e| SyncError::from_transport(&self.config.base_url, e))?;
            match retry_wait(&response, attempt) {
                Some(ms) => {
                    self.client.sleep(ms).await;
                    attempt += 1;
                }
                None => return Ok(response),
            }
        }
    }

    /// Like [`send`](Self::send), but a non-2xx answer becomes a [`SyncError`].
    pub(crate) async fn send_ok(
        &self,
        method: HttpMethod,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<HttpResponse, SyncError> {
        let response = self.send(method, path, body).await?;
        if response.is_success() {
            Ok(response)
        } else {
            Err(SyncError::from_status(&self.config.base_url, &response))
        }
    }

    /// Calls `/api/2.0/mlflow/<endpoint>` with a JSON body (POST, PATCH) or none (GET),
    /// and parses the JSON answer.
    pub(crate) async fn call(
        &self,
        method: HttpMethod,
        endpoint: &str,
        body: Option<&Value>,
    ) -> Result<Value, SyncError> {
        let path = format!("/api/2.0/mlflow/{endpoint}");
        let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
        let response = self.send_ok(method, &path, body).await?;
        if response.body.is_empty() {
            return Ok(Value::Object(Default::default()));
        }
        serde_json::from_slice(&response.body).map_err(|_| SyncError::UnexpectedResponse {
            what: format!("{endpoint} did not answer with JSON"),
        })
    }

    pub(crate) async fn get(
        &self,
        endpoint: &str,
        query: &[(&str, &str)],
    ) -> Result<Value, SyncError> {
        let query: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v, false)))
            .collect();
        let endpoint = if query.is_empty() {
            endpoint.to_string()
        } else {
            format!("{endpoint}?{}", query.join("&"))
        };
        self.call(HttpMethod::Get, &endpoint, None).await
    }

    pub(crate) async fn post(&self, endpoint: &str, body: &Value) -> Result<Value, SyncError> {
        self.call(HttpMethod::Post, endpoint, Some(body)).await
    }
}

/// A string field of a JSON answer, or an error naming what is missing.
pub(crate) fn string_at(value: &Value, pointer: &str) -> Result<String, SyncError> {
    value
        .pointer(pointer)
        .and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .ok_or_else(|| SyncError::UnexpectedResponse {
            what: format!("no {pointer} in the answer"),
        })
}
