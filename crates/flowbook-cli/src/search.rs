//! `flowbook search`: a hyperparameter search over a space file, trials trained in
//! parallel (a batch at a time), the best model saved, the search and its trials pushed
//! to MLflow as one parent run with nested child runs.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use clap::Args;
use flowbook_core::saved_model::SavedModel;
use flowbook_core::search::functions::TestFunction;
use flowbook_core::search::{
    run_search, Algorithm, SearchSettings, SearchSpace, Suggester, TrialConfig, TrialFit,
    TrialMetrics, TripSearch,
};
use flowbook_core::tracking::{run_from_search, DatasetInput, DatasetRole, RunMeta, SearchSummary};
use serde_json::{json, Value};

use crate::args::MlflowCli;
use crate::mlflow_sync::{self, now_ms};

fn whole(value: &str) -> Result<usize, String> {
    value
        .trim()
        .parse::<usize>()
        .map_err(|_| format!("expects a whole number, got {value:?}"))
}

fn seconds(value: &str) -> Result<f64, String> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
        .ok_or_else(|| format!("expects a number of seconds above 0, got {value:?}"))
}

#[derive(Debug, Args)]
pub struct SearchCli {
    /// Training trips (parquet, or CSV with a header)
    #[arg(long, value_name = "FILE")]
    pub train: PathBuf,
    /// Validation trips: each trial's objective is its RMSE here
    #[arg(long, alias = "validation", value_name = "FILE")]
    pub val: PathBuf,
    /// The search space (see examples/search/)
    #[arg(long, value_name = "FILE")]
    pub space: PathBuf,
    /// Trials at most
    #[arg(long, value_name = "N", default_value = "50", value_parser = whole)]
    pub max_evals: usize,
    /// tpe | random | grid
    #[arg(long, value_name = "NAME", default_value = "tpe", value_parser = Algorithm::parse)]
    pub algo: Algorithm,
    /// Seed of the suggestions (with --batch, it decides every trial)
    #[arg(long, value_name = "S", default_value = "42")]
    pub seed: u64,
    /// Stop after N trials in a row without a better validation RMSE
    #[arg(long, value_name = "N", value_parser = whole)]
    pub patience: Option<usize>,
    /// Stop after this many seconds (the trial running then is not kept)
    #[arg(long, value_name = "SECONDS", value_parser = seconds)]
    pub time_budget: Option<f64>,
    /// Trials suggested together from the same history and trained in parallel
    #[arg(long, value_name = "N", default_value_t = flowbook_core::search::PARALLEL_BATCH, value_parser = whole)]
    pub batch: usize,
    /// Threads training a batch's trials [default: the cores, at most --batch]
    #[arg(long, value_name = "N", value_parser = whole)]
    pub threads: Option<usize>,
    /// Values a grid takes of each continuous parameter
    #[arg(long, value_name = "N", default_value = "5", value_parser = whole)]
    pub grid_points: usize,
    /// Write the best trial's model as JSON (as `train --save-model`)
    #[arg(long, value_name = "FILE")]
    pub save_model: Option<PathBuf>,
    /// Write the search's run records (the parent, then one per trial) into DIR, for
    /// `flowbook push`
    #[arg(long, value_name = "DIR")]
    pub save_runs: Option<PathBuf>,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub mlflow: MlflowCli,
}

/// One trial as the command keeps it (the model only while it is the best).
pub(crate) struct Finished {
    pub(crate) config: TrialConfig,
    pub(crate) outcome: Result<TrialMetrics, String>,
    /// The fitted model, until the trial is known not to be the best.
    model: Option<TrialFit>,
    pub(crate) start_time_ms: i64,
    pub(crate) end_time_ms: i64,
    seconds: f64,
}

