//! The runs table on hand-built runs: filters select exactly the right runs, sorting edge
//! cases, and soft-deleted runs.

use super::*;
use crate::store::{Experiment, StoredRun};
use crate::tracking::{Run, RunStatus, PARENT_CLIENT_ID_TAG};

fn names(runs: &[StoredRun], rows: &[usize]) -> Vec<String> {
    rows.iter().map(|&i| runs[i].run.name.clone()).collect()
}

/// Names of the runs `filter` keeps, in name order.
fn matching(runs: &[StoredRun], filter: &str) -> Vec<String> {
    let by_name = SortSpec::parse("run_name").expect("sort");
    let rows = select(runs, filter, Some(&by_name), true).unwrap_or_else(|e| panic!("{e}"));
    names(runs, &rows)
}

fn hand_built_runs() -> Vec<StoredRun> {
    let mut runs = Vec::new();
    let mut add =
        |name: &str, params: &[(&str, &str)], tags: &[(&str, &str)], f: &dyn Fn(&mut Run)| {
            let start = 1_000 * (runs.len() as i64 + 1);
            let mut run = Run::new(&format!("id-{name}"), name, "taxi", start);
            for (k, v) in params {
                run.params.insert(k.to_string(), v.to_string());
            }
            for (k, v) in tags {
                run.tags.insert(k.to_string(), v.to_string());
            }
            run.finish(RunStatus::Finished, start + 500);
            f(&mut run);
            runs.push(StoredRun::new(run));
        };
    add("ols", &[("model", "ols")], &[("team", "core")], &|r| {
        r.log_metric("val_rmse", 7.0, 10, 0)
    });
    add(
        "ridge-1",
        &[("model", "ridge"), ("alpha", "1")],
        &[("flowbook.model", "ridge alpha=1")],
        &|r| {
            r.log_metric("val_rmse", 9.0, 10, 0);
            r.log_metric("val_rmse", 6.0, 5, 1); // a later step wins even with an older time
            r.log_metric("val.rmse", 5.5, 10, 0);
        },
    );
    add(
        "ridge-10",
        &[("model", "ridge"), ("alpha", "10")],
        &[("team", "Core")],
        &|r| r.log_metric("val_rmse", 6.5, 10, 0),
    );
    add(
        "lasso",
        &[("model", "lasso"), ("alpha", "0.1")],
        &[],
        &|r| {
            r.status = RunStatus::Running;
            r.end_time_ms = None;
        },
    );
    add(
        "enet",
        &[("model", "elasticnet"), ("alpha", "0.5")],
        &[],
        &|r| {
            r.log_metric("val_rmse", 5.0, 100, 0);
            r.log_metric("val_rmse", 8.0, 200, 0); // same step: the later time wins
        },
    );
    runs
}

#[test]
fn filters_select_exactly_the_right_hand_built_runs() {
    let runs = hand_built_runs();
    let cases: &[(&str, &[&str])] = &[
        ("", &["enet", "lasso", "ols", "ridge-1", "ridge-10"]),
        ("metrics.val_rmse < 7", &["ridge-1", "ridge-10"]),
        ("metrics.val_rmse <= 7", &["ols", "ridge-1", "ridge-10"]),
        ("metrics.val_rmse >= 8", &["enet"]),
        ("metrics.val_rmse != 7", &["enet", "ridge-1", "ridge-10"]),
        ("metrics.`val.rmse` = 5.5", &["ridge-1"]),
        ("params.model = 'ridge'", &["ridge-1", "ridge-10"]),
        ("params.model != \"ridge\"", &["enet", "lasso", "ols"]),
        ("params.alpha != '1'", &["enet", "lasso", "ridge-10"]),
        ("params.model LIKE '%l%'", &["enet", "lasso", "ols"]),
        ("tags.team = 'core'", &["ols"]),
        ("tags.team ILIKE 'CORE'", &["ols", "ridge-10"]),
        ("tags.team LIKE 'C_re'", &["ridge-10"]),
        ("tags.`flowbook.model` like '%alpha=_'", &["ridge-1"]),
        (
            "attributes.run_name LIKE 'ridge%'",
            &["ridge-1", "ridge-10"],
        ),
        ("run_name = 'lasso'", &["lasso"]),
        ("status = 'RUNNING'", &["lasso"]),
        // MLflow compares statuses exactly.
        ("status = 'running'", &[]),
        (
            "attributes.status != 'RUNNING'",
            &["enet", "ols", "ridge-1", "ridge-10"],
        ),
        (
            "attributes.start_time >= 3000",
            &["enet", "lasso", "ridge-10"],
        ),
        (
            "attributes.end_time < 4000",
            &["ols", "ridge-1", "ridge-10"],
        ),
        (
            "metrics.val_rmse < 7 AND params.model = 'ridge' and tags.team = 'Core'",
            &["ridge-10"],
        ),
        ("metrics.missing < 100", &[]),
    ];
    for (filter, expected) in cases {
        assert_eq!(matching(&runs, filter), *expected, "{filter}");
    }
}

