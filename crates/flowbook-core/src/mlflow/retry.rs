//! What Flowbook does with a busy or looping server: waits and sends again when the server
//! says it could not take the request (429, or 503 with `Retry-After`, honouring its wait; a
//! database that refused the request, see [`refused_by_the_database`]), and stops a paging
//! loop that never ends. A refused request did nothing on the server, so sending it again
//! duplicates nothing. [`resume_wait_ms`] is the policy one level up: after a push broke off
//! (time-out, dropped connection, a proxy's 502–504) the whole push starts again, which the
//! client ids make safe.

use std::collections::HashSet;

use super::error::SyncError;
use super::http::HttpResponse;

/// Sends of one request at most (the first and five retries).
pub(crate) const MAX_ATTEMPTS: u32 = 6;
/// A longer `Retry-After` is not waited out: the push stops and says when to try again.
pub const LONGEST_WAIT_MS: u64 = 30_000;
/// More pages than any real experiment has (100,000 × up to 50,000 runs).
pub const MAX_PAGES: usize = 100_000;

/// Doubling from half a second, at most 8 s: a locked database frees in well under that.
fn backoff_ms(attempt: u32) -> u64 {
    (500u64 << attempt.min(4)).min(8_000)
}

/// How long to wait before sending the request again after `response` to attempt number
/// `attempt` (0 for the first send), or `None` when the answer is the final one.
pub(crate) fn retry_wait(response: &HttpResponse, attempt: u32) -> Option<u64> {
    if attempt + 1 >= MAX_ATTEMPTS {
        return None;
    }
    match response.status {
        // A 503 without Retry-After is a lasting state (a server started with
        // --no-serve-artifacts answers uploads so): only one that asks is retried.
        503 if response.retry_after.is_none() => None,
        429 | 503 => {
            // Seconds; an HTTP date (or nothing) falls back to the backoff.
            let asked = response
                .retry_after
                .as_deref()
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| (s * 1000.0).ceil() as u64);
            match asked {
                Some(ms) if ms > LONGEST_WAIT_MS => None,
                Some(ms) => Some(ms),
                None => Some(backoff_ms(attempt)),
            }
        }
        400 | 500 if refused_by_the_database(&response.body) => Some(backoff_ms(attempt)),
        _ => None,
    }
}

/// Answers in which the server's database refused the request before it changed anything,
/// as a workshop's load makes them (seen with 30 clients pushing at once):
/// - SQLite's writer lock: "database is locked" (a 500);
/// - SQLAlchemy's connection pool, full for its 30 s: "QueuePool limit ... timed out"
///   (MLflow answers it as a 400);
/// - two runs logging the same dataset at the same moment: the loser's insert breaks the
///   datasets table's unique key and rolls back (SQLite: "UNIQUE constraint failed:
///   datasets..."; PostgreSQL: "duplicate key value violates unique constraint" on the
///   `INSERT INTO datasets` the message quotes); sent again, it finds the dataset the
///   winner created.
fn refused_by_the_database(body: &[u8]) -> bool {
    let body = String::from_utf8_lossy(body);
    body.contains("database is locked")
        || (body.contains("QueuePool limit") && body.contains("timed out"))
        || body.contains("UNIQUE constraint failed: datasets")
        || (body.contains("duplicate key value violates unique constraint")
            && body.contains("INSERT INTO datasets"))
}

/// Starts of one push at most after the first (a push that broke off is sent again whole):
/// with waits of 2, 4, 8 and 16 s, half a minute, in which a restarted server is back.
pub const MAX_RESUMES: u32 = 4;

/// How long to wait before starting a push again after it failed with `error` on start
/// number `resume` (0 after the first), or `None` when the failure is final. A push is
/// started again after failures that say the server may not have seen or finished the
/// request: a time-out, a connection that broke off, or a gateway between Flowbook and the
/// server that gave up (502–504). A server that refuses connections is down, and waiting
/// would only delay the message, unless an earlier start broke off (`broke_off_before`):
/// then the server is likely restarting. Waits double from 2 s.
pub fn resume_wait_ms(error: &SyncError, resume: u32, broke_off_before: bool) -> Option<u64> {
    if resume >= MAX_RESUMES {
        return None;
    }
    let worth_it = match error {
        SyncError::Timeout { .. }
        | SyncError::ConnectionLost { .. }
        | SyncError::Server {
            status: 502..=504, ..
        } => true,
        SyncError::Unreachable { .. } => broke_off_before,
        _ => false,
    };
    worth_it.then_some(2_000u64 << resume)
}

/// Follows a paged listing: each page token once, and a bounded number of pages.
#[derive(Debug, Default)]
pub struct PageGuard {
    seen: HashSet<String>,
    pages: usize,
}

impl PageGuard {
    pub fn new() -> PageGuard {
        PageGuard::default()
    }

