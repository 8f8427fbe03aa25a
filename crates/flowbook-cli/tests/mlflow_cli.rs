//! `flowbook train --mlflow-uri`: argument checks and the message when no server listens.
//! The pushes themselves are tested against real MLflow servers by scripts/mlflow_test.sh.

mod common;

use std::net::TcpListener;
use std::process::Command;

use common::data;

fn flowbook_train(extra: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_flowbook"))
        .arg("train")
        .arg("--train")
        .arg(data("green_tripdata_2021-01.parquet"))
        .arg("--val")
        .arg(data("green_tripdata_2021-02.parquet"))
        .args(extra)
        .env_remove("FLOWBOOK_MLFLOW_USERNAME")
        .env_remove("FLOWBOOK_MLFLOW_TOKEN")
        .output()
        .expect("the flowbook binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn mlflow_options_need_a_server_and_an_experiment() {
    let (ok, _, err) = flowbook_train(&["--experiment", "taxi"]);
    assert!(
        !ok && err.contains("--experiment needs --mlflow-uri"),
        "{err}"
    );
    let (ok, _, err) = flowbook_train(&["--mlflow-uri", "http://127.0.0.1:9"]);
    assert!(
        !ok && err.contains("--mlflow-uri needs --experiment"),
        "{err}"
    );
    let (ok, _, err) = flowbook_train(&[
        "--mlflow-uri",
        "http://127.0.0.1:9",
        "--experiment",
        "taxi",
        "--alias",
        "champion",
    ]);
    assert!(
        !ok && err.contains("--alias needs --register-model"),
        "{err}"
    );
}

#[test]
fn a_closed_port_gives_a_plain_message_and_keeps_the_results() {
    if !data("green_tripdata_2021-01.parquet").exists() {
        eprintln!("skipped: ../shared/data is not beside the repo");
        return;
    }
    // Bind and drop a listener: the port was free a moment ago and nothing listens now.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let uri = format!("http://ann:hunter2@127.0.0.1:{port}");
    let (ok, out, err) = flowbook_train(&["--json", "--mlflow-uri", &uri, "--experiment", "taxi"]);
    assert!(!ok);
    assert!(err.contains("connection refused"), "{err}");
    assert!(
        !err.contains("hunter2") && !out.contains("hunter2"),
        "{err}{out}"
    );
    let printed: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON on stdout");
    assert!(printed["val_rmse"].as_f64().is_some(), "{out}");
    assert!(printed["mlflow"]["error"].as_str().is_some(), "{out}");
}
