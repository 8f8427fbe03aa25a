//! The notebook file format as a user meets it: the default notebook saved and opened,
//! files from newer Flowbooks, and broken files with messages that say where.

use flowbook_core::notebook::{
    default_notebook, open, open_bytes, save, CellKind, CellState, Chart, Dataflow, OpenError,
};
use flowbook_core::trees::TreeParams;

fn default_json() -> serde_json::Value {
    serde_json::from_str(&save(&default_notebook())).expect("saved notebooks are JSON")
}

/// Sets the value at a JSON pointer, adding the field when the object lacks it.
fn set(json: &mut serde_json::Value, pointer: &str, value: serde_json::Value) {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    match json.pointer_mut(parent).expect(parent) {
        serde_json::Value::Object(map) => {
            map.insert(key.to_string(), value);
        }
        serde_json::Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
        other => panic!("cannot set {key} in {other}"),
    }
}

/// Opens a JSON value that should fail, returning the message.
fn open_error(value: &serde_json::Value) -> String {
    open(&value.to_string())
        .expect_err("should not open")
        .to_string()
}

#[test]
fn default_notebook_round_trips_through_the_file_format() {
    let notebook = default_notebook();
    let text = save(&notebook);
    let opened = open(&text).expect("opens");
    assert_eq!(opened.warnings, Vec::<String>::new());
    assert_eq!(opened.notebook, notebook);
    assert_eq!(save(&opened.notebook), text);
    assert!(text.starts_with("{\n  \"format\": \"flowbook-notebook\",\n  \"format_version\": 1,"));
    let kinds: Vec<&str> = notebook.cells.iter().map(|c| c.kind.name()).collect();
    assert_eq!(
        kinds,
        [
            "markdown", "data", "markdown", "prepare", "markdown", "train", "evaluate", "markdown",
            "compare", "markdown", "predict", "markdown", "train", "evaluate"
        ]
    );
}

#[test]
fn default_notebook_runs_every_cell_in_order() {
    let notebook = default_notebook();
    let mut flow = Dataflow::new(&notebook);
    let order = flow.run_all();
    let ids: Vec<String> = notebook.cells.iter().map(|c| c.id.clone()).collect();
    assert_eq!(order, ids);
    for id in &order {
        flow.record_running(id).unwrap();
        assert_eq!(flow.state(id), Some(&CellState::Running));
        flow.record_success(id).unwrap();
    }
    assert!(ids
        .iter()
        .all(|id| flow.state(id) == Some(&CellState::Fresh)));
    assert_eq!(flow.run_all(), Vec::<String>::new());
}

#[test]
fn default_notebook_names_the_bundled_months() {
    let json = default_json();
    let data = &json["cells"][1];
    assert_eq!(data["train"]["file_name"], "green_tripdata_2021-01.parquet");
    assert_eq!(
        data["validation"]["file_name"],
        "green_tripdata_2021-02.parquet"
    );
    assert_eq!(
        json["cells"][3]["categorical"],
        serde_json::json!(["PU_DO"])
    );
    assert_eq!(
        json["cells"][3]["numerical"],
        serde_json::json!(["trip_distance"])
    );
    assert_eq!(json["cells"][5]["model"], "ols");
    assert_eq!(json["cells"][10]["pickup_zone"], 74);
}

#[test]
fn every_truncation_of_a_file_is_refused_without_panicking() {
    let text = save(&default_notebook());
    let cuts = (0..text.len()).filter(|&i| text.is_char_boundary(i));
    for cut in cuts {
        let error = open(&text[..cut]).expect_err("a cut file must not open");
        if cut > 20 {
            assert!(
                matches!(error, OpenError::Truncated { .. }),
                "cut at {cut}: {error}"
            );
        }
    }
    assert_eq!(open(&text[..1]).unwrap_err().to_string(), "the file ends early (line 1, column 1); it was probably cut off while saving or downloading");
}

#[test]
fn broken_files_get_specific_messages() {
    let cases: [(&str, &str); 6] = [
        ("", "the file is empty; a Flowbook notebook is a JSON file"),
        ("  \n", "the file is empty; a Flowbook notebook is a JSON file"),
        ("<!doctype html><html>", "this looks like a web page, not a notebook file; check that the address points at the notebook's .json file itself"),
        ("{\"format\": oops}", "the file is not valid JSON: expected value (line 1, column 12)"),
        ("[1, 2]", "this JSON file is not a Flowbook notebook: expected an object {…} at the top, found a list"),
        ("{\"cells\": []}", "this JSON file is not a Flowbook notebook: it has no \"format\": \"flowbook-notebook\" field"),
    ];
    for (text, message) in cases {
        assert_eq!(open(text).unwrap_err().to_string(), message, "for {text:?}");
    }
    assert_eq!(
        open_bytes(&[0xff, 0xfe, 0x00]).unwrap_err(),
        OpenError::NotText
    );
    assert!(open_bytes(save(&default_notebook()).as_bytes()).is_ok());
}