    /// The token to ask for next (`None`: the listing is complete), or an error when the
    /// server repeats a token or the pages never end.
    pub fn next(
        &mut self,
        base_url: &str,
        token: Option<String>,
    ) -> Result<Option<String>, SyncError> {
        self.pages += 1;
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if !self.seen.insert(token.clone()) || self.pages >= MAX_PAGES {
            return Err(SyncError::PagingLoops {
                url: base_url.to_string(),
                token: token.chars().take(40).collect(),
                pages: self.pages,
            });
        }
        Ok(Some(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str, retry_after: Option<&str>) -> HttpResponse {
        HttpResponse {
            status,
            body: body.as_bytes().to_vec(),
            retry_after: retry_after.map(str::to_string),
        }
    }

    #[test]
    fn busy_answers_are_retried_as_the_server_asks() {
        assert_eq!(retry_wait(&answer(429, "", Some("2")), 0), Some(2000));
        assert_eq!(retry_wait(&answer(503, "", Some("0.25")), 3), Some(250));
        assert_eq!(
            retry_wait(&answer(503, "", Some("Wed, 21 Oct 2026 07:28:00 GMT")), 1),
            Some(1000)
        );
        assert_eq!(
            retry_wait(&answer(429, "", Some("3600")), 0),
            None,
            "too long to wait"
        );
        let locked = r#"{"error_code": "INTERNAL_ERROR", "message": "(sqlite3.OperationalError) database is locked"}"#;
        assert_eq!(retry_wait(&answer(500, locked, None), 0), Some(500));
        assert_eq!(retry_wait(&answer(500, locked, None), 2), Some(2000));
        assert_eq!(retry_wait(&answer(500, "other failure", None), 0), None);
        let pool = r#"{"error_code": "BAD_REQUEST", "message": "QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00"}"#;
        assert_eq!(retry_wait(&answer(400, pool, None), 1), Some(1000));
        let race = r#"{"error_code": "INTERNAL_ERROR", "message": "(sqlite3.IntegrityError) UNIQUE constraint failed: datasets.experiment_id, datasets.name, datasets.digest"}"#;
        assert_eq!(retry_wait(&answer(500, race, None), 0), Some(500));
        assert_eq!(retry_wait(&answer(400, race, None), 0), Some(500));
        let postgres_race = r#"{"error_code": "INTERNAL_ERROR", "message": "(psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint \"uq_dataset\"\nDETAIL:  Key (experiment_id, name, digest)=(1, green_tripdata_2021-01.parquet, b8e2c9496c5eada0f10adbd88f98d917) already exists.\n[SQL: INSERT INTO datasets (dataset_uuid, experiment_id, name, digest) VALUES (...)]"}"#;
        assert_eq!(retry_wait(&answer(400, postgres_race, None), 0), Some(500));
        let postgres_other = r#"{"message": "duplicate key value violates unique constraint \"runs_pkey\" [SQL: INSERT INTO runs ...]"}"#;
        assert_eq!(retry_wait(&answer(500, postgres_other, None), 0), None);
        let other_unique = r#"{"message": "UNIQUE constraint failed: runs.run_uuid"}"#;
        assert_eq!(
            retry_wait(&answer(500, other_unique, None), 0),
            None,
            "only the dataset race is known to be harmless"
        );
        assert_eq!(
            retry_wait(&answer(400, "database is locked", None), MAX_ATTEMPTS - 1),
            None
        );
        assert_eq!(retry_wait(&answer(400, "", Some("1")), 0), None);
        assert_eq!(
            retry_wait(&answer(503, "", None), 0),
            None,
            "no artifact proxy: final"
        );
        assert_eq!(retry_wait(&answer(429, "", None), 1), Some(1000));
        assert_eq!(
            retry_wait(&answer(429, "", Some("1")), MAX_ATTEMPTS - 1),
            None,
            "attempts are bounded"
        );
    }

    #[test]
    fn a_push_that_broke_off_is_started_again_a_bounded_number_of_times() {
        let url = || "http://127.0.0.1:5000".to_string();
        let timeout = SyncError::Timeout { url: url() };
        assert_eq!(resume_wait_ms(&timeout, 0, false), Some(2_000));
        assert_eq!(resume_wait_ms(&timeout, 1, true), Some(4_000));
        assert_eq!(resume_wait_ms(&timeout, 3, true), Some(16_000));
        assert_eq!(resume_wait_ms(&timeout, MAX_RESUMES, true), None);
        let lost = SyncError::ConnectionLost { url: url() };
        assert_eq!(resume_wait_ms(&lost, 0, false), Some(2_000));
        let gateway = |status| SyncError::Server {
            status,
            message: "Bad Gateway".into(),
        };
        assert_eq!(resume_wait_ms(&gateway(502), 0, false), Some(2_000));
        assert_eq!(resume_wait_ms(&gateway(504), 1, true), Some(4_000));
        assert_eq!(
            resume_wait_ms(&gateway(500), 0, false),
            None,
            "a crash is final"
        );
        let down = SyncError::Unreachable { url: url() };
        assert_eq!(
            resume_wait_ms(&down, 0, false),
            None,
            "a server that is down from the start is not waited for"
        );
        assert_eq!(
            resume_wait_ms(&down, 1, true),
            Some(4_000),
            "one that went down in the middle of the push may be restarting"
        );
        assert_eq!(resume_wait_ms(&down, MAX_RESUMES, true), None);
        let refused = SyncError::Api {
            status: 400,
            code: "INVALID_PARAMETER_VALUE".into(),
            message: "bad".into(),
        };
        assert_eq!(resume_wait_ms(&refused, 0, true), None);
    }

    #[test]
    fn a_repeated_page_token_stops_the_listing() {
        let mut pages = PageGuard::new();
        assert_eq!(
            pages.next("u", Some("a".into())).ok(),
            Some(Some("a".to_string()))
        );
        assert_eq!(
            pages.next("u", Some("b".into())).ok(),
            Some(Some("b".to_string()))
        );
        assert!(matches!(
            pages.next("u", Some("a".into())),
            Err(SyncError::PagingLoops { pages: 3, .. })
        ));
        assert_eq!(
            PageGuard::new().next("u", Some(String::new())).ok(),
            Some(None)
        );
    }
}