#[test]
fn sorting_puts_missing_last_both_ways_and_is_stable() {
    let mut runs = hand_built_runs();
    runs[0].run.log_metric("val_rmse", f64::NAN, 20, 5);
    let sorted = |text: &str| {
        let sort = SortSpec::parse(text).expect("sort");
        names(
            &runs,
            &select(&runs, "", Some(&sort), false).expect("select"),
        )
    };
    // ols is NaN now, lasso has no val_rmse: both after every number, NaN before missing.
    assert_eq!(
        sorted("metrics.val_rmse"),
        ["ridge-1", "ridge-10", "enet", "ols", "lasso"]
    );
    assert_eq!(
        sorted("metrics.val_rmse DESC"),
        ["enet", "ridge-10", "ridge-1", "ols", "lasso"]
    );
    // Param text that reads as a number sorts as one (10 after 1, not between 0.5 and 1).
    assert_eq!(
        sorted("params.alpha asc"),
        ["lasso", "enet", "ridge-1", "ridge-10", "ols"]
    );
    assert_eq!(
        sorted("params.alpha desc"),
        ["ridge-10", "ridge-1", "enet", "lasso", "ols"]
    );
    // Equal cells keep store order whatever the direction.
    assert_eq!(
        sorted("status"),
        ["ols", "ridge-1", "ridge-10", "enet", "lasso"]
    );
    assert_eq!(
        sorted("status DESC"),
        ["lasso", "ols", "ridge-1", "ridge-10", "enet"]
    );
    assert_eq!(
        sorted("attributes.end_time DESC"),
        ["enet", "ridge-10", "ridge-1", "ols", "lasso"]
    );
    // Without a sort: newest first, as MLflow lists runs.
    let rows = select(&runs, "", None, false).expect("select");
    assert_eq!(
        names(&runs, &rows),
        ["enet", "lasso", "ridge-10", "ridge-1", "ols"]
    );
    assert!(SortSpec::parse("metricz.x DESC").is_err());
    let all = columns(runs.iter().map(|s| &s.run));
    assert!(
        all.contains(&Column::Metric("val.rmse".into()))
            && all.contains(&Column::Tag("team".into()))
    );
    assert_eq!(
        all.iter().filter(|c| matches!(c, Column::Param(_))).count(),
        2
    );
    // Headers read back as the same keys, so a clicked header can become a filter or sort.
    for column in &all {
        assert_eq!(FilterKey::parse(&column_label(column)).as_ref(), Ok(column));
    }
    assert_eq!(
        column_label(&Column::Metric("val.rmse".into())),
        "metrics.`val.rmse`"
    );
}

#[test]
fn deleted_runs_are_hidden_until_asked_for_or_restored() {
    let mut experiment = Experiment::new("e", "taxi", 0);
    for stored in hand_built_runs() {
        experiment.add_run(stored.run).expect("add");
    }
    experiment.delete_run("id-ridge-1").expect("delete");
    let shown = |e: &Experiment, deleted: bool| {
        names(
            &e.runs,
            &select(&e.runs, "params.model = 'ridge'", None, deleted).unwrap(),
        )
    };
    assert_eq!(shown(&experiment, false), ["ridge-10"]);
    assert_eq!(shown(&experiment, true), ["ridge-10", "ridge-1"]);
    experiment.restore_run("id-ridge-1").expect("restore");
    assert_eq!(shown(&experiment, false), ["ridge-10", "ridge-1"]);
}

