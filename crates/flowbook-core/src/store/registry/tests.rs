//! Registry flows: versions, aliases with rollback, stages, and model references.

use super::*;
use crate::tracking::{DatasetRole, Run};

fn run(id: &str) -> Run {
    let mut run = Run::new(id, id, "taxi", 1_000);
    run.inputs.push(DatasetInput {
        name: "green_tripdata_2021-01.parquet".into(),
        digest: format!("digest-of-{id}"),
        source: "green_tripdata_2021-01.parquet".into(),
        rows: 76_518,
        role: DatasetRole::Train,
    });
    run
}

/// Model `taxi-duration` with versions 1, 2, 3 from runs a, b, c.
fn registry_with_three_versions() -> Registry {
    let mut registry = Registry::default();
    registry
        .create_model("taxi-duration", "trip minutes", 10)
        .expect("create");
    for (i, id) in ["a", "b", "c"].into_iter().enumerate() {
        let version = registry
            .register_version("taxi-duration", &run(id), "", 20 + i as i64)
            .expect("register");
        assert_eq!(version, i as u32 + 1);
    }
    registry
}

#[test]
fn models_are_unique_and_versions_keep_their_lineage() {
    let mut registry = registry_with_three_versions();
    let error = registry.create_model("taxi-duration", "", 30).unwrap_err();
    assert_eq!(
        error.to_string(),
        "a registered model named 'taxi-duration' already exists"
    );
    for bad in ["", "a/b", "a@b"] {
        assert!(matches!(
            registry.create_model(bad, "", 30),
            Err(RegistryError::InvalidModelName { .. })
        ));
    }
    let model = registry.model("taxi-duration").expect("model");
    assert_eq!(model.version(2).unwrap().source_run, "b");
    assert_eq!(model.version(2).unwrap().datasets[0].digest, "digest-of-b");
    assert_eq!(model.updated_time_ms, 22);
    // Registering into a model that does not exist creates it, as MLflow's register_model.
    assert_eq!(registry.register_version("other", &run("d"), "", 40), Ok(1));
    // Deleted numbers are not reused.
    registry
        .delete_version("taxi-duration", 3, 50)
        .expect("delete");
    assert_eq!(
        registry.register_version("taxi-duration", &run("e"), "", 60),
        Ok(4)
    );
    registry
        .describe_version("taxi-duration", 4, "from run e", 61)
        .expect("describe");
    registry
        .set_version_tag("taxi-duration", 4, "validated", "yes", 62)
        .expect("tag");
    // Keys MLflow would refuse are refused here, before a push could fail on them.
    for bad in ["bad key!", "", "a..b"] {
        let error = registry
            .set_version_tag("taxi-duration", 4, bad, "x", 62)
            .unwrap_err();
        assert!(
            matches!(error, RegistryError::InvalidTagKey { .. }),
            "{bad:?}: {error}"
        );
        assert!(registry
            .set_model_tag("taxi-duration", bad, "x", 62)
            .is_err());
    }
    assert!(!registry
        .model("taxi-duration")
        .unwrap()
        .tags
        .contains_key("bad key!"));
    let v4 = registry.model("taxi-duration").unwrap().version(4).unwrap();
    assert_eq!(
        (v4.description.as_str(), v4.updated_time_ms),
        ("from run e", 62)
    );
    let error = registry
        .describe_version("taxi-duration", 3, "x", 63)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "model 'taxi-duration' has no version 3 (versions: 1, 2, 4)"
    );
}