#[test]
fn values_of_the_wrong_type_are_named_by_their_place() {
    let edits: [(&str, serde_json::Value, &str); 11] = [
        ("/cells/12/trees/max_depth", "deep".into(), "cells[12].trees.max_depth: expected a whole number, found the text \"deep\""),
        ("/cells/12/trees/num_boost_round", (-3).into(), "cells[12].trees.num_boost_round: expected a whole number of at least 0, found -3"),
        ("/cells/5/alpha", "abc".into(), "cells[5].alpha: expected a number, found the text \"abc\""),
        ("/cells/5/sweep_alphas", serde_json::json!([0.1, "x"]), "cells[5].sweep_alphas[1]: expected a number, found the text \"x\""),
        ("/cells/0/collapsed", "yes".into(), "cells[0].collapsed: expected true or false, found the text \"yes\""),
        ("/cells/1/train", 3.into(), "cells[1].train: expected an object {…}, found the number 3"),
        ("/cells/1/train/sha256", "abc".into(), "cells[1].train.sha256: expected 64 hexadecimal digits (a SHA-256), found the text \"abc\""),
        ("/cells/10/pickup_zone", 74.5.into(), "cells[10].pickup_zone: expected a whole number, found the number 74.5"),
        ("/cells/2/id", "".into(), "cells[2].id: expected a non-empty text, found the text \"\""),
        ("/cells/3", "prepare".into(), "cells[3]: expected an object {…}, found the text \"prepare\""),
        ("/format_version", 0.into(), "format_version: expected a whole number from 1, found the number 0"),
    ];
    for (pointer, value, message) in edits {
        let mut json = default_json();
        set(&mut json, pointer, value);
        assert_eq!(open_error(&json), message);
    }
    let mut json = default_json();
    json["cells"][4]["id"] = json["cells"][1]["id"].clone();
    assert_eq!(
        open_error(&json),
        "cells[4].id: \"cell-2\" is also the id of cells[1]; each cell needs its own id"
    );
    json["cells"][0].as_object_mut().unwrap().remove("kind");
    assert_eq!(
        open_error(&json),
        "cells[0].kind: missing; expected the name of a cell kind"
    );
    json["format"] = "jupyter".into();
    assert_eq!(open_error(&json), "this JSON file is not a Flowbook notebook: its format is \"jupyter\", not \"flowbook-notebook\"");
}

/// A shared notebook cannot hand a tab more work than it can finish: its sweeps and
/// searches are bounded, with the limit and the way round it named.
#[test]
fn oversized_work_in_a_file_is_bounded_with_a_message() {
    let mut json = default_json();
    let alphas: Vec<f64> = (1..=2_000).map(f64::from).collect();
    set(&mut json, "/cells/5/sweep_alphas", alphas.clone().into());
    assert!(open(&json.to_string()).is_ok(), "2,000 alphas are allowed");
    let too_many: Vec<f64> = (1..=2_001).map(f64::from).collect();
    set(&mut json, "/cells/5/sweep_alphas", too_many.into());
    let error = open_error(&json);
    assert!(
        error.starts_with("cells[5].sweep_alphas: at most 2000 alphas in a notebook, found 2001")
            && error.contains("flowbook train --alphas"),
        "{error}"
    );
}

#[test]
fn a_newer_major_version_is_refused_clearly() {
    let mut json = default_json();
    json["format_version"] = 2.into();
    assert_eq!(
        open_error(&json),
        "this notebook was written by a newer Flowbook (format version 2); this one reads up to 1"
    );
}

