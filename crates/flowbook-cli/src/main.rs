//! `flowbook`: the notebook's training pipeline without a browser, for scripts and CI.

mod args;

use args::{BenchCli, Cli, Command, InspectCli, TrainCli};
use clap::Parser;
mod http_native;
mod mlflow_sync;
mod monitor;
mod predict;
mod pull;
mod runs;
mod search;
mod search_runs;
mod train_trees;

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use flowbook_core::data::{load_trip_file, NullableColumn, TripTable};
use flowbook_core::pipeline::{PreparedTraining, TrainReport, TrainRequest};
use serde_json::json;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so printing into a pipe whose reader has gone panics; with the
    // default action the process ends as `head` and `grep -q` expect.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition before any thread starts has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print to stdout and succeed; a usage error exits 2.
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            return match error.print() {
                Ok(()) => ExitCode::from(code),
                Err(_) => ExitCode::from(2),
            };
        }
    };
    let outcome = match cli.command {
        Command::Train(train) => run_train(*train),
        Command::Predict(predict) => predict::run(&predict),
        Command::Push(push) => mlflow_sync::run_push(&push),
        Command::Pull(pull) => pull::run_pull(&pull),
        Command::Runs(runs) => runs::run(&runs),
        Command::Inspect(inspect) => run_inspect(&inspect),
        Command::Search(search) => search::run(&search),
        // A month that calls for retraining exits 3, so that a scheduled job can act on it.
        Command::Monitor(monitor) => match monitor::run(&monitor) {
            Ok(true) => return ExitCode::from(3),
            Ok(false) => Ok(()),
            Err(message) => Err(message),
        },
        Command::Bench(bench) => run_bench(&bench),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("flowbook: {message}");
            ExitCode::from(1)
        }
    }
}

pub(crate) fn load(path: &Path, numeric: &[String]) -> Result<TripTable, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    load_trip_file(&name, bytes.into(), numeric).map_err(|e| e.to_string())
}

fn report_json(report: &TrainReport) -> serde_json::Value {
    json!({
        "model": report.kind.short_name(),
        "alpha": report.kind.alpha(),
        "train_rows": report.train_rows,
        "val_rows": report.val_rows,
        "n_features": report.n_features,
        "train_rmse": report.train.rmse,
        "train_mae": report.train.mae,
        "train_r2": report.train.r2,
        "val_rmse": report.validation.rmse,
        "val_mae": report.validation.mae,
        "val_r2": report.validation.r2,
        "iterations": report.iterations,
        "converged": report.converged,
    })
}

