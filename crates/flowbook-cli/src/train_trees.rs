//! `flowbook train --model gbdt`: gradient-boosted trees from the command line, with a
//! line per round on stderr (unless `--json`) and XGBoost's `best_iteration` in the JSON.

use std::ops::ControlFlow;
use std::time::Instant;

use flowbook_core::pipeline::{train_trees, TrainRequest};
use flowbook_core::trees::TreeParams;
use serde_json::json;

use crate::args::TrainArgs;
use crate::mlflow_sync;

pub fn run(args: &TrainArgs, params: &TreeParams) -> Result<(), String> {
    let request = TrainRequest {
        prepare: args.prepare.clone(),
        features: args.features.clone(),
        kind: args.kind,
    };
    let started = Instant::now();
    let start_time_ms = mlflow_sync::now_ms();
    let numeric = request.numeric_columns();
    let train = crate::load(&args.train, &numeric)?;
    let val = crate::load(&args.val, &numeric)?;
    let loaded_ms = started.elapsed().as_secs_f64() * 1e3;
    let quiet = args.json;
    let every = (params.num_boost_round / 20).max(1);
    let report = train_trees(
        &train,
        &val,
        &args.prepare,
        &args.features,
        params,
        &mut |round| {
            if !quiet && (round.round % every == 0 || round.round + 1 == params.num_boost_round) {
                eprintln!(
                    "[{}] train-rmse {:.6} validation-rmse {:.6} ({} nodes)",
                    round.round, round.train_rmse, round.val_rmse, round.nodes
                );
            }
            ControlFlow::Continue(())
        },
    )
    .map_err(|e| e.to_string())?
    .ok_or("the training was stopped")?;
    let total_ms = started.elapsed().as_secs_f64() * 1e3;
    if let Some(path) = &args.save_model {
        std::fs::write(path, report.model.to_json())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let pushed = args.mlflow.as_ref().map(|mlflow| {
        let training = mlflow_sync::Training {
            request: &request,
            reports: &[],
            train: (&train, &args.train),
            validation: (&val, &args.val),
            start_time_ms,
            end_time_ms: mlflow_sync::now_ms(),
        };
        let run = mlflow_sync::build_tree_run(mlflow, &training, &report);
        mlflow_sync::push(mlflow, &run)
    });
    if args.json {
        let value = json!({
            "model": "gbdt",
            "params": params,
            "train_rows": report.train_rows,
            "val_rows": report.val_rows,
            "n_features": report.n_features,
            "train_rmse": report.train.rmse,
            "train_mae": report.train.mae,
            "train_r2": report.train.r2,
            "val_rmse": report.validation.rmse,
            "val_mae": report.validation.mae,
            "val_r2": report.validation.r2,
            "best_iteration": report.best_iteration,
            "rounds_trained": report.rounds_trained,
            "stopped_early": report.stopped_early,
            "trees": report.model.ensemble.trees.len(),
            "nodes": report.model.ensemble.n_nodes(),
            "curve": report.curve,
            "load_ms": loaded_ms,
            "total_ms": total_ms,
        });
        return mlflow_sync::print_json_with_push(value, pushed);
    }
    println!(
        "train {} ({} rows kept), validation {} ({} rows), {} features",
        train.file_name, report.train_rows, val.file_name, report.val_rows, report.n_features
    );
    println!(
        "gbdt: best iteration {} of {} rounds{}, {} nodes",
        report.best_iteration,
        report.rounds_trained,
        if report.stopped_early {
            " (stopped early)"
        } else {
            ""
        },
        report.model.ensemble.n_nodes()
    );
    println!(
        "train_rmse {:.6}  val_rmse {:.6}  val_mae {:.6}  val_r2 {:.4}",
        report.train.rmse, report.validation.rmse, report.validation.mae, report.validation.r2
    );
    println!("time: {total_ms:.0} ms (reading files {loaded_ms:.0} ms)");
    mlflow_sync::print_push(pushed)
}
