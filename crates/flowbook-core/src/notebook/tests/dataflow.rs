//! The dataflow on the default notebook: what each change makes stale, and what it blocks.
//! Cells, by position: 0 md, 1 data, 2 md, 3 prepare, 4 md, 5 train, 6 evaluate, 7 md,
//! 8 compare, 9 md, 10 predict, 11 md, 12 train (trees), 13 evaluate.

use crate::notebook::{default_notebook, CellState, Dataflow, DataflowError, Notebook};

/// The default notebook with every cell run successfully.
fn all_fresh() -> (Notebook, Dataflow) {
    let notebook = default_notebook();
    let mut flow = Dataflow::new(&notebook);
    for id in flow.run_all() {
        flow.record_success(&id).unwrap();
    }
    (notebook, flow)
}

fn id(notebook: &Notebook, kind: &str) -> String {
    let cell = notebook.cells.iter().find(|c| c.kind.name() == kind);
    cell.expect(kind).id.clone()
}

/// Each cell's state, one letter per cell: F fresh, S stale, R running, E error, B blocked.
fn states(notebook: &Notebook, flow: &Dataflow) -> String {
    let letter = |state: &CellState| match state {
        CellState::Fresh => 'F',
        CellState::Stale => 'S',
        CellState::Running => 'R',
        CellState::Error(_) => 'E',
        CellState::Blocked(_) => 'B',
    };
    let cells = notebook.cells.iter();
    cells
        .map(|c| flow.state(&c.id).map_or('?', letter))
        .collect()
}

#[test]
fn changes_make_their_readers_stale() {
    type Change = fn(&mut Notebook, &mut Dataflow);
    let table: [(&str, Change, &str); 5] = [
        ("nothing", |_, _| {}, "FFFFFFFFFFFFFF"),
        (
            "alpha in Train",
            |n, f| f.edit(&id(n, "train")).unwrap(),
            "FFFFFSSFSFSFFF",
        ),
        (
            "Data",
            |n, f| f.edit(&id(n, "data")).unwrap(),
            "FSFSFSSFSFSFSS",
        ),
        (
            "Prepare",
            |n, f| f.edit(&id(n, "prepare")).unwrap(),
            "FFFSFSSFSFSFSS",
        ),
        (
            "a note",
            |n, f| f.edit(&n.cells[2].id.clone()).unwrap(),
            "FFSFFFFFFFFFFF",
        ),
    ];
    for (what, change, expected) in table {
        let (mut notebook, mut flow) = all_fresh();
        change(&mut notebook, &mut flow);
        assert_eq!(states(&notebook, &flow), expected, "after changing {what}");
    }
}

#[test]
fn structure_changes_recompute_what_each_cell_reads() {
    let (mut notebook, mut flow) = all_fresh();
    let prepare = id(&notebook, "prepare");
    notebook.remove(&prepare).unwrap();
    flow.sync(&notebook);
    // Without Prepare: md data md md train evaluate md compare md predict md train evaluate.
    assert_eq!(states(&notebook, &flow), "FFFFBBFBFBFBB");
    let train = id(&notebook, "train");
    let needs_prepare = CellState::Blocked("needs a Prepare cell above it".to_string());
    assert_eq!(flow.state(&train), Some(&needs_prepare));
    assert_eq!(
        flow.run_order(&train).unwrap_err().to_string(),
        format!("cell {train:?} cannot run: needs a Prepare cell above it")
    );
    assert!(flow.run_all().is_empty());

    let (mut notebook, mut flow) = all_fresh();
    let predict = id(&notebook, "predict");
    notebook.move_to(&predict, 4).unwrap();
    flow.sync(&notebook);
    let needs_train = CellState::Blocked("needs a Train cell above it".to_string());
    assert_eq!(flow.state(&predict), Some(&needs_train));
    assert_eq!(states(&notebook, &flow), "FFFFBFFFFFFFFF");
    notebook.move_to(&predict, 10).unwrap();
    flow.sync(&notebook);
    assert_eq!(flow.state(&predict), Some(&CellState::Stale));
    assert_eq!(flow.run_all(), [predict]);
}