#[test]
fn aliases_move_roll_back_and_forward() {
    let mut registry = registry_with_three_versions();
    let name = "taxi-duration";
    assert_eq!(registry.set_alias(name, "champion", 1, 100), Ok(None));
    assert_eq!(registry.set_alias(name, "champion", 2, 110), Ok(Some(1)));
    assert_eq!(registry.set_alias(name, "challenger", 3, 120), Ok(None));
    assert_eq!(
        registry
            .resolve("taxi-duration@champion")
            .unwrap()
            .1
            .version,
        2
    );
    // Version 2 misbehaves: roll the champion back to 1, then forward again.
    assert_eq!(registry.roll_back_alias(name, "champion", 130), Ok(1));
    assert_eq!(
        registry
            .resolve("models:/taxi-duration@champion")
            .unwrap()
            .1
            .version,
        1
    );
    assert_eq!(registry.roll_back_alias(name, "champion", 140), Ok(2));
    let moves: Vec<(Option<u32>, Option<u32>)> = registry
        .model(name)
        .unwrap()
        .alias_history
        .iter()
        .filter(|m| m.alias == "champion")
        .map(|m| (m.from, m.to))
        .collect();
    assert_eq!(
        moves,
        [
            (None, Some(1)),
            (Some(1), Some(2)),
            (Some(2), Some(1)),
            (Some(1), Some(2))
        ]
    );
    let error = registry
        .roll_back_alias(name, "challenger", 150)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("never pointed at another version"),
        "{error}"
    );
    // Deleting a version drops the aliases that named it.
    registry.delete_version(name, 3, 160).expect("delete");
    assert!(!registry
        .model(name)
        .unwrap()
        .aliases
        .contains_key("challenger"));
    assert_eq!(registry.delete_alias(name, "champion", 170), Ok(2));
    let error = registry.delete_alias(name, "champion", 180).unwrap_err();
    assert_eq!(
        error.to_string(),
        "model 'taxi-duration' has no alias 'champion' (it has no aliases)"
    );
}

#[test]
fn alias_names_follow_mlflow_rules() {
    let mut registry = registry_with_three_versions();
    for good in ["champion", "challenger", "blue-green_2", "v1x", "état"] {
        assert_eq!(
            registry.set_alias("taxi-duration", good, 1, 1),
            Ok(None),
            "{good}"
        );
    }
    let cases = [
        (
            "latest",
            "'latest' cannot be an alias: 'latest' is reserved",
        ),
        (
            "LATEST",
            "'LATEST' cannot be an alias: 'latest' is reserved",
        ),
        ("v3", "'v3' cannot be an alias: v<number> is reserved"),
        (
            "my champ",
            "' ' is not allowed; use letters, digits, _ and -",
        ),
        ("a.b", "'.' is not allowed"),
        ("", "an alias cannot be empty"),
    ];
    for (alias, message) in cases {
        let error = registry
            .set_alias("taxi-duration", alias, 1, 1)
            .unwrap_err();
        assert!(error.to_string().contains(message), "{alias}: {error}");
    }
    let error = registry
        .set_alias("taxi-duration", "champion", 9, 1)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "model 'taxi-duration' has no version 9 (versions: 1, 2, 3)"
    );
    let error = registry.set_alias("nope", "champion", 1, 1).unwrap_err();
    assert_eq!(error.to_string(), "no registered model named 'nope'");
}

