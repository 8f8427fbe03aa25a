//! Experiment edits, and experiment files: round trip, merge, forward compatibility and
//! the message for each kind of bad file.

use super::*;
use crate::store::registry::Registry;
use crate::tracking::{DatasetInput, DatasetRole, RunStatus};

/// Equality that counts NaN as equal to NaN (the fixture's runs hold NaN metrics).
fn same<T: std::fmt::Debug>(a: &T, b: &T) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

fn run(id: &str, start: i64) -> Run {
    let mut run = Run::new(id, &format!("run {id}"), "draft", start);
    run.params.insert("model".into(), "ridge".into());
    run.log_metric("val_rmse", 6.25, start + 10, 0);
    // A diverged fit: JSON has no NaN or infinity, the file must still keep them.
    run.log_metric("val_r2", f64::NAN, start + 10, 0);
    run.log_metric("condition", f64::INFINITY, start + 10, 0);
    run.log_metric("log_ratio", f64::NEG_INFINITY, start + 10, 0);
    run.inputs.push(DatasetInput {
        name: "green_tripdata_2021-01.parquet".into(),
        digest: "ab".repeat(32),
        source: "https://example.org/green_tripdata_2021-01.parquet".into(),
        rows: 76_518,
        role: DatasetRole::Train,
    });
    run.add_artifact("flowbook_model.json", b"{\"weights\":[1.5]}".to_vec());
    run.add_artifact("bytes.bin", (0..=255).collect());
    run.finish(RunStatus::Finished, start + 20);
    run
}

/// An experiment with two runs (the second soft-deleted) and a registry where `taxi` has a
/// version from each run plus one from a run of another experiment.
fn fixture() -> (Experiment, Registry) {
    let mut experiment = Experiment::new("exp-1", "taxi duration", 100);
    experiment.describe("green taxis, 2021");
    experiment.set_tag("owner", "data team").expect("tag");
    experiment.add_run(run("r1", 1_000)).expect("add");
    experiment.add_run(run("r2", 2_000)).expect("add");
    experiment.delete_run("r2").expect("delete");
    let mut registry = Registry::default();
    registry
        .register_version("taxi", &run("r1", 0), "first", 3_000)
        .expect("v1");
    registry
        .register_version("taxi", &run("r2", 0), "second", 3_100)
        .expect("v2");
    registry
        .register_version("taxi", &run("elsewhere", 0), "", 3_200)
        .expect("v3");
    registry
        .set_alias("taxi", "champion", 1, 3_300)
        .expect("alias");
    registry
        .set_alias("taxi", "challenger", 3, 3_400)
        .expect("alias");
    registry
        .register_version("unrelated", &run("elsewhere", 0), "", 3_500)
        .expect("other");
    (experiment, registry)
}

#[test]
fn runs_are_edited_soft_deleted_and_restored() {
    let (mut experiment, _) = fixture();
    assert_eq!(
        experiment.run("r1").unwrap().run.experiment,
        "taxi duration"
    );
    experiment.rename_run("r1", "baseline").expect("rename");
    experiment
        .describe_run("r1", "first try")
        .expect("describe");
    experiment
        .set_run_tag("r1", "review status", "ok")
        .expect("tag");
    let error = experiment.set_run_tag("r1", "a=b", "x").unwrap_err();
    assert!(error.to_string().contains("contains '='"), "{error}");
    assert_eq!(
        experiment.delete_run_tag("r1", "review status"),
        Ok(Some("ok".into()))
    );
    let error = experiment.rename_run("r9", "x").unwrap_err();
    assert_eq!(
        error.to_string(),
        "experiment 'taxi duration' has no run with id 'r9'"
    );
    assert!(matches!(
        experiment.rename_run("r1", " "),
        Err(StoreError::EmptyName { .. })
    ));
    let error = experiment.add_run(run("r1", 0)).map(|_| ()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "experiment 'taxi duration' already has a run with id 'r1'"
    );
    assert!(experiment.run("r2").unwrap().is_deleted());
    experiment.restore_run("r2").expect("restore");
    assert!(!experiment.run("r2").unwrap().is_deleted());
    experiment.rename("taxi 2021").expect("rename");
    assert!(experiment
        .runs
        .iter()
        .all(|s| s.run.experiment == "taxi 2021"));
    let stored = experiment.run("r1").unwrap();
    assert_eq!(
        (stored.run.name.as_str(), stored.run.description.as_str()),
        ("baseline", "first try")
    );
}

