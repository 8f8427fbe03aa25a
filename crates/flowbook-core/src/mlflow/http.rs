//! The HTTP seam between the sync engine and the platform: the browser implements
//! [`HttpClient`] with fetch, the `flowbook` command with a blocking native client.

use std::fmt;

/// The most of one answer either client reads (64 MiB): far more than any MLflow page,
/// and a bound on what a broken or hostile server can make Flowbook hold.
pub const MAX_ANSWER_BYTES: usize = 64 << 20;

/// HTTP methods the MLflow REST API needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// One request, fully formed (auth header included) by the engine.
#[derive(Clone)]
pub struct HttpRequest {
    pub method: HttpMethod,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Debug hides header values: the `Authorization` header carries credentials.
impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("header_names", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[derive(Debug, Clone, Default)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
    /// The `Retry-After` header, as sent (seconds or an HTTP date).
    pub retry_after: Option<String>,
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why a request got no HTTP answer at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// Nothing listens at that address (or a firewall said no).
    ConnectionRefused,
    /// The host name did not resolve.
    UnknownHost,
    /// No complete answer within the client's time limit.
    Timeout,
    /// The connection broke before the answer was complete (server stopped or restarted).
    ConnectionLost,
    /// Anything else; the text must not contain credentials.
    Other(String),
}

/// Sends one request. Generic use only (`C: HttpClient`), never `dyn`.
// `async fn` in a public trait gives futures without a `Send` bound. That is deliberate:
// the browser's fetch futures are not `Send`, and the engine never moves them across threads.
#[allow(async_fn_in_trait)]
pub trait HttpClient {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;

    /// Waits before a retry (a busy server's `Retry-After`, a locked database's backoff).
    async fn sleep(&self, ms: u64);
}

/// How Flowbook proves who it is to the server.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum Auth {
    #[default]
    None,
    Basic {
        username: String,
        password: String,
    },
    Bearer {
        token: String,
    },
}

/// Debug never shows a password or token.
impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => write!(f, "None"),
            Auth::Basic { username, .. } => write!(
                f,
                "Basic {{ username: {username:?}, password: <redacted> }}"
            ),
            Auth::Bearer { .. } => write!(f, "Bearer {{ token: <redacted> }}"),
        }
    }
}

impl Auth {
    /// The `Authorization` header value, if any.
    pub fn header_value(&self) -> Option<String> {
        match self {
            Auth::None => None,
            Auth::Basic { username, password } => Some(format!(
                "Basic {}",
                base64(format!("{username}:{password}").as_bytes())
            )),
            Auth::Bearer { token } => Some(format!("Bearer {token}")),
        }
    }
}

/// Where the tracking server is and how to log in.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ServerConfig {
    /// Server root without a trailing slash and without credentials, e.g. `http://127.0.0.1:5000`.
    pub base_url: String,
    pub auth: Auth,
}

impl ServerConfig {
    /// Normalises the URL. Credentials written into it (`http://user:pass@host`) are moved
    /// into basic auth (unless `auth` is already set) so they never reach a message or a log.
    pub fn new(base_url: &str, auth: Auth) -> ServerConfig {
        let trimmed = base_url.trim().trim_end_matches('/');
        let (scheme, rest) = match trimmed.split_once("://") {
            Some((scheme, rest)) => (scheme.to_string(), rest),
            None => ("http".to_string(), trimmed),
        };
        // Userinfo ends at the last '@' when the text before it looks like `user:pass`, even
        // if a careless password holds '/', '?' or '#': it must never stay in the URL.
        let (userinfo, rest) = match rest.rsplit_once('@') {
            Some((info, after)) if !info.contains('/') || info.contains(':') => (Some(info), after),
            _ => (None, rest),
        };
        // The server root has no query or fragment (a token there would reach messages).
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let path = path.trim_end_matches('/');
        let auth = match (auth, userinfo) {
            (Auth::None, Some(info)) => {
                let (username, password) = info.split_once(':').unwrap_or((info, ""));
                Auth::Basic {
                    username: percent_decode(username),
                    password: percent_decode(password),
                }
            }
            (auth, _) => auth,
        };
        ServerConfig {
            base_url: format!("{scheme}://{host}{path}"),
            auth,
        }
    }

