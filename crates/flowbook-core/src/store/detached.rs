//! Run records kept apart from their artifact bytes. A model file is about half a megabyte
//! and most runs of a sweep or a class share the same few: inside each record it made a
//! thousand runs weigh hundreds of megabytes, all parsed before the runs table could show.
//! Instead the record lists each artifact by path and SHA-256, and the bytes are stored
//! once per distinct content, read only when a run's files are needed (push, export,
//! prediction).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::experiment::file_run::run_to_value;
use super::experiment::{stored_run_from_json, ExperimentFileError};
use super::StoredRun;
use crate::data::sha256_hex;
use crate::tracking::{Artifact, Run};

/// The record key that lists the artifacts kept apart.
const REFS_KEY: &str = "artifact_refs";

/// An artifact kept apart from its run: where it belongs and which bytes it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRef {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// Bytes to store under their SHA-256 (the same content always gets the same key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// A detached record: the text to store, the run's references, the bytes to store.
#[derive(Debug, Clone, PartialEq)]
pub struct DetachedRecord {
    pub text: String,
    pub refs: Vec<ArtifactRef>,
    pub blobs: Vec<Blob>,
}

/// The record of `stored` with every artifact kept apart. The run's own artifacts become
/// references and blobs (one blob per distinct content); `earlier` are the references of
/// artifacts detached before, whose bytes the run no longer holds: they stay, unless the
/// run now has an artifact of the same path.
pub fn detach_record(stored: &StoredRun, earlier: &[ArtifactRef]) -> DetachedRecord {
    let mut refs: Vec<ArtifactRef> = earlier
        .iter()
        .filter(|r| !stored.run.artifacts.iter().any(|a| a.path == r.path))
        .cloned()
        .collect();
    let mut blobs: Vec<Blob> = Vec::new();
    for artifact in &stored.run.artifacts {
        let sha256 = sha256_hex(&artifact.bytes);
        refs.push(ArtifactRef {
            path: artifact.path.clone(),
            sha256: sha256.clone(),
            size: artifact.bytes.len() as u64,
        });
        if !blobs.iter().any(|b| b.sha256 == sha256) {
            blobs.push(Blob {
                sha256,
                bytes: artifact.bytes.clone(),
            });
        }
    }
    let mut bare = stored.clone();
    bare.run.artifacts.clear();
    let mut value = run_to_value(&bare);
    value[REFS_KEY] = serde_json::to_value(&refs).unwrap_or(Value::Null);
    DetachedRecord {
        text: value.to_string(),
        refs,
        blobs,
    }
}

/// A record written by [`detach_record`], or an older one with its artifacts inline
/// (written by `stored_run_to_json`): the run and the references of what is kept apart.
pub fn read_record(text: &str) -> Result<(StoredRun, Vec<ArtifactRef>), ExperimentFileError> {
    let stored = stored_run_from_json(text)?;
    let refs = match serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|mut v| v.get_mut(REFS_KEY).map(Value::take))
    {
        Some(list) => serde_json::from_value(list).map_err(|e| ExperimentFileError::Damaged {
            at: format!("run.{REFS_KEY}"),
            problem: e.to_string(),
        })?,
        None => Vec::new(),
    };
    Ok((stored, refs))
}

/// Puts the artifacts of `refs` back into `run` from `blobs` (by SHA-256), checking each
/// one's digest, so a damaged or missing file is reported instead of pushed or exported.
pub fn attach_artifacts(
    run: &mut Run,
    refs: &[ArtifactRef],
    blobs: &HashMap<String, Vec<u8>>,
) -> Result<(), String> {
    for reference in refs {
        if run.artifacts.iter().any(|a| a.path == reference.path) {
            continue;
        }
        let bytes = blobs.get(&reference.sha256).ok_or_else(|| {
            format!(
                "the file {} of run “{}” is missing from this browser's storage",
                reference.path, run.name
            )
        })?;
        if sha256_hex(bytes) != reference.sha256 {
            return Err(format!(
                "the file {} of run “{}” is damaged in this browser's storage (its SHA-256 does not match)",
                reference.path, run.name
            ));
        }
        run.artifacts.push(Artifact {
            path: reference.path.clone(),
            bytes: bytes.clone(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::stored_run_to_json;

    fn run_with_model(id: &str, model: &[u8]) -> StoredRun {
        let mut run = Run::new(id, &format!("run {id}"), "Default", 1_000);
        run.params.insert("model".into(), "ols".into());
        run.log_metric("val_rmse", 7.5, 1_000, 0);
        run.add_artifact(crate::saved_model::MODEL_ARTIFACT, model.to_vec());
        run.add_artifact("notes.txt", b"hello".to_vec());
        StoredRun::new(run)
    }

    #[test]
    fn a_record_round_trips_without_its_bytes_and_gets_them_back() {
        let stored = run_with_model("a", b"{\"model\": 1}");
        let detached = detach_record(&stored, &[]);
        assert!(!detached.text.contains("hello") && !detached.text.contains("aGVsbG8"));
        let (read, refs) = read_record(&detached.text).unwrap();
        assert!(read.run.artifacts.is_empty());
        assert_eq!(refs, detached.refs);
        assert_eq!(refs[0].size, 12);

        let blobs: HashMap<_, _> = detached
            .blobs
            .iter()
            .map(|b| (b.sha256.clone(), b.bytes.clone()))
            .collect();
        let mut run = read.run.clone();
        attach_artifacts(&mut run, &refs, &blobs).unwrap();
        assert_eq!(run, stored.run);
    }

    #[test]
    fn two_runs_with_the_same_model_store_one_copy() {
        let model = vec![7u8; 50_000];
        let a = detach_record(&run_with_model("a", &model), &[]);
        let b = detach_record(&run_with_model("b", &model), &[]);
        assert_eq!(a.refs[0].sha256, b.refs[0].sha256);
        let mut keys: Vec<_> = a.blobs.iter().chain(&b.blobs).map(|b| &b.sha256).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), 2, "one model blob and one notes blob in all");
        assert!(
            a.text.len() < 2_000,
            "the record stays small: {}",
            a.text.len()
        );
    }

    #[test]
    fn saving_again_keeps_the_references_of_bytes_no_longer_in_memory() {
        let first = detach_record(&run_with_model("a", b"m"), &[]);
        let (mut loaded, refs) = read_record(&first.text).unwrap();
        loaded.run.name = "renamed".into();
        let again = detach_record(&loaded, &refs);
        assert_eq!(again.refs, first.refs);
        assert!(again.blobs.is_empty(), "nothing new to store");
        assert_eq!(read_record(&again.text).unwrap().0.run.name, "renamed");
    }

    #[test]
    fn older_records_with_inline_artifacts_still_read() {
        let stored = run_with_model("a", b"m");
        let (read, refs) = read_record(&stored_run_to_json(&stored)).unwrap();
        assert!(refs.is_empty());
        assert_eq!(read, stored);
    }

    #[test]
    fn missing_or_damaged_bytes_are_reported() {
        let detached = detach_record(&run_with_model("a", b"model"), &[]);
        let (read, refs) = read_record(&detached.text).unwrap();
        let mut run = read.run.clone();
        let error = attach_artifacts(&mut run, &refs, &HashMap::new()).unwrap_err();
        assert!(error.contains("missing"), "{error}");
        let damaged: HashMap<_, _> = refs
            .iter()
            .map(|r| (r.sha256.clone(), b"other".to_vec()))
            .collect();
        let mut run = read.run.clone();
        let error = attach_artifacts(&mut run, &refs, &damaged).unwrap_err();
        assert!(error.contains("damaged"), "{error}");
    }
}
