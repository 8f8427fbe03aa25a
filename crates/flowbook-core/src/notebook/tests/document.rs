//! Notebook edits by id: where cells end up, what ids they get, and the errors.

use crate::notebook::{default_notebook, CellKind, Notebook, NotebookError, TrainSettings};
use crate::solve::ModelKind;

fn ids(notebook: &Notebook) -> Vec<&str> {
    notebook.cells.iter().map(|c| c.id.as_str()).collect()
}

fn markdown(text: &str) -> CellKind {
    CellKind::Markdown {
        source: text.to_string(),
    }
}

#[test]
fn ids_come_from_the_counter_and_are_never_reused() {
    let mut notebook = Notebook::new("t");
    let a = notebook.push(markdown("a"));
    let b = notebook.add(0, markdown("b")).unwrap();
    assert_eq!((a.as_str(), b.as_str()), ("cell-1", "cell-2"));
    notebook.remove(&b).unwrap();
    assert_eq!(notebook.push(markdown("c")), "cell-3");
    // A loaded file may already use the counter's next id: it is skipped.
    notebook.cells[0].id = "cell-4".to_string();
    assert_eq!(notebook.push(markdown("d")), "cell-5");
    notebook.next_cell_number = u64::MAX;
    assert_eq!(notebook.push(markdown("e")), format!("cell-{}", u64::MAX));
    assert_eq!(notebook.push(markdown("f")), "cell-0");
}

#[test]
fn cells_move_by_id() {
    let mut notebook = Notebook::new("t");
    for text in ["a", "b", "c"] {
        notebook.push(markdown(text));
    }
    assert_eq!(notebook.move_up("cell-3").unwrap(), 1);
    assert_eq!(ids(&notebook), ["cell-1", "cell-3", "cell-2"]);
    assert_eq!(notebook.move_up("cell-1").unwrap(), 0);
    assert_eq!(notebook.move_down("cell-2").unwrap(), 2);
    assert_eq!(notebook.move_down("cell-1").unwrap(), 1);
    assert_eq!(ids(&notebook), ["cell-3", "cell-1", "cell-2"]);
    assert_eq!(notebook.move_to("cell-2", 0).unwrap(), 2);
    assert_eq!(ids(&notebook), ["cell-2", "cell-3", "cell-1"]);
    assert_eq!(
        notebook.move_to("cell-2", 3),
        Err(NotebookError::BadIndex { index: 3, len: 3 })
    );
    assert_eq!(
        notebook.add(4, markdown("x")).unwrap_err().to_string(),
        "position 4 is outside the notebook, which has 3 cells"
    );
}

#[test]
fn duplicate_collapse_and_edit() {
    let mut notebook = default_notebook();
    let train = notebook.cells[5].id.clone();
    notebook.set_collapsed(&train, true).unwrap();
    let copy = notebook.duplicate(&train).unwrap();
    assert_eq!(copy, "cell-15");
    assert_eq!(notebook.index_of(&copy), Ok(6));
    assert!(notebook.cell(&copy).unwrap().collapsed);
    assert_eq!(notebook.cell(&copy).unwrap().kind, notebook.cells[5].kind);

    let ridge = CellKind::Train(TrainSettings::from_kind(ModelKind::Ridge { alpha: 0.3 }));
    notebook.edit(&copy, ridge.clone()).unwrap();
    assert_eq!(notebook.cell(&copy).unwrap().kind, ridge);
    assert_ne!(notebook.cells[5].kind, ridge);
    assert_eq!(
        notebook.edit(&copy, markdown("x")).unwrap_err().to_string(),
        "cell \"cell-15\" is a Train cell; it cannot take Markdown settings"
    );
}

#[test]
fn unknown_ids_are_errors() {
    let mut notebook = default_notebook();
    let error = NotebookError::UnknownCell("nope".to_string());
    assert_eq!(
        error.to_string(),
        "there is no cell with id \"nope\" in this notebook"
    );
    let unknown = Err(error);
    assert_eq!(notebook.remove("nope").map(|_| ()), unknown);
    assert_eq!(notebook.move_up("nope").map(|_| ()), unknown);
    assert_eq!(notebook.move_down("nope").map(|_| ()), unknown);
    assert_eq!(notebook.move_to("nope", 0).map(|_| ()), unknown);
    assert_eq!(notebook.duplicate("nope").map(|_| ()), unknown);
    assert_eq!(notebook.set_collapsed("nope", true), unknown);
    assert_eq!(notebook.edit("nope", markdown("x")), unknown);
}

#[test]
fn train_settings_convert_to_and_from_the_engine() {
    let kinds = [
        ModelKind::Ols,
        ModelKind::Ridge { alpha: 0.5 },
        ModelKind::Lasso { alpha: 0.01 },
        ModelKind::ElasticNet {
            alpha: 0.1,
            l1_ratio: 0.3,
        },
    ];
    for kind in kinds {
        assert_eq!(TrainSettings::from_kind(kind).model_kind(), Ok(kind));
    }
    let mut settings = TrainSettings::from_kind(ModelKind::Ridge { alpha: 2.0 });
    settings.model = "lasso".to_string();
    assert_eq!(settings.model_kind(), Ok(ModelKind::Lasso { alpha: 2.0 }));
    settings.model = "forest".to_string();
    assert!(settings.model_kind().unwrap_err().contains("unknown model"));
    let request = TrainSettings::default()
        .request(&Default::default())
        .unwrap();
    assert_eq!(request.kind, ModelKind::Ols);
    assert_eq!(
        request.features,
        crate::features::FeatureSpec::pu_do_distance()
    );
    assert_eq!(request.prepare, crate::features::PrepareSpec::default());
}
