//! One run in an experiment file: its record as JSON, with two changes that keep the file
//! exact and compact. Artifacts are base64 strings (see `file.rs` for why). Metric values
//! that are not finite (a diverged training's NaN RMSE) are written as the strings "NaN",
//! "Infinity" and "-Infinity": JSON has no such numbers and serde_json would write `null`,
//! which the run record cannot read back.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::store::{base64, Lifecycle, StoredRun};
use crate::tracking::{Artifact, Run, RUN_FORMAT_VERSION};

use super::file::{damaged, ExperimentFileError};

#[derive(Serialize, Deserialize)]
struct FileArtifact {
    path: String,
    bytes_base64: String,
}

pub(crate) fn run_to_value(stored: &StoredRun) -> Value {
    let mut run = stored.run.clone();
    let artifacts: Vec<FileArtifact> = std::mem::take(&mut run.artifacts)
        .into_iter()
        .map(|a| FileArtifact {
            path: a.path,
            bytes_base64: base64::encode(&a.bytes),
        })
        .collect();
    let mut value = serde_json::to_value(&run).unwrap_or(Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.insert("artifacts".into(), json!(artifacts));
    }
    for (i, point) in run.metrics.iter().enumerate() {
        if !point.value.is_finite() {
            value["metrics"][i]["value"] = non_finite_name(point.value).into();
        }
    }
    json!({ "lifecycle": stored.lifecycle, "run": value })
}

fn non_finite_name(value: f64) -> &'static str {
    if value.is_nan() {
        "NaN"
    } else if value > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// Replaces non-finite metric values (written as names, or `null` as in plain run records)
/// by 0 so the record parses; returns (index, value) pairs to put back afterwards.
fn take_non_finite_metrics(
    metrics: Option<&mut Value>,
    at: &str,
) -> Result<Vec<(usize, f64)>, ExperimentFileError> {
    let Some(Value::Array(points)) = metrics else {
        return Ok(Vec::new());
    };
    let mut taken = Vec::new();
    for (i, point) in points.iter_mut().enumerate() {
        let Some(value) = point.get_mut("value") else {
            continue;
        };
        let real = match value {
            Value::Null => f64::NAN,
            Value::String(name) => match name.as_str() {
                "NaN" => f64::NAN,
                "Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                other => {
                    let problem = format!("'{other}' is not a number");
                    return Err(damaged(format!("{at}.run.metrics[{i}].value"), problem));
                }
            },
            _ => continue,
        };
        *value = json!(0.0);
        taken.push((i, real));
    }
    Ok(taken)
}

/// Reads one artifact, base64 (as written here) or a plain byte array (as in run records).
fn artifact_from_value(value: Value, at: &str) -> Result<Artifact, ExperimentFileError> {
    if value.get("bytes").is_some() {
        return serde_json::from_value(value).map_err(|e| damaged(at, e));
    }
    let file: FileArtifact = serde_json::from_value(value).map_err(|e| damaged(at, e))?;
    let bytes =
        base64::decode(&file.bytes_base64).map_err(|e| damaged(format!("{at}.bytes_base64"), e))?;
    Ok(Artifact {
        path: file.path,
        bytes,
    })
}

pub(super) fn run_from_value(index: usize, value: Value) -> Result<StoredRun, ExperimentFileError> {
    let at = format!("runs[{index}]");
    let Value::Object(mut entry) = value else {
        return Err(damaged(
            at,
            "expected an object with \"run\" and \"lifecycle\"",
        ));
    };
    let lifecycle: Lifecycle = match entry.remove("lifecycle") {
        Some(value) => {
            serde_json::from_value(value).map_err(|e| damaged(format!("{at}.lifecycle"), e))?
        }
        None => Lifecycle::Active,
    };
    let Some(Value::Object(mut run)) = entry.remove("run") else {
        return Err(damaged(format!("{at}.run"), "expected a run record object"));
    };
    let artifacts = match run.insert("artifacts".into(), json!([])) {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return Err(damaged(format!("{at}.run.artifacts"), "expected a list")),
    };
    let found = run
        .get("format_version")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if found > u64::from(RUN_FORMAT_VERSION) {
        return Err(ExperimentFileError::RunTooNew {
            index,
            found: u32::try_from(found).unwrap_or(u32::MAX),
            supported: RUN_FORMAT_VERSION,
        });
    }
    let non_finite = take_non_finite_metrics(run.get_mut("metrics"), &at)?;
    let mut record: Run =
        serde_json::from_value(Value::Object(run)).map_err(|e| damaged(format!("{at}.run"), e))?;
    for (i, value) in non_finite {
        record.metrics[i].value = value;
    }
    for (i, artifact) in artifacts.into_iter().enumerate() {
        let artifact = artifact_from_value(artifact, &format!("{at}.run.artifacts[{i}]"))?;
        record.artifacts.push(artifact);
    }
    Ok(StoredRun {
        run: record,
        lifecycle,
    })
}

/// One stored run as the text the browser's run store keeps per run: the same encoding as
/// a run inside an experiment file, so both stay exact (base64 artifacts, named non-finite
/// metrics) and readable by the same code.
pub fn stored_run_to_json(stored: &StoredRun) -> String {
    run_to_value(stored).to_string()
}

/// Reads a run written by [`stored_run_to_json`].
pub fn stored_run_from_json(text: &str) -> Result<StoredRun, ExperimentFileError> {
    let value: Value = serde_json::from_str(text).map_err(|e| damaged("run", e))?;
    run_from_value(0, value)
}
