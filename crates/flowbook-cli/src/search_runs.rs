//! A search's runs: built (the parent, then its trials), saved as run records, pushed to
//! MLflow with the best trial's model registered.

use flowbook_core::export::add_model_directory;
use flowbook_core::saved_model::SavedModel;
use flowbook_core::tracking::{run_from_trial, Run, TrialRecord};
use serde_json::{json, Value};

use crate::args::MlflowArgs;
use crate::search::Finished;

/// The parent first, then every trial; the best trial carries its model as an MLflow
/// model directory, so it can be registered.
pub(crate) fn build_runs(
    parent: Run,
    trials: &[Finished],
    best: Option<&(usize, SavedModel)>,
) -> Vec<Run> {
    let mut runs = Vec::with_capacity(trials.len() + 1);
    let children: Vec<Run> = trials
        .iter()
        .enumerate()
        .map(|(number, t)| {
            let record = TrialRecord {
                number,
                config: &t.config,
                outcome: t.outcome.as_ref().map_err(String::as_str),
                start_time_ms: t.start_time_ms,
                end_time_ms: t.end_time_ms,
            };
            let model = best.filter(|(b, _)| *b == number).map(|(_, m)| m);
            let mut run = run_from_trial(&parent, &record, model);
            if let Some(model) = model {
                if let Err(e) = add_model_directory(&mut run, model) {
                    eprintln!(
                        "flowbook: the best model cannot be written as an MLflow model ({e})"
                    );
                }
            }
            run
        })
        .collect();
    runs.push(parent);
    runs.extend(children);
    runs
}

pub(crate) fn save_runs(dir: &std::path::Path, runs: &[Run]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (i, run) in runs.iter().enumerate() {
        // Numbered so that `flowbook push DIR/*.json` sends the parent first.
        let path = dir.join(format!("{i:05}.json"));
        std::fs::write(&path, run.to_json())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

pub(crate) fn push(
    args: &MlflowArgs,
    runs: &[Run],
    best_trial: Option<usize>,
) -> Result<Value, String> {
    // The runs are the parent, then trial 0, 1, …: the best trial's run is one further.
    let pushed = crate::mlflow_sync::push_and_register(args, runs, best_trial.map(|b| b + 1))?;
    let parent = &pushed.runs[0];
    let mut summary = json!({
        "server_version": pushed.server_version,
        "experiment_id": parent.experiment_id,
        "run_id": parent.run_id,
        "url": parent.url,
        "children": pushed.runs.len() - 1,
        "created": pushed.runs.iter().filter(|p| p.created).count(),
    });
    if let (Some(mut registered), Some(best)) = (pushed.registered, best_trial) {
        registered["trial"] = json!(best);
        summary["registered_model"] = registered;
    }
    Ok(summary)
}