fn run_train(cli: TrainCli) -> Result<(), String> {
    let args = cli
        .checked()
        .map_err(|e| format!("{e}\n(see `flowbook train --help`)"))?;
    if let Some(params) = args.trees {
        return train_trees::run(&args, &params);
    }
    let request = TrainRequest {
        prepare: args.prepare.clone(),
        features: args.features.clone(),
        kind: args.kind,
    };
    let started = Instant::now();
    let start_time_ms = mlflow_sync::now_ms();
    let numeric = request.numeric_columns();
    let train = load(&args.train, &numeric)?;
    let val = load(&args.val, &numeric)?;
    let loaded_ms = started.elapsed().as_secs_f64() * 1e3;
    let prepared = PreparedTraining::new(&train, &val, &request.prepare, &request.features)
        .map_err(|e| e.to_string())?;
    let reports = match &args.alphas {
        Some(alphas) => prepared.sweep(args.kind, alphas),
        None => prepared.train(args.kind).map(|r| vec![r]),
    }
    .map_err(|e| e.to_string())?;
    let total_ms = started.elapsed().as_secs_f64() * 1e3;
    if let (Some(path), Some(report)) = (&args.save_model, reports.first()) {
        std::fs::write(path, report.model.to_json())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let pushed = match &args.mlflow {
        None => None,
        Some(mlflow) => {
            let training = mlflow_sync::Training {
                request: &request,
                reports: &reports,
                train: (&train, &args.train),
                validation: (&val, &args.val),
                start_time_ms,
                end_time_ms: mlflow_sync::now_ms(),
            };
            let run = mlflow_sync::build_run(mlflow, &training)?;
            Some(mlflow_sync::push(mlflow, &run))
        }
    };
    if args.json {
        let value = match reports.as_slice() {
            [one] => report_json(one),
            many => json!({ "sweep": many.iter().map(report_json).collect::<Vec<_>>() }),
        };
        return mlflow_sync::print_json_with_push(value, pushed);
    }
    let Some(first) = reports.first() else {
        return Err("nothing was trained".to_string());
    };
    println!(
        "train {} ({} rows kept), validation {} ({} rows), {} features",
        train.file_name, first.train_rows, val.file_name, first.val_rows, first.n_features
    );
    println!(
        "{:<28} {:>10} {:>10} {:>10} {:>8}",
        "model", "train_rmse", "val_rmse", "val_mae", "val_r2"
    );
    for report in &reports {
        println!(
            "{:<28} {:>10.6} {:>10.6} {:>10.6} {:>8.4}",
            report.kind.to_string(),
            report.train.rmse,
            report.validation.rmse,
            report.validation.mae,
            report.validation.r2
        );
    }
    println!("time: {total_ms:.0} ms (reading files {loaded_ms:.0} ms)");
    mlflow_sync::print_push(pushed)
}

/// `flowbook inspect FILE [--numerical a,b]`: schema facts and per-column checksums as
/// JSON, so other tools (and Flowbook's tests) can compare what was decoded.
fn run_inspect(cli: &InspectCli) -> Result<(), String> {
    let numeric: Vec<String> = cli
        .numerical
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let table = load(&cli.file, &numeric)?;
    let int_stats = |column: &NullableColumn<i64>| {
        let present: Vec<i64> = column.iter().flatten().collect();
        json!({
            "nulls": column.len() - present.len(),
            "sum": present.iter().map(|&v| i128::from(v)).sum::<i128>().to_string(),
            "min": present.iter().min(),
            "max": present.iter().max(),
        })
    };
    let mut columns = serde_json::Map::new();
    columns.insert("pickup_us".into(), int_stats(&table.pickup_us));
    columns.insert("dropoff_us".into(), int_stats(&table.dropoff_us));
    columns.insert("PULocationID".into(), int_stats(&table.pu_location));
    columns.insert("DOLocationID".into(), int_stats(&table.do_location));
    for (name, values) in &table.numeric {
        let present: Vec<f64> = values.iter().flatten().collect();
        columns.insert(
            name.clone(),
            json!({
                "nulls": values.len() - present.len(),
                "sum": present.iter().sum::<f64>(),
                "min": present.iter().copied().reduce(f64::min),
                "max": present.iter().copied().reduce(f64::max),
            }),
        );
    }
    println!(
        "{}",
        json!({
            "file": table.file_name,
            "rows": table.len(),
            "sha256": table.sha256_hex,
            "columns": columns,
        })
    );
    Ok(())
}

/// `flowbook bench TRAIN VAL [GZIP_FILE ZSTD_FILE] [--runs N] [--only decode|train]`:
/// the engine's benchmark, printed as JSON for scripts/bench.py.
fn run_bench(cli: &BenchCli) -> Result<(), String> {
    if let Some(function) = &cli.search_function {
        return search::bench_function(function, cli.algo, cli.seeds, cli.max_evals);
    }
    let (files, runs, only) = (&cli.files, cli.runs, cli.only.clone());
    let read = |p: &std::path::PathBuf| -> Result<bytes::Bytes, String> {
        std::fs::read(p)
            .map(bytes::Bytes::from)
            .map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    let clock = Instant::now();
    let now_ms = move || clock.elapsed().as_secs_f64() * 1e3;
    let mut timings = Vec::new();
    if only.as_deref() != Some("train") {
        let mut decode = Vec::new();
        for path in files {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            decode.push((format!("decode {name}"), name, read(path)?));
        }
        let borrowed: Vec<(&str, &str, bytes::Bytes)> = decode
            .iter()
            .map(|(label, name, bytes)| (label.as_str(), name.as_str(), bytes.clone()))
            .collect();
        timings.extend(flowbook_core::bench::bench_decode(&borrowed, runs, &now_ms));
    }
    if only.as_deref() != Some("decode") {
        let (Some(train), Some(val)) = (files.first(), files.get(1)) else {
            return Err("bench needs TRAIN and VAL files".to_string());
        };
        timings.extend(flowbook_core::bench::bench_training(
            read(train)?,
            read(val)?,
            runs,
            &now_ms,
        )?);
    }
    let report = flowbook_core::bench::BenchReport {
        timings,
        wasm_memory_bytes: None,
    };
    println!(
        "{}",
        serde_json::to_string(&report).map_err(|e| e.to_string())?
    );
    Ok(())
}