#[test]
fn additions_from_a_newer_flowbook_are_kept_with_warnings() {
    let mut json = default_json();
    json["theme"] = "dark".into();
    json["cells"][5]["max_iterations"] = 500.into();
    json["cells"][6]["charts"] = serde_json::json!(["predicted_vs_actual", "shap"]);
    json["cells"][3]["categorical"] = serde_json::json!(["PU_DO", "pickup_minute"]);
    let sql = serde_json::json!({"id": "cell-99", "kind": "sql", "query": "select 1"});
    json["cells"].as_array_mut().unwrap().push(sql);
    let opened = open(&json.to_string()).expect("opens");
    assert_eq!(opened.warnings.len(), 5, "{:#?}", opened.warnings);
    assert!(opened
        .warnings
        .iter()
        .any(|w| w.starts_with("cells[14]: unknown cell kind \"sql\"")));
    assert!(opened.warnings.contains(&"cells[5].max_iterations: unknown field, kept as it is (perhaps written by a newer Flowbook)".to_string()));
    let evaluate = &opened.notebook.cells[6].kind;
    assert_eq!(
        evaluate,
        &CellKind::Evaluate(flowbook_core::notebook::EvaluateSettings {
            charts: vec![Chart::PredictedVsActual]
        })
    );

    // Saving here loses none of what this Flowbook did not understand.
    let saved: serde_json::Value = serde_json::from_str(&save(&opened.notebook)).unwrap();
    assert_eq!(saved["theme"], "dark");
    assert_eq!(saved["cells"][5]["max_iterations"], 500);
    assert_eq!(
        saved["cells"][11],
        json["cells"][11]
            .as_object()
            .map(|o| {
                let mut o = o.clone();
                o.insert("collapsed".into(), false.into());
                serde_json::Value::Object(o)
            })
            .unwrap()
    );
    let flow = Dataflow::new(&opened.notebook);
    assert!(!flow.run_all().contains(&"cell-99".to_string()));
    assert_eq!(
        flow.state("cell-99"),
        Some(&CellState::Blocked(
            "a \"sql\" cell needs a newer Flowbook".into()
        ))
    );
}

#[test]
fn a_tree_cell_keeps_its_settings_and_fills_in_the_missing_ones() {
    let mut json = default_json();
    assert_eq!(json["cells"][12]["model"], "gbdt");
    set(
        &mut json,
        "/cells/12/trees",
        serde_json::json!({"num_boost_round": 7, "subsample": 0.5}),
    );
    let opened = open(&json.to_string()).expect("opens");
    let CellKind::Train(train) = &opened.notebook.cells[12].kind else {
        panic!("a Train cell")
    };
    let params = train.tree_params().expect("trees");
    assert_eq!((params.num_boost_round, params.subsample), (7, 0.5));
    assert_eq!(params.max_depth, TreeParams::workshop().max_depth);
    // Switching the model away and back keeps the settings.
    let mut linear = train.clone();
    linear.model = "ridge".into();
    assert_eq!(linear.tree_params(), None);
    linear.model = "gbdt".into();
    assert_eq!(linear.tree_params(), Some(params));
    // Out-of-range settings open, and are refused when the cell runs.
    set(&mut json, "/cells/12/trees/max_depth", 0.into());
    let opened = open(&json.to_string()).expect("opens");
    let CellKind::Train(train) = &opened.notebook.cells[12].kind else {
        panic!("a Train cell")
    };
    let error = train.request(&Default::default()).unwrap_err();
    assert!(
        error.contains("max_depth must be a whole number from 1 to 1000; got 0"),
        "{error}"
    );
}

#[test]
fn older_files_without_settings_take_the_defaults() {
    let text = r#"{"format": "flowbook-notebook", "format_version": 1, "cells": [
        {"id": "a", "kind": "train"}, {"id": "b", "kind": "predict", "trip_distance": 3}]}"#;
    let opened = open(text).expect("opens");
    assert_eq!(opened.notebook.title, "Untitled notebook");
    let train = &opened.notebook.cells[0].kind;
    assert_eq!(train, &CellKind::Train(Default::default()));
    let CellKind::Predict(predict) = &opened.notebook.cells[1].kind else {
        panic!()
    };
    assert_eq!(predict.trip_distance, 3.0);
    let mut notebook = opened.notebook;
    assert_eq!(
        notebook.push(CellKind::Markdown {
            source: String::new()
        }),
        "cell-1"
    );
}

