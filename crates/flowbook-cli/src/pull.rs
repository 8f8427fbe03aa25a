//! `flowbook pull --mlflow-uri URL --experiment NAME [--filter TEXT] [--page-size N] [--json]`:
//! lists the experiment's runs on the server (read-only), reading every page.

use std::collections::BTreeMap;

use flowbook_core::mlflow::{MlflowSync, PageGuard, ServerConfig, ServerRun, ORIGIN_TAG};
use flowbook_core::store::latest_metrics;
use serde_json::{json, Value};

use crate::args::PullCli;
use crate::http_native::NativeHttp;
use crate::mlflow_sync::{auth_from_env, REQUEST_TIMEOUT};

/// The run as the command prints it: attributes, params, latest metrics and the server's
/// tags (without the origin marker Flowbook adds when reading).
fn run_json(run: &ServerRun) -> Value {
    let metrics: BTreeMap<&str, Value> = latest_metrics(run)
        .into_iter()
        .map(|(key, latest)| {
            // JSON has no NaN: print it as MLflow's own JSON does.
            let value = if latest.is_finite() {
                json!(latest)
            } else {
                json!(latest.to_string())
            };
            (key, value)
        })
        .collect();
    let tags: BTreeMap<&String, &String> = run
        .tags
        .iter()
        .filter(|(k, _)| k.as_str() != ORIGIN_TAG)
        .collect();
    let url = match &run.sync {
        flowbook_core::tracking::SyncState::Synced { url, .. } => url.clone(),
        _ => String::new(),
    };
    json!({
        "run_id": run.client_id,
        "name": run.name,
        "status": run.status.mlflow_name(),
        "start_time": run.start_time_ms,
        "end_time": run.end_time_ms,
        "params": run.params,
        "metrics": metrics,
        "tags": tags,
        "url": url,
    })
}

pub fn run_pull(cli: &PullCli) -> Result<(), String> {
    let (uri, experiment, filter) = (&cli.mlflow_uri, &cli.experiment, &cli.filter);
    let (page_size, as_json) = (cli.page_size, cli.json);
    let sync = MlflowSync::new(NativeHttp::new(REQUEST_TIMEOUT), {
        let config = ServerConfig::new(uri, auth_from_env());
        crate::mlflow_sync::warn_if_credentials_in_clear(&config);
        config
    });
    let (experiment_id, runs, pages) = pollster::block_on(async {
        let experiment_id = sync
            .experiment_id_by_name(experiment)
            .await
            .map_err(|e| e.to_string())?
            .ok_or(format!(
                "the server has no active experiment {experiment:?}"
            ))?;
        let (mut runs, mut pages, mut token) = (Vec::new(), 0, None::<String>);
        let mut guard = PageGuard::new();
        loop {
            let (page, next) = sync
                .search_server_runs(&experiment_id, filter, token.as_deref(), page_size)
                .await
                .map_err(|e| e.to_string())?;
            runs.extend(page);
            pages += 1;
            match guard.next(uri, next).map_err(|e| e.to_string())? {
                Some(next) => token = Some(next),
                None => return Ok::<_, String>((experiment_id, runs, pages)),
            }
        }
    })?;
    if as_json {
        let runs: Vec<Value> = runs.iter().map(run_json).collect();
        println!(
            "{}",
            json!({ "experiment_id": experiment_id, "pages": pages, "runs": runs })
        );
    } else {
        println!(
            "{} run(s) in {experiment:?} (id {experiment_id}):",
            runs.len()
        );
        for run in &runs {
            let url = run_json(run)["url"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            println!("  {:<9} {:<30} {url}", run.status.mlflow_name(), run.name);
        }
    }
    Ok(())
}