#[test]
fn experiment_names_stay_unique_even_when_deleted() {
    let mut experiments = Vec::new();
    create_experiment(&mut experiments, "e1", "taxi", 1).expect("create");
    create_experiment(&mut experiments, "e2", "taxi v2", 2).expect("create");
    let error = create_experiment(&mut experiments, "e3", "taxi", 3).unwrap_err();
    assert_eq!(
        error.to_string(),
        "an experiment named 'taxi' already exists"
    );
    experiments[0].set_lifecycle(Lifecycle::Deleted);
    let error = rename_experiment(&mut experiments, "e2", "taxi").unwrap_err();
    assert_eq!(
        error.to_string(),
        "a deleted experiment is named 'taxi': restore it or choose another name"
    );
    rename_experiment(&mut experiments, "e1", "taxi").expect("its own name is fine");
    rename_experiment(&mut experiments, "e2", "taxi 2021").expect("rename");
    let error = rename_experiment(&mut experiments, "e9", "x").unwrap_err();
    assert_eq!(error.to_string(), "no experiment with id 'e9'");
}

#[test]
fn export_then_import_gives_back_the_experiment_and_its_registry_entries() {
    let (experiment, registry) = fixture();
    let text = export_experiment(&experiment, &registry, 9_000);
    assert!(text.contains("\"format\":\"flowbook-experiment\"") && text.contains("bytes_base64"));
    assert!(text.contains("\"value\":\"NaN\"") && text.contains("\"value\":\"-Infinity\""));
    let file = parse_experiment_file(&text).expect("parse");
    assert!(same(&file.experiment, &experiment));
    assert_eq!(file.exported_time_ms, 9_000);
    // Only `taxi`, trimmed to the versions from this experiment's runs and their aliases.
    assert_eq!(file.registry.len(), 1);
    let taxi = &file.registry[0];
    assert_eq!(
        taxi.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(taxi.aliases.keys().collect::<Vec<_>>(), ["champion"]);

    let (mut experiments, mut local) = (Vec::new(), Registry::default());
    let summary = import_experiment(&mut experiments, &mut local, file.clone());
    assert_eq!(experiments.len(), 1);
    assert!(same(&experiments[0], &experiment));
    assert_eq!(local.models, file.registry);
    assert!(summary.experiment_created);
    assert_eq!((summary.runs_added, summary.versions_added), (2, 2));
    // Importing the same file again duplicates nothing.
    let again = import_experiment(&mut experiments, &mut local, file);
    assert_eq!(
        (
            again.runs_added,
            again.runs_already_present,
            again.versions_added
        ),
        (0, 2, 0)
    );
    assert_eq!(experiments[0].runs.len(), 2);
    assert_eq!(local.model("taxi").unwrap().versions.len(), 2);
}

#[test]
fn import_merges_by_client_id_and_renumbers_new_versions() {
    let (experiment, registry) = fixture();
    let mut text = export_experiment(&experiment, &registry, 9_000);
    // The same run listed twice in one file is kept once.
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut doubled = document.clone();
    let first_run = doubled["runs"][0].clone();
    doubled["runs"].as_array_mut().unwrap().push(first_run);
    let file = parse_experiment_file(&doubled.to_string()).expect("parse");
    assert_eq!(
        (file.experiment.runs.len(), file.duplicate_runs_in_file),
        (2, 1)
    );
    // Local store: the experiment with r1 only, and `taxi` with one version from run r9.
    let mut local_experiment = Experiment::new("exp-1", "taxi duration", 100);
    local_experiment.add_run(run("r1", 1_000)).expect("add");
    let mut local = Registry::default();
    local
        .register_version("taxi", &run("r9", 0), "", 1)
        .expect("v1");
    local
        .register_version("taxi", &run("r1", 0), "", 2)
        .expect("v2");
    let mut experiments = vec![local_experiment];
    text = doubled.to_string();
    let summary = import_experiment(
        &mut experiments,
        &mut local,
        parse_experiment_file(&text).unwrap(),
    );
    assert_eq!((summary.runs_added, summary.runs_already_present), (1, 1));
    assert_eq!(summary.duplicate_runs_in_file, 1);
    let taxi = local.model("taxi").unwrap();
    let sources: Vec<(u32, &str)> = taxi
        .versions
        .iter()
        .map(|v| (v.version, v.source_run.as_str()))
        .collect();
    assert_eq!(sources, [(1, "r9"), (2, "r1"), (3, "r2")]);
    // The imported champion named r1's version, which is version 2 here.
    assert_eq!(taxi.aliases.get("champion"), Some(&2));
}

#[test]
fn unknown_fields_are_ignored() {
    let (experiment, registry) = fixture();
    let mut document: serde_json::Value =
        serde_json::from_str(&export_experiment(&experiment, &registry, 1)).unwrap();
    document["future_section"] = serde_json::json!({"anything": [1, 2]});
    document["experiment"]["colour"] = "teal".into();
    document["runs"][0]["pinned"] = true.into();
    document["runs"][0]["run"]["energy_joules"] = 12.into();
    document["runs"][0]["run"]["artifacts"][0]["mime"] = "application/json".into();
    document["registry"][0]["versions"][0]["signature"] = "x".into();
    let file = parse_experiment_file(&document.to_string()).expect("forward compatible");
    assert!(same(&file.experiment, &experiment));
    // A plain run record writes NaN as null: read it as NaN.
    document["runs"][0]["run"]["metrics"][1]["value"] = serde_json::Value::Null;
    let file = parse_experiment_file(&document.to_string()).expect("null metric");
    assert!(file.experiment.runs[0].run.metrics[1].value.is_nan());
}

#[test]
fn bad_files_get_clear_messages_and_never_panic() {
    let (experiment, registry) = fixture();
    let good = export_experiment(&experiment, &registry, 1);
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut document: serde_json::Value = serde_json::from_str(&good).unwrap();
        f(&mut document);
        document.to_string()
    };
    let cases = [
        (edit(&|d| d["format_version"] = 2.into()), "this experiment file has format version 2; this Flowbook reads up to version 1. Update Flowbook to import it."),
        ("".to_string(), "this is not a Flowbook experiment file: it is empty"),
        ("PK\u{3}\u{4} zip bytes".to_string(), "this is not a Flowbook experiment file: it is not valid JSON (expected value at line 1 column 1)"),
        ("[1, 2]".to_string(), "this is not a Flowbook experiment file: it is JSON but not an object"),
        (r#"{"format": "mlflow-run"}"#.to_string(), "this is not a Flowbook experiment file: its format is 'mlflow-run', expected 'flowbook-experiment'"),
        (r#"{"runs": []}"#.to_string(), "this is not a Flowbook experiment file: it has no \"format\" field"),
        (edit(&|d| d["format_version"] = "one".into()), "this experiment file is damaged at format_version: expected a whole number"),
        (edit(&|d| { d.as_object_mut().unwrap().remove("experiment"); }), "this experiment file is damaged at experiment: this field is missing"),
        (edit(&|d| { d["runs"][1]["run"].as_object_mut().unwrap().remove("client_id"); }), "this experiment file is damaged at runs[1].run: missing field `client_id`"),
        (edit(&|d| d["runs"][0]["run"]["artifacts"][1]["bytes_base64"] = "AA!A".into()), "damaged at runs[0].run.artifacts[1].bytes_base64: invalid base64 character '!' at offset 2"),
        (edit(&|d| d["runs"][0]["run"]["format_version"] = 9.into()), "run 0 in this experiment file has record version 9; this Flowbook reads up to version 1."),
        (edit(&|d| d["runs"][0]["run"]["metrics"][0]["value"] = "lots".into()), "damaged at runs[0].run.metrics[0].value: 'lots' is not a number"),
        (edit(&|d| d["runs"] = "none".into()), "damaged at runs: expected a list of runs"),
        (edit(&|d| d["registry"][0]["versions"] = 3.into()), "damaged at registry[0]: invalid type: integer `3`, expected a sequence"),
    ];
    for (text, message) in cases {
        let error = parse_experiment_file(&text).expect_err(message).to_string();
        assert!(
            error.contains(message),
            "expected {message:?}\n     got {error:?}"
        );
    }
    // Every truncation of a good file is an error, not a panic.
    for cut in (0..good.len()).step_by(37) {
        if good.is_char_boundary(cut) {
            assert!(parse_experiment_file(&good[..cut]).is_err(), "cut at {cut}");
        }
    }
}

#[test]
fn a_stored_run_reads_back_exactly_from_its_record_text() {
    let mut stored = StoredRun::new(run("r9", 5_000));
    stored.lifecycle = Lifecycle::Deleted;
    let text = stored_run_to_json(&stored);
    let back = stored_run_from_json(&text).expect("read back");
    assert!(same(&back, &stored), "{back:?}");
    assert!(text.contains("\"NaN\""), "non-finite metrics are named");
    for broken in ["", "{", "[]", "{\"run\": 3}"] {
        let err = stored_run_from_json(broken).expect_err(broken).to_string();
        assert!(!err.is_empty());
    }
}