pub fn run(cli: &SearchCli) -> Result<(), String> {
    let mlflow = cli.mlflow.checked()?;
    let text = std::fs::read_to_string(&cli.space)
        .map_err(|e| format!("cannot read {}: {e}", cli.space.display()))?;
    let space =
        SearchSpace::from_json(&text).map_err(|e| format!("{}: {e}", cli.space.display()))?;
    let settings = SearchSettings {
        algorithm: cli.algo,
        max_evals: cli.max_evals,
        seed: cli.seed,
        patience: cli.patience,
        batch: cli.batch,
        grid_points: cli.grid_points,
        ..SearchSettings::default()
    };
    settings.validate()?;
    let started = Instant::now();
    let start_time_ms = now_ms();
    let numeric = space.numeric_columns();
    let train = crate::load(&cli.train, &numeric)?;
    let val = crate::load(&cli.val, &numeric)?;
    let trips = TripSearch::new(&train, &val);
    let suggester = Suggester::new(space.domain(), settings);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cli.threads.unwrap_or(cores).clamp(1, settings.batch);
    let deadline = cli
        .time_budget
        .map(|s| started + std::time::Duration::from_secs_f64(s));
    let out_of_time = AtomicBool::new(false);
    let past_deadline = || {
        let late = deadline.is_some_and(|d| Instant::now() >= d);
        if late {
            out_of_time.store(true, Ordering::Relaxed);
        }
        late
    };
    let mut trials: Vec<Finished> = Vec::new();
    let mut best_model: Option<(usize, TrialFit)> = None;
    let planned = suggester.planned();
    let (history, stop) = run_search(&suggester, &settings, &mut |first, points| {
        let configs: Vec<TrialConfig> = points.iter().map(|p| space.decode(p)).collect();
        let slots: Vec<Mutex<Option<Finished>>> =
            configs.iter().map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..threads.min(configs.len()) {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= configs.len() || past_deadline() {
                        return;
                    }
                    let clock = Instant::now();
                    let begun = now_ms();
                    let outcome = trips.evaluate(&configs[i], &past_deadline);
                    if out_of_time.load(Ordering::Relaxed) {
                        return;
                    }
                    let (outcome, model) = match outcome {
                        Ok(score) => (Ok(score.metrics), Some(score.model)),
                        Err(e) => (Err(e.to_string()), None),
                    };
                    let finished = Finished {
                        config: configs[i].clone(),
                        outcome,
                        model,
                        start_time_ms: begun,
                        end_time_ms: now_ms(),
                        seconds: clock.elapsed().as_secs_f64(),
                    };
                    *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(finished);
                });
            }
        });
        let mut losses = Vec::new();
        for (i, slot) in slots.into_iter().enumerate() {
            let Some(mut finished) = slot.into_inner().unwrap_or_else(|p| p.into_inner()) else {
                break;
            };
            let number = first + i;
            let loss = finished
                .outcome
                .as_ref()
                .map_or(f64::INFINITY, |s| s.validation.rmse);
            let best_so_far = best_model.as_ref().map_or(f64::INFINITY, |(b, _)| {
                trials[*b]
                    .outcome
                    .as_ref()
                    .map_or(f64::INFINITY, |s| s.validation.rmse)
            });
            if let Some(model) = finished.model.take() {
                if loss < best_so_far {
                    best_model = Some((number, model));
                }
            }
            if !cli.json {
                let shown = match &finished.outcome {
                    Ok(score) => format!("val_rmse {:.6}", score.validation.rmse),
                    Err(e) => format!("failed: {e}"),
                };
                let best = best_so_far.min(loss);
                eprintln!(
                    "[trial {number:>4}/{planned}] {shown}  best {best:.6}  ({:.1} s)  {}",
                    finished.seconds,
                    short_params(&finished.config)
                );
            }
            losses.push(loss);
            trials.push(finished);
        }
        losses
    });
    let elapsed_s = started.elapsed().as_secs_f64();
    let best_model: Option<(usize, SavedModel)> =
        best_model.map(|(number, fit)| (number, fit.into_model()));
    let best_trial = history.best;
    let best_params = best_trial
        .map(|b| trials[b].config.params.clone())
        .unwrap_or_default();
    if let (Some(path), Some((_, model))) = (&cli.save_model, &best_model) {
        std::fs::write(path, model.to_json())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let losses: Vec<f64> = history.observations.iter().map(|o| o.loss).collect();
    let parent_client_id = mlflow
        .as_ref()
        .and_then(|m| m.client_id.clone())
        .unwrap_or_else(mlflow_sync::invocation_client_id);
    let space_name = space
        .source
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| cli.space.display().to_string());
    let needs_runs = mlflow.is_some() || cli.save_runs.is_some();
    let runs = needs_runs.then(|| {
        let meta = RunMeta {
            client_id: parent_client_id.clone(),
            name: mlflow
                .as_ref()
                .and_then(|m| m.run_name.clone())
                .unwrap_or_else(|| format!("{} search ({} trials)", cli.algo.name(), trials.len())),
            experiment: mlflow
                .as_ref()
                .map(|m| m.experiment.clone())
                .unwrap_or_default(),
            start_time_ms,
            end_time_ms: now_ms(),
            description: mlflow
                .as_ref()
                .and_then(|m| m.description.clone())
                .unwrap_or_default(),
            inputs: vec![
                dataset(&train, &cli.train, DatasetRole::Train),
                dataset(&val, &cli.val, DatasetRole::Validation),
            ],
        };
        let summary = SearchSummary {
            settings: &settings,
            space_name: &space_name,
            space_source: &space.source,
            losses: &losses,
            best_trial,
            best_params: &best_params,
            stop,
        };
        crate::search_runs::build_runs(
            run_from_search(meta, &summary),
            &trials,
            best_model.as_ref(),
        )
    });
    if let (Some(dir), Some(runs)) = (&cli.save_runs, &runs) {
        crate::search_runs::save_runs(dir, runs)?;
    }
    let pushed = match (&mlflow, &runs) {
        (Some(m), Some(runs)) => Some(crate::search_runs::push(m, runs, best_trial)),
        _ => None,
    };
    let summary = json!({
        "trials": trials.len(),
        "planned": planned,
        "algorithm": cli.algo.name(),
        "seed": cli.seed,
        "batch": settings.batch,
        "threads": threads,
        "stop": stop.describe(),
        "best_trial": best_trial,
        "best_val_rmse": history.best_loss(),
        "best_params": best_params
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<serde_json::Map<String, Value>>(),
        "parent_client_id": parent_client_id,
        "prepared_sets": trips.prepared_sets(),
        "seconds": elapsed_s,
        "trial_results": trials.iter().enumerate().map(|(n, t)| json!({
            "trial": n,
            "val_rmse": t.outcome.as_ref().ok().map(|s| s.validation.rmse),
            "error": t.outcome.as_ref().err(),
            "seconds": t.seconds,
            "params": t.config.params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<String, Value>>(),
        })).collect::<Vec<_>>(),
    });
    if cli.json {
        mlflow_sync::print_json_with_push(summary, pushed)
    } else {
        match history.best_loss() {
            Some(best) => println!(
                "best of {} trials: val_rmse {best:.6} (trial {}) {}  [{:.1} s, {}]",
                trials.len(),
                best_trial.unwrap_or(0),
                best_trial
                    .map(|b| short_params(&trials[b].config))
                    .unwrap_or_default(),
                elapsed_s,
                stop.describe()
            ),
            None => println!("no trial succeeded ({} tried)", trials.len()),
        }
        mlflow_sync::print_push(pushed)
    }
}