#[test]
fn duplicating_train_feeds_compare_and_the_cells_below() {
    let (mut notebook, mut flow) = all_fresh();
    let train = id(&notebook, "train");
    let copy = notebook.duplicate(&train).unwrap();
    flow.sync(&notebook);
    assert_eq!(states(&notebook, &flow), "FFFFFFSSFSFSFFF");
    assert_eq!(
        flow.inputs(&id(&notebook, "compare")).unwrap(),
        [train, copy.clone()]
    );
    assert_eq!(flow.inputs(&id(&notebook, "evaluate")).unwrap(), [copy]);
}

#[test]
fn an_error_blocks_the_readers_until_it_is_fixed() {
    let (notebook, mut flow) = all_fresh();
    let train = id(&notebook, "train");
    flow.edit(&train).unwrap();
    flow.record_running(&train).unwrap();
    assert_eq!(states(&notebook, &flow), "FFFFFRSFSFSFFF");
    flow.record_error(&train, "training failed: no training rows")
        .unwrap();
    assert_eq!(states(&notebook, &flow), "FFFFFEBFBFBFFF");
    let evaluate = id(&notebook, "evaluate");
    let reason = format!("the Train cell above ({train}) failed; fix it first");
    assert_eq!(flow.state(&evaluate), Some(&CellState::Blocked(reason)));
    // Running again retries the failed cell before its readers.
    assert_eq!(
        flow.run_order(&evaluate).unwrap(),
        [train.clone(), evaluate]
    );
    flow.record_success(&train).unwrap();
    assert_eq!(states(&notebook, &flow), "FFFFFFSFSFSFFF");
}

#[test]
fn run_order_runs_only_what_the_target_reads() {
    let (notebook, mut flow) = all_fresh();
    flow.edit(&id(&notebook, "prepare")).unwrap();
    let order = flow.run_order(&id(&notebook, "evaluate")).unwrap();
    let expected = [
        id(&notebook, "prepare"),
        id(&notebook, "train"),
        id(&notebook, "evaluate"),
    ];
    assert_eq!(order, expected);
    let all = flow.run_all();
    assert_eq!(
        all.len(),
        7,
        "prepare, train, evaluate, compare, predict, and the trees' train and evaluate: {all:?}"
    );
    assert_eq!(
        flow.run_order(&id(&notebook, "data")).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        flow.edit("nope"),
        Err(DataflowError::UnknownCell("nope".to_string()))
    );
    assert!(flow.run_order("nope").is_err());
    assert!(flow.record_success("nope").is_err());
}

/// A cell edited while it runs (its job in the training worker, the page free meanwhile)
/// keeps showing that it runs, then ends stale, not fresh: what it computed is of its old
/// settings, and the next run brings it up to date. So does a cell whose input changes.
#[test]
fn a_cell_changed_while_it_runs_ends_stale() {
    let (notebook, mut flow) = all_fresh();
    let train = id(&notebook, "train");
    flow.edit(&train).unwrap();
    flow.record_running(&train).unwrap();
    flow.edit(&train).unwrap();
    assert_eq!(flow.state(&train), Some(&CellState::Running));
    flow.record_success(&train).unwrap();
    assert_eq!(flow.state(&train), Some(&CellState::Stale));
    assert_eq!(
        flow.run_order(&train).unwrap(),
        std::slice::from_ref(&train)
    );
    // Run again without a change: fresh.
    flow.record_running(&train).unwrap();
    flow.record_success(&train).unwrap();
    assert_eq!(flow.state(&train), Some(&CellState::Fresh));
    // The Prepare cell above changes while Train runs: Train ends stale, even if it failed.
    flow.edit(&train).unwrap();
    flow.record_running(&train).unwrap();
    flow.edit(&id(&notebook, "prepare")).unwrap();
    assert_eq!(flow.state(&train), Some(&CellState::Running));
    flow.record_error(&train, "no training rows").unwrap();
    assert_eq!(flow.state(&train), Some(&CellState::Stale));
}
