//! The engine's HTTP seam for the `flowbook` command: blocking `ureq` calls with a time
//! limit, inside `async fn`s that `pollster` drives on the command's one thread.

use std::time::Duration;

use flowbook_core::mlflow::{
    HttpClient, HttpMethod, HttpRequest, HttpResponse, TransportError, MAX_ANSWER_BYTES,
};

pub struct NativeHttp {
    agent: ureq::Agent,
    /// `FLOWBOOK_HTTP_TRACE=1`: one stderr line per request (method, path, status, time),
    /// to see where a sync spends its requests. Never prints headers or bodies.
    trace: bool,
}

impl NativeHttp {
    pub fn new(timeout: Duration) -> NativeHttp {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            // The engine reads 4xx/5xx bodies (MLflow's error JSON) itself.
            .http_status_as_error(false)
            .build();
        NativeHttp {
            agent: config.into(),
            trace: std::env::var_os("FLOWBOOK_HTTP_TRACE").is_some_and(|v| v == "1"),
        }
    }
}

fn transport_error(error: ureq::Error) -> TransportError {
    match error {
        ureq::Error::Timeout(_) => TransportError::Timeout,
        ureq::Error::HostNotFound => TransportError::UnknownHost,
        ureq::Error::ConnectionFailed => TransportError::ConnectionRefused,
        ureq::Error::Io(e) => match e.kind() {
            std::io::ErrorKind::ConnectionRefused => TransportError::ConnectionRefused,
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                TransportError::Timeout
            }
            std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe => TransportError::ConnectionLost,
            // A failed name lookup comes back from the resolver as a plain I/O error.
            _ if e.to_string().contains("lookup address") => TransportError::UnknownHost,
            _ => TransportError::Other(e.to_string()),
        },
        other => TransportError::Other(other.to_string()),
    }
}

impl HttpClient for NativeHttp {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let started = std::time::Instant::now();
        let (method, url) = (request.method, request.url.clone());
        let answer = self.send_untraced(request);
        if self.trace {
            // The path only: a query or URL could carry something private.
            let path = url.split('?').next().unwrap_or_default();
            let path = path.split_once("://").map_or(path, |(_, rest)| rest);
            let path = path.find('/').map_or("/", |i| &path[i..]);
            let status = answer.as_ref().map_or(0, |a| a.status);
            eprintln!(
                "http {} {path} {status} {:.1} ms",
                method.as_str(),
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
        answer
    }

    async fn sleep(&self, ms: u64) {
        // The command pushes from one thread (pollster): blocking it is the wait.
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

impl NativeHttp {
    fn send_untraced(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(&request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let bad_request =
            |e: ureq::http::Error| TransportError::Other(format!("cannot build the request: {e}"));
        // GET and DELETE carry no body (ureq refuses one); the others always send theirs.
        let answer = if matches!(request.method, HttpMethod::Get | HttpMethod::Delete) {
            self.agent.run(builder.body(()).map_err(bad_request)?)
        } else {
            self.agent
                .run(builder.body(request.body).map_err(bad_request)?)
        };
        let mut answer = answer.map_err(transport_error)?;
        let status = answer.status().as_u16();
        let retry_after = answer
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = answer
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES as u64)
            .read_to_vec()
            .map_err(transport_error)?;
        Ok(HttpResponse {
            status,
            body,
            retry_after,
        })
    }
}