    /// Whether a password or token would cross the network unencrypted: plain `http://` to
    /// a host other than this machine (loopback traffic never leaves it).
    pub fn credentials_in_clear(&self) -> bool {
        let Some(rest) = self.base_url.strip_prefix("http://") else {
            return false;
        };
        let authority = rest.split('/').next().unwrap_or_default();
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => authority.split(':').next().unwrap_or_default(),
        };
        let loopback = host.eq_ignore_ascii_case("localhost")
            || host == "::1"
            || host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback());
        self.auth != Auth::None && !loopback
    }
}

/// Standard base64 with padding (RFC 4648), for a basic-auth header.
pub(crate) fn base64(input: &[u8]) -> String {
    crate::store::base64::encode(input)
}

/// Percent-encodes everything but RFC 3986 unreserved characters (and `/` when asked).
pub(crate) fn percent_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && byte == b'/');
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(value)) => {
                out.push(value);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_clear_means_plain_http_to_another_machine() {
        let basic = || Auth::Basic {
            username: "ada".into(),
            password: "pw".into(),
        };
        let clear = |url: &str, auth: Auth| ServerConfig::new(url, auth).credentials_in_clear();
        assert!(clear("http://mlflow.team.example:5000", basic()));
        assert!(clear(
            "http://10.0.0.7:5000/",
            Auth::Bearer { token: "t".into() }
        ));
        assert!(
            clear("http://ada:pw@192.168.1.2:5000", Auth::None),
            "userinfo is credentials too"
        );
        assert!(!clear("https://mlflow.team.example", basic()));
        assert!(!clear("http://127.0.0.1:5000", basic()));
        assert!(!clear("http://127.8.0.1:5000", basic()));
        assert!(!clear("http://localhost:5000", basic()));
        assert!(!clear("http://[::1]:5000", basic()));
        assert!(!clear("http://mlflow.team.example:5000", Auth::None));
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn credentials_in_the_url_move_to_auth_and_never_show() {
        let config = ServerConfig::new("https://ann:s%40cret@mlflow.example/root/", Auth::None);
        assert_eq!(config.base_url, "https://mlflow.example/root");
        assert_eq!(
            config.auth,
            Auth::Basic {
                username: "ann".into(),
                password: "s@cret".into()
            }
        );
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("s@cret") && !shown.contains("s%40cret"),
            "{shown}"
        );
        let request = HttpRequest {
            method: HttpMethod::Get,
            url: config.base_url.clone(),
            headers: vec![(
                "Authorization".into(),
                config.auth.header_value().unwrap_or_default(),
            )],
            body: Vec::new(),
        };
        assert!(!format!("{request:?}").contains("Basic "));
    }

    #[test]
    fn odd_passwords_queries_and_fragments_never_stay_in_the_url() {
        for (typed, base, password) in [
            ("http://alice:pa/ss@host:5000", "http://host:5000", "pa/ss"),
            ("http://alice:pa?ss@host:5000/", "http://host:5000", "pa?ss"),
            ("http://alice:p#w@host/mlflow", "http://host/mlflow", "p#w"),
            ("http://host:5000/?token=abc#x", "http://host:5000", ""),
            ("127.0.0.1:5000", "http://127.0.0.1:5000", ""),
        ] {
            let config = ServerConfig::new(typed, Auth::None);
            assert_eq!(config.base_url, base, "{typed}");
            match (&config.auth, password) {
                (Auth::None, "") => {}
                (Auth::Basic { password: got, .. }, want) => assert_eq!(got, want, "{typed}"),
                (other, _) => panic!("{typed}: {other:?}"),
            }
        }
    }

    #[test]
    fn percent_encoding_keeps_unreserved_characters() {
        assert_eq!(percent_encode("a b/c'd", false), "a%20b%2Fc%27d");
        assert_eq!(percent_encode("model/MLmodel", true), "model/MLmodel");
    }
}
