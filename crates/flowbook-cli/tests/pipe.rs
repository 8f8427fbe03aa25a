//! The command line as a pipeline's first stage: a reader that stops early (`| head`)
//! ends the command quietly, as other command-line tools end, not with a panic.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};

use common::data;

#[cfg(unix)]
#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    // 600 ridge trials on a grid: their JSON is far more than a pipe holds.
    let space = std::env::temp_dir().join(format!("flowbook-pipe-{}.json", std::process::id()));
    std::fs::write(
        &space,
        r#"{"format": "flowbook-search-space", "version": 1, "name": "ridge",
            "space": {"ridge": {"alpha": {"dist": "loguniform", "low": 0.001, "high": 10}},
                      "features": "PU_DO", "duration": [1, 60]}}"#,
    )
    .expect("space file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowbook"))
        .arg("search")
        .arg("--train")
        .arg(data("green_tripdata_2021-01.parquet"))
        .arg("--val")
        .arg(data("green_tripdata_2021-02.parquet"))
        .arg("--space")
        .arg(&space)
        .args([
            "--algo",
            "grid",
            "--grid-points",
            "600",
            "--max-evals",
            "600",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the flowbook binary runs");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("the start of the JSON");
    // The reader is gone: the rest of the JSON meets a closed pipe.
    assert_eq!(&first[..1], b"{");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    let status = child.wait().expect("the command ends");
    let _ = std::fs::remove_file(&space);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status:?}");
}