#[test]
fn stages_record_history_and_archive_existing_versions() {
    let mut registry = registry_with_three_versions();
    let name = "taxi-duration";
    assert_eq!(
        registry.transition_stage(name, 1, Stage::Production, false, 100),
        Ok(vec![])
    );
    assert_eq!(
        registry.transition_stage(name, 2, Stage::Production, false, 110),
        Ok(vec![])
    );
    assert_eq!(
        registry.transition_stage(name, 3, Stage::Staging, false, 120),
        Ok(vec![])
    );
    // Promoting 3 with archive_existing_versions archives both versions in Production.
    assert_eq!(
        registry.transition_stage(name, 3, Stage::Production, true, 130),
        Ok(vec![1, 2])
    );
    let model = registry.model(name).unwrap();
    let stages: Vec<Stage> = model.versions.iter().map(|v| v.stage).collect();
    assert_eq!(
        stages,
        [Stage::Archived, Stage::Archived, Stage::Production]
    );
    let history: Vec<(Stage, Stage, i64)> = model
        .version(3)
        .unwrap()
        .stage_history
        .iter()
        .map(|t| (t.from, t.to, t.time_ms))
        .collect();
    assert_eq!(
        history,
        [
            (Stage::None, Stage::Staging, 120),
            (Stage::Staging, Stage::Production, 130)
        ]
    );
    assert_eq!(model.version(1).unwrap().stage_history.len(), 2);
    // The same stage again changes nothing.
    registry
        .transition_stage(name, 3, Stage::Production, false, 140)
        .expect("no-op");
    assert_eq!(
        registry
            .model(name)
            .unwrap()
            .version(3)
            .unwrap()
            .stage_history
            .len(),
        2
    );
    let error = registry
        .transition_stage(name, 1, Stage::Archived, true, 150)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "archive_existing_versions only applies when moving to Staging or Production, not Archived"
    );
    assert_eq!(Stage::parse("production"), Ok(Stage::Production));
    assert_eq!(
        Stage::parse("prod").unwrap_err().to_string(),
        "unknown stage 'prod' — use None, Staging, Production or Archived"
    );
    assert_eq!(
        registry
            .resolve("models:/taxi-duration/Production")
            .unwrap()
            .1
            .version,
        3
    );
    assert_eq!(
        registry
            .resolve("taxi-duration/archived")
            .unwrap()
            .1
            .version,
        2
    );
    let error = registry.resolve("taxi-duration/Staging").unwrap_err();
    assert_eq!(
        error.to_string(),
        "model 'taxi-duration' has no version in stage Staging"
    );
}

#[test]
fn references_resolve_every_mlflow_form() {
    let mut registry = registry_with_three_versions();
    registry
        .set_alias("taxi-duration", "champion", 2, 1)
        .expect("alias");
    let version_of = |r: &str| registry.resolve(r).map(|(_, v)| v.version);
    for (reference, version) in [
        ("taxi-duration@champion", 2),
        ("models:/taxi-duration@champion", 2),
        ("taxi-duration/1", 1),
        ("models:/taxi-duration/3", 3),
        ("taxi-duration@latest", 3),
        ("taxi-duration/latest", 3),
        ("taxi-duration", 3),
        ("models:/taxi-duration", 3),
    ] {
        assert_eq!(version_of(reference), Ok(version), "{reference}");
    }
    let errors = [
        ("taxi@champion", "no registered model named 'taxi'"),
        (
            "taxi-duration@champ",
            "model 'taxi-duration' has no alias 'champ' (aliases: champion)",
        ),
        (
            "taxi-duration/7",
            "model 'taxi-duration' has no version 7 (versions: 1, 2, 3)",
        ),
        (
            "taxi-duration/seven",
            "'taxi-duration/seven' is not a model reference",
        ),
        (
            "taxi-duration@",
            "'taxi-duration@' is not a model reference",
        ),
        ("models:/", "'models:/' is not a model reference"),
        ("@champion", "'@champion' is not a model reference"),
    ];
    for (reference, message) in errors {
        let error = version_of(reference).unwrap_err().to_string();
        assert!(error.starts_with(message), "{reference}: {error}");
    }
    registry.create_model("empty", "", 1).expect("create");
    let error = registry.resolve("empty").unwrap_err();
    assert_eq!(error.to_string(), "model 'empty' has no versions yet");
}

#[test]
fn version_numbers_never_wrap_around() {
    // A saved or imported registry can carry any number; the next one must not wrap to 0.
    let mut registry = registry_with_three_versions();
    let name = registry.models[0].name.clone();
    registry.models[0].last_version = u32::MAX;
    let err = registry
        .register_version(&name, &run("r9"), "", 10)
        .expect_err("no number left");
    assert!(
        matches!(err, RegistryError::VersionsExhausted { .. }),
        "{err}"
    );
    assert_eq!(registry.models[0].versions.len(), 3);

    let mut incoming = registry_with_three_versions();
    incoming.models[0].versions[0].source_run = "elsewhere".into();
    assert_eq!(
        registry.merge(incoming.models),
        0,
        "nothing merged under a wrapped number"
    );
}
