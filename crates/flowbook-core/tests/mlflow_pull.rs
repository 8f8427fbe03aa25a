//! Reading runs from an MLflow server: the JSON → `Run` conversion, on answers captured
//! from a real MLflow 3.17 server (tests/mlflow/capture_pull_fixtures.py), and the runs
//! table's filter and cells on the converted runs.

use flowbook_core::mlflow::{
    server_experiments_from_json, server_runs_from_json, ServerRun, ORIGIN_TAG, SERVER_ORIGIN,
};
use flowbook_core::store::{cell, select, CellValue, Column, FilterKey, StoredRun};
use flowbook_core::tracking::{RunStatus, SyncState, CLIENT_ID_TAG};
use serde_json::Value;

const BASE_URL: &str = "http://127.0.0.1:5911";

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// Both pages of the captured `runs/search` (page size 2, newest first).
fn all_runs() -> Vec<ServerRun> {
    let (mut runs, token) =
        server_runs_from_json(&fixture("mlflow_runs_search_page1.json"), BASE_URL).unwrap();
    assert_eq!(runs.len(), 2);
    assert!(token.is_some(), "page 1 of 2 carries a next page token");
    let (second, last) =
        server_runs_from_json(&fixture("mlflow_runs_search_page2.json"), BASE_URL).unwrap();
    assert_eq!(last, None, "the last page has no token");
    runs.extend(second);
    runs
}

fn by_name<'a>(runs: &'a [ServerRun], name: &str) -> &'a ServerRun {
    runs.iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no run {name}"))
}

#[test]
fn runs_convert_with_attributes_params_latest_metrics_and_tags() {
    let runs = all_runs();
    let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["still-running", "lasso-bad", "ridge-a0.1"]);

    let ridge = by_name(&runs, "ridge-a0.1");
    assert_eq!(ridge.status, RunStatus::Finished);
    assert_eq!(ridge.start_time_ms, 1_700_000_000_000);
    assert_eq!(ridge.end_time_ms, Some(1_700_000_005_000));
    assert_eq!(ridge.params["model"], "ridge");
    assert_eq!(ridge.params["alpha"], "0.1");
    assert_eq!(ridge.description, "PU_DO ridge, January → February");
    assert_eq!(ridge.tags["team"], "taxi");
    assert_eq!(ridge.tags[CLIENT_ID_TAG], "fixture-1");
    assert_eq!(ridge.tags[ORIGIN_TAG], SERVER_ORIGIN);
    // runs/search gives the latest point of each metric.
    let val = ridge.metrics.iter().find(|m| m.key == "val_rmse").unwrap();
    assert_eq!((val.value, val.step), (6.5, 2));
    let SyncState::Synced {
        server_run_id,
        experiment_id,
        url,
        server,
    } = &ridge.sync
    else {
        panic!("a server run is synced: {:?}", ridge.sync);
    };
    assert_eq!(&ridge.client_id, server_run_id);
    assert_eq!(
        server, BASE_URL,
        "a pulled run is synced to the server it came from"
    );
    assert_eq!(
        url,
        &format!("{BASE_URL}/#/experiments/{experiment_id}/runs/{server_run_id}")
    );

    let lasso = by_name(&runs, "lasso-bad");
    assert_eq!(lasso.status, RunStatus::Failed);
    assert!(
        lasso.metrics[0].value.is_nan(),
        "MLflow sends NaN as the string \"NaN\""
    );
    let running = by_name(&runs, "still-running");
    assert_eq!(running.status, RunStatus::Running);
    assert_eq!(running.end_time_ms, None);
    assert!(running.metrics.is_empty() && running.params.is_empty());
}

#[test]
fn the_runs_table_filters_and_shows_server_runs() {
    let stored: Vec<StoredRun> = all_runs().into_iter().map(StoredRun::new).collect();
    let names = |filter: &str| -> Vec<String> {
        select(&stored, filter, None, false)
            .unwrap()
            .into_iter()
            .map(|i| stored[i].run.name.clone())
            .collect()
    };
    assert_eq!(names("metrics.val_rmse < 7"), ["ridge-a0.1"]);
    assert_eq!(names("params.model = 'lasso'"), ["lasso-bad"]);
    assert_eq!(names("attributes.status = 'RUNNING'"), ["still-running"]);
    assert_eq!(names("tags.`flowbook.origin` = 'server'").len(), 3);
    let ridge = stored.iter().find(|s| s.run.name == "ridge-a0.1").unwrap();
    let column = Column::Metric("val_rmse".into());
    assert_eq!(cell(&ridge.run, &column), CellValue::Number(6.5));
    let run_id = FilterKey::parse("attributes.run_id").unwrap();
    assert_eq!(
        cell(&ridge.run, &run_id),
        CellValue::Text(ridge.run.client_id.clone())
    );
}

#[test]
fn experiments_convert_with_their_links() {
    let (experiments, token) =
        server_experiments_from_json(&fixture("mlflow_experiments_search.json"), BASE_URL).unwrap();
    assert_eq!(token, None);
    let fixture = experiments
        .iter()
        .find(|e| e.name == "flowbook-pull-fixture")
        .expect("the fixture's experiment");
    assert_eq!(
        fixture.url,
        format!("{BASE_URL}/#/experiments/{}", fixture.experiment_id)
    );
    assert!(experiments
        .iter()
        .any(|e| e.name == "Default" && e.experiment_id == "0"));
}