#[test]
fn selection_in_an_experiment_keeps_only_its_runs() {
    let mut runs = hand_built_runs();
    runs[0].run.experiment = "sweeps".into();
    runs[1].run.experiment = String::new();
    let by_name = SortSpec::parse("run_name").expect("sort");
    let taxi = select_in_experiment(&runs, "taxi", "", Some(&by_name), true).expect("select");
    assert_eq!(taxi.len(), runs.len() - 2);
    assert!(!names(&runs, &taxi).contains(&runs[0].run.name));
    let sweeps = select_in_experiment(&runs, "sweeps", "", None, true).expect("select");
    assert_eq!(names(&runs, &sweeps), [runs[0].run.name.clone()]);
    let default = select_in_experiment(&runs, "Default", "", None, true).expect("select");
    assert_eq!(default, [1], "a run without experiment is in Default");
    assert!(select_in_experiment(&runs, "taxi", "params.", None, true).is_err());
}

#[test]
fn a_row_shows_the_same_cells_as_asking_each_column() {
    let runs = hand_built_runs();
    let all = columns(runs.iter().map(|s| &s.run));
    assert!(all.iter().any(|c| matches!(c, Column::Metric(_))));
    for stored in &runs {
        let each: Vec<CellValue> = all.iter().map(|c| cell(&stored.run, c)).collect();
        assert_eq!(row_cells(&stored.run, &all), each, "{}", stored.run.name);
    }
}

/// A search (parent) with two trials, and a run of its own, in that start order.
fn a_search_and_a_run() -> Vec<StoredRun> {
    let run = |id: &str, start: i64, parent: Option<&str>| {
        let mut run = Run::new(id, id, "taxi", start);
        if let Some(parent) = parent {
            run.tags.insert(PARENT_CLIENT_ID_TAG.into(), parent.into());
        }
        StoredRun::new(run)
    };
    vec![
        run("search", 1, None),
        run("trial-1", 2, Some("search")),
        run("trial-2", 3, Some("search")),
        run("single", 4, None),
    ]
}

#[test]
fn trials_nest_under_a_shown_search_and_stand_alone_without_it() {
    let runs = a_search_and_a_run();
    let ids = |groups: &[(&StoredRun, Vec<&StoredRun>)]| -> Vec<(String, Vec<String>)> {
        groups
            .iter()
            .map(|(p, c)| {
                let ids = c.iter().map(|s| s.run.client_id.clone()).collect();
                (p.run.client_id.clone(), ids)
            })
            .collect()
    };
    let shown: Vec<&StoredRun> = [3, 2, 0, 1].iter().map(|&i| &runs[i]).collect();
    assert_eq!(
        ids(&nest_trials(&shown)),
        [
            ("single".to_string(), vec![]),
            (
                "search".to_string(),
                vec!["trial-2".into(), "trial-1".into()]
            ),
        ],
        "trials go under their search, in the order shown"
    );
    let without_parent: Vec<&StoredRun> = [1, 3].iter().map(|&i| &runs[i]).collect();
    assert_eq!(
        ids(&nest_trials(&without_parent)),
        [
            ("trial-1".to_string(), vec![]),
            ("single".to_string(), vec![])
        ]
    );
}

#[test]
fn the_listed_count_is_the_rows_an_unfiltered_table_shows() {
    let mut runs = a_search_and_a_run();
    let rows_shown = |runs: &[StoredRun]| {
        let rows = select_in_experiment(runs, "taxi", "", None, false).expect("select");
        let shown: Vec<&StoredRun> = rows.iter().map(|&i| &runs[i]).collect();
        nest_trials(&shown).len()
    };
    assert_eq!(listed_count(&runs, "taxi"), 2, "a search and a run");
    assert_eq!(listed_count(&runs, "Default"), 0);
    runs[0].lifecycle = crate::store::Lifecycle::Deleted;
    assert_eq!(
        listed_count(&runs, "taxi"),
        3,
        "a deleted search's trials stand alone"
    );
    assert_eq!(listed_count(&runs, "taxi"), rows_shown(&runs));
    runs[3].run.experiment = "other".into();
    assert_eq!(listed_count(&runs, "taxi"), 2);
    assert_eq!(listed_count(&runs, "taxi"), rows_shown(&runs));
    assert_eq!(listed_count(&runs, "other"), 1);
}
