//! Pushing many runs into one experiment with as few requests as the guarantees allow.
//!
//! [`MlflowSync::push_run`] searches for its client id before every create. For a batch,
//! one paginated `runs/search` over the experiment finds every client id at once; each run
//! is then pushed exactly as `push_run` would (same resume rules), minus its own search.

use std::collections::HashMap;

use serde_json::json;

use super::api::{string_at, MlflowSync};
use super::error::SyncError;
use super::http::HttpClient;
use super::push::{check_client_id, PushedRun};
use super::retry::PageGuard;
use crate::tracking::{Run, CLIENT_ID_TAG, PARENT_CLIENT_ID_TAG};

/// Runs per `runs/search` page when collecting client ids. Each answer carries the runs'
/// params, latest metrics and tags, so pages stay far below the server's 50 000 limit.
const LOOKUP_PAGE_SIZE: u32 = 1000;

/// The server's (run id, artifact URI) of a run pushed earlier.
type EarlierRun = (String, String);

impl<C: HttpClient> MlflowSync<C> {
    /// Every active run of the experiment that carries a Flowbook client id, by client id.
    /// Oldest first, so that should two runs ever share an id, the first is resumed (as
    /// `push_run` does).
    async fn runs_by_client_id(
        &self,
        experiment_id: &str,
    ) -> Result<HashMap<String, EarlierRun>, SyncError> {
        let mut found = HashMap::new();
        let mut page_token = String::new();
        let mut pages = PageGuard::new();
        loop {
            let mut body = json!({
                "experiment_ids": [experiment_id],
                "filter": format!("tags.`{CLIENT_ID_TAG}` != ''"),
                "max_results": LOOKUP_PAGE_SIZE,
                "order_by": ["attributes.start_time ASC"],
            });
            if !page_token.is_empty() {
                body["page_token"] = json!(page_token);
            }
            let page = self.post("runs/search", &body).await?;
            for run in page["runs"].as_array().into_iter().flatten() {
                let client_id = run["data"]["tags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|tag| tag["key"] == CLIENT_ID_TAG)
                    .and_then(|tag| tag["value"].as_str());
                if let Some(client_id) = client_id {
                    let earlier = (
                        string_at(run, "/info/run_id")?,
                        string_at(run, "/info/artifact_uri")?,
                    );
                    found.entry(client_id.to_string()).or_insert(earlier);
                }
            }
            let next = page["next_page_token"].as_str().map(str::to_string);
            match pages.next(&self.config().base_url, next)? {
                Some(token) => page_token = token,
                None => return Ok(found),
            }
        }
    }

    /// Pushes `runs` into one experiment, in order, with the guarantees of
    /// [`push_run`](Self::push_run): a run pushed before (even partly) is resumed, never
    /// duplicated. `on_run(index, outcome)` hears about each run as soon as it is done or
    /// has failed. Stops at the first failure and returns it: the runs after it are left
    /// untouched, and pushing the same runs again resumes where this push stopped.
    ///
    /// Requests: one search per 1000 runs already in the experiment, then per new run one
    /// create, its log batches, dataset inputs, one upload per artifact and one update.
    pub async fn push_runs(
        &self,
        runs: &[Run],
        experiment_id: &str,
        mut on_run: impl FnMut(usize, Result<&PushedRun, &SyncError>),
    ) -> Result<Vec<PushedRun>, SyncError> {
        // Bad ids are the caller's problem: find them before anything is sent.
        for (index, run) in runs.iter().enumerate() {
            if let Err(error) = check_client_id(&run.client_id) {
                on_run(index, Err(&error));
                return Err(error);
            }
        }
        let mut earlier = self.runs_by_client_id(experiment_id).await?;
        let mut pushed = Vec::with_capacity(runs.len());
        for (index, run) in runs.iter().enumerate() {
            let found = earlier.get(&run.client_id).cloned();
            let nested = match with_parent_run_id(run, &earlier) {
                Ok(nested) => nested,
                Err(error) => {
                    on_run(index, Err(&error));
                    return Err(error);
                }
            };
            let run = nested.as_ref().unwrap_or(run);
            match self.push_with_lookup(run, experiment_id, found).await {
                Ok(done) => {
                    on_run(index, Ok(&done));
                    // The same client id twice in one call: the second push resumes the first.
                    earlier.insert(
                        run.client_id.clone(),
                        (done.run_id.clone(), done.artifact_uri.clone()),
                    );
                    pushed.push(done);
                }
                Err(error) => {
                    on_run(index, Err(&error));
                    return Err(error);
                }
            }
        }
        Ok(pushed)
    }
}

/// MLflow's tag that nests a run under another in the runs table.
pub const PARENT_RUN_ID_TAG: &str = "mlflow.parentRunId";

/// A child run (a search's trial) with its parent's server id as `mlflow.parentRunId`,
/// the parent found among the runs pushed before (in this call or an earlier one), so a
/// retried push nests the same children under the same parent. `None` for a run without
/// a parent.
fn with_parent_run_id(
    run: &Run,
    earlier: &HashMap<String, EarlierRun>,
) -> Result<Option<Run>, SyncError> {
    let Some(parent) = run.tags.get(PARENT_CLIENT_ID_TAG) else {
        return Ok(None);
    };
    let Some((parent_run_id, _)) = earlier.get(parent) else {
        return Err(SyncError::InvalidInput(format!(
            "run {:?} belongs to the search {parent}, which is not on the server yet: push the search's parent run first (Flowbook pushes a search parent first, then its trials)",
            run.name
        )));
    };
    let mut nested = run.clone();
    nested
        .tags
        .insert(PARENT_RUN_ID_TAG.to_string(), parent_run_id.clone());
    Ok(Some(nested))
}