fn short_params(config: &TrialConfig) -> String {
    config
        .params
        .iter()
        .filter(|(k, _)| k != "min_duration" && k != "max_duration")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn dataset(
    table: &flowbook_core::data::TripTable,
    path: &std::path::Path,
    role: DatasetRole,
) -> DatasetInput {
    let source = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    DatasetInput::from_table(table, &source.display().to_string(), role)
}

/// `flowbook bench --search-function`: the best loss of each seeded search on a known
/// function, for the hyperopt oracle and scripts/bench.sh.
pub fn bench_function(
    name: &str,
    algo: Algorithm,
    seeds: usize,
    max_evals: usize,
) -> Result<(), String> {
    let function = TestFunction::parse(name).ok_or_else(|| {
        let names: Vec<&str> = TestFunction::ALL.iter().map(|f| f.name()).collect();
        format!(
            "unknown test function {name:?}; choose {}",
            names.join(", ")
        )
    })?;
    let clock = Instant::now();
    let best: Vec<f64> = (0..seeds as u64)
        .map(|seed| {
            let settings = SearchSettings {
                algorithm: algo,
                max_evals,
                seed,
                ..SearchSettings::default()
            };
            let suggester = Suggester::new(function.domain(), settings);
            let (history, _) = run_search(&suggester, &settings, &mut |_, points| {
                points.iter().map(|p| function.loss(p)).collect()
            });
            history.best_loss().unwrap_or(f64::INFINITY)
        })
        .collect();
    println!(
        "{}",
        json!({ "function": name, "algorithm": algo.name(), "max_evals": max_evals, "best": best, "seconds": clock.elapsed().as_secs_f64() })
    );
    Ok(())
}