#[test]
fn a_search_cell_round_trips_and_its_mistakes_are_named_by_their_place() {
    use flowbook_core::notebook::SearchCellSettings;
    let mut json = default_json();
    let cells = json["cells"].as_array_mut().expect("cells");
    cells.push(serde_json::json!({
        "id": "search-1", "kind": "search", "algorithm": "random", "max_evals": 20, "seed": 7,
        "space": serde_json::from_str::<serde_json::Value>(flowbook_core::notebook::COURSE_SEARCH_SPACE).unwrap(),
    }));
    let opened = open(&json.to_string()).expect("opens");
    let last = opened.notebook.cells.last().expect("a cell");
    let CellKind::Search(search) = &last.kind else {
        panic!("a Search cell")
    };
    assert_eq!((search.max_evals, search.seed), (20, 7));
    let (space, settings) = search.plan().expect("a valid search");
    assert_eq!(settings.algorithm.name(), "random");
    assert_eq!(space.domain().len(), 5);
    // Saved and opened again: the same cell.
    let again = open(&save(&opened.notebook)).expect("reopens");
    assert_eq!(
        again.notebook.cells.last().map(|c| &c.kind),
        Some(&last.kind)
    );
    // A cell without settings takes the linear space and TPE.
    let n = json["cells"].as_array().unwrap().len() - 1;
    let bare = {
        let mut j = json.clone();
        j["cells"][n] = serde_json::json!({"id": "search-1", "kind": "search"});
        j
    };
    let opened = open(&bare.to_string()).expect("opens");
    assert_eq!(
        opened.notebook.cells.last().map(|c| &c.kind),
        Some(&CellKind::Search(SearchCellSettings::default()))
    );
    // Mistakes: by place in the file, or, for the space, when the cell runs.
    set(&mut json, &format!("/cells/{n}/algorithm"), "anneal".into());
    assert!(
        open_error(&json).contains(&format!("cells[{n}].algorithm")),
        "{}",
        open_error(&json)
    );
    set(&mut json, &format!("/cells/{n}/algorithm"), "tpe".into());
    set(
        &mut json,
        &format!("/cells/{n}/max_evals"),
        10_000_000.into(),
    );
    assert!(
        open_error(&json).contains(&format!(
            "cells[{n}].max_evals: expected a whole number from 0 to 2000"
        )),
        "{}",
        open_error(&json)
    );
    set(&mut json, &format!("/cells/{n}/max_evals"), 20.into());
    set(
        &mut json,
        &format!("/cells/{n}/space/space/gbdt/max_depth/low"),
        500.into(),
    );
    let opened = open(&json.to_string()).expect("a bad space opens");
    let CellKind::Search(search) = &opened.notebook.cells[n].kind else {
        panic!("a Search cell")
    };
    let error = search.plan().unwrap_err();
    assert!(
        error.starts_with("space.gbdt.max_depth.low: low (500) must be below high (100)"),
        "{error}"
    );
}

#[test]
fn a_monitor_cell_round_trips_and_its_mistakes_are_named_by_their_place() {
    use flowbook_core::notebook::MonitorSettings;
    let mut json = default_json();
    let cells = json["cells"].as_array_mut().expect("cells");
    cells.push(serde_json::json!({
        "id": "monitor-1", "kind": "monitor", "model": "taxi-duration@champion",
        "months": ["data/green_tripdata_2021-02.parquet", "https://example.org/green_tripdata_2023-01.parquet"],
        "thresholds": {"rmse_alert": 0.25, "columns": {"PU_DO": 0.5}},
    }));
    let n = cells.len() - 1;
    let opened = open(&json.to_string()).expect("opens");
    let last = opened.notebook.cells.last().expect("a cell");
    let CellKind::Monitor(monitor) = &last.kind else {
        panic!("a Monitor cell")
    };
    assert_eq!(monitor.months.len(), 2);
    assert_eq!(monitor.thresholds.rmse_alert, 0.25);
    assert_eq!(monitor.model, "taxi-duration@champion");
    // A named model brings its own reference: the cell reads no cell above it.
    let flow = flowbook_core::notebook::Dataflow::new(&opened.notebook);
    assert_eq!(flow.inputs("monitor-1").map(<[String]>::len), Some(0));
    let again = open(&save(&opened.notebook)).expect("reopens");
    assert_eq!(
        again.notebook.cells.last().map(|c| &c.kind),
        Some(&last.kind)
    );
    let mut bare = json.clone();
    bare["cells"][n] = serde_json::json!({"id": "monitor-1", "kind": "monitor"});
    assert_eq!(
        open(&bare.to_string())
            .expect("opens")
            .notebook
            .cells
            .last()
            .map(|c| &c.kind),
        Some(&CellKind::Monitor(MonitorSettings::default()))
    );
    set(
        &mut json,
        &format!("/cells/{n}/months"),
        serde_json::json!([3]),
    );
    assert!(
        open_error(&json).contains(&format!("cells[{n}].months")),
        "{}",
        open_error(&json)
    );
    set(
        &mut json,
        &format!("/cells/{n}/months"),
        serde_json::json!([]),
    );
    set(
        &mut json,
        &format!("/cells/{n}/thresholds"),
        serde_json::json!({"rmse_alert": -1}),
    );
    let error = open_error(&json);
    assert!(
        error.contains(&format!("cells[{n}].thresholds")) && error.contains("rmse_alert"),
        "{error}"
    );
}
