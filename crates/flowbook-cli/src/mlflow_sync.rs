//! `flowbook train --mlflow-uri ...`: turns a finished training into a Flowbook run record
//! and pushes it (and optionally registers its model) with the engine's sync.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flowbook_core::data::TripTable;
use flowbook_core::export::{add_model_directory, Exportable, MODEL_DIR};
use flowbook_core::mlflow::{
    resume_wait_ms, Auth, MlflowSync, PushedRun, ServerConfig, SyncError, MAX_RESUMES, USER_TAG,
};
use flowbook_core::pipeline::{TrainReport, TrainRequest, TreeReport};
use flowbook_core::tracking::{
    client_id_from_seed, run_from_training, run_from_trees, selected_report, DatasetInput,
    DatasetRole, Run, RunMeta,
};
use serde_json::{json, Value};

use crate::args::{MlflowArgs, PushCli};
use crate::http_native::NativeHttp;

/// Says, before anything is sent, that the credentials would cross the network in clear.
pub(crate) fn warn_if_credentials_in_clear(config: &ServerConfig) {
    if config.credentials_in_clear() {
        eprintln!(
            "flowbook: warning: {} is plain http on another machine, so the password or token goes over the network unencrypted; use https:// if the server offers it",
            config.base_url
        );
    }
}

/// Time limit per HTTP request: MLflow's own client waits 120 s, and a server under a
/// workshop's load can hold a request 30 s waiting for a database connection, then answer.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Credentials from the environment only, so they never show in `ps` or shell history.
pub(crate) fn auth_from_env() -> Auth {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (
        var("FLOWBOOK_MLFLOW_USERNAME"),
        var("FLOWBOOK_MLFLOW_PASSWORD"),
        var("FLOWBOOK_MLFLOW_TOKEN"),
    ) {
        (Some(username), password, _) => Auth::Basic {
            username,
            password: password.unwrap_or_default(),
        },
        (None, _, Some(token)) => Auth::Bearer { token },
        _ => Auth::None,
    }
}

/// Unique per invocation (clock, process id, arguments), so two trainings never share a
/// run; `--client-id` replaces it when a caller wants to retry the same push.
pub(crate) fn invocation_client_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let args: Vec<String> = std::env::args().collect();
    let seed = format!("{nanos}/{}/{}", std::process::id(), args.join("\u{1f}"));
    client_id_from_seed(seed.as_bytes())
}

pub(crate) fn dataset(table: &TripTable, path: &Path, role: DatasetRole) -> DatasetInput {
    let source = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    DatasetInput::from_table(table, &source.display().to_string(), role)
}

/// What the command trained and read, for the run record.
pub struct Training<'a> {
    pub request: &'a TrainRequest,
    pub reports: &'a [TrainReport],
    pub train: (&'a TripTable, &'a Path),
    pub validation: (&'a TripTable, &'a Path),
    pub start_time_ms: i64,
    pub end_time_ms: i64,
}

/// Names, times and the two files' lineage, for any training's run.
fn run_meta(args: &MlflowArgs, default_name: String, training: &Training) -> RunMeta {
    RunMeta {
        client_id: args.client_id.clone().unwrap_or_else(invocation_client_id),
        name: args.run_name.clone().unwrap_or(default_name),
        experiment: args.experiment.clone(),
        start_time_ms: training.start_time_ms,
        end_time_ms: training.end_time_ms,
        description: args.description.clone().unwrap_or_default(),
        inputs: vec![
            dataset(training.train.0, training.train.1, DatasetRole::Train),
            dataset(
                training.validation.0,
                training.validation.1,
                DatasetRole::Validation,
            ),
        ],
    }
}

/// Adds the MLflow model directory; a model that cannot be exported keeps Flowbook's
/// JSON under the same folder, and the run is still worth logging.
fn attach_model<M: Exportable>(run: &mut Run, model: &M, json: String) {
    if let Err(e) = add_model_directory(run, model) {
        eprintln!("flowbook: the model cannot be written as an MLflow model ({e}); uploading Flowbook's JSON only");
        run.add_artifact(
            &format!("{MODEL_DIR}/flowbook_model.json"),
            json.into_bytes(),
        );
    }
}

/// The run record with its artifacts: `flowbook_model.json` and the MLflow model directory.
pub fn build_run(args: &MlflowArgs, training: &Training) -> Result<Run, String> {
    let reports = training.reports;
    let default_name = match reports {
        [one] => one.kind.to_string(),
        many => format!(
            "{} sweep ({} alphas)",
            training.request.kind.short_name(),
            many.len()
        ),
    };
    let meta = run_meta(args, default_name, training);
    let mut run = run_from_training(training.request, reports, meta);
    let (_, selected) = selected_report(reports).ok_or("nothing was trained")?;
    attach_model(&mut run, &selected.model, selected.model.to_json());
    Ok(run)
}

/// The run record of a gradient-boosted tree training.
pub fn build_tree_run(args: &MlflowArgs, training: &Training, report: &TreeReport) -> Run {
    let default_name = format!("gbdt {} trees", report.model.ensemble.trees.len());
    let mut run = run_from_trees(report, run_meta(args, default_name, training));
    attach_model(&mut run, &report.model, report.model.to_json());
    run
}

/// Pushes the run; returns what to report (`url`, ids, registered version).
pub fn push(args: &MlflowArgs, run: &Run) -> Result<Value, String> {
    let register = args.register_model.is_some().then_some(0);
    let pushed = push_and_register(args, std::slice::from_ref(run), register)?;
    let done = &pushed.runs[0];
    let mut summary = json!({
        "server_version": pushed.server_version,
        "experiment_id": done.experiment_id,
        "run_id": done.run_id,
        "client_id": run.client_id,
        "url": done.url,
        "created": done.created,
    });
    if let Some(registered) = pushed.registered {
        summary["registered_model"] = registered;
    }
    Ok(summary)
}

/// The login name, MLflow's "Created by" for runs made here (Python's client uses the same).
/// Containers often leave `USER` unset: then ask the system (`id -un`), as Python's
/// `getpass.getuser()` reads the password database.
fn login_name() -> Option<String> {
    let from_env = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()));
    from_env.or_else(|| {
        let out = std::process::Command::new("id").arg("-un").output().ok()?;
        let name = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (out.status.success() && !name.is_empty()).then_some(name)
    })
}

/// The runs with `mlflow.user` set to the login name where they do not name a user.
fn with_user(runs: &[Run]) -> Vec<Run> {
    let user = login_name();
    runs.iter()
        .map(|run| {
            let mut run = run.clone();
            if let Some(user) = &user {
                run.tags
                    .entry(USER_TAG.to_string())
                    .or_insert_with(|| user.clone());
            }
            run
        })
        .collect()
}

/// What a push did: the server's version, each run's outcome, the registered version.
pub struct Pushed {
    pub server_version: String,
    pub runs: Vec<PushedRun>,
    pub registered: Option<Value>,
}

/// Why one start of a push failed, with what the message should name.
struct PushFailure {
    error: SyncError,
    /// The run is on the server, and registering its model failed.
    pushed_url: Option<String>,
    /// The run file being pushed (`flowbook push`).
    file: Option<String>,
}

impl From<SyncError> for PushFailure {
    fn from(error: SyncError) -> PushFailure {
        PushFailure {
            error,
            pushed_url: None,
            file: None,
        }
    }
}

impl PushFailure {
    fn message(&self) -> String {
        match (&self.file, &self.pushed_url) {
            (Some(file), _) => format!("{file}: {}", self.error),
            (None, Some(url)) => format!("the run was pushed ({url}), but {}", self.error),
            (None, None) => self.error.to_string(),
        }
    }
}

/// Runs `push` (one whole push, which client ids make safe to repeat) and starts it again
/// after a failure that [`resume_wait_ms`] says may pass: a time-out or a dropped connection
/// under load, or a server restarting in the middle of the push. When the server is then
/// down for good, the first failure is the one reported: it says what happened, where
/// "connection refused" only says what is now.
fn resuming<T>(mut push: impl FnMut() -> Result<T, PushFailure>) -> Result<T, String> {
    let mut first: Option<PushFailure> = None;
    for resume in 0.. {
        let failure = match push() {
            Ok(done) => return Ok(done),
            Err(failure) => failure,
        };
        let Some(wait_ms) = resume_wait_ms(&failure.error, resume, first.is_some()) else {
            let report = match first {
                Some(first) if matches!(failure.error, SyncError::Unreachable { .. }) => first,
                _ => failure,
            };
            return Err(report.message());
        };
        eprintln!(
            "flowbook: {}; starting the push again in {} s ({} of {MAX_RESUMES}), which duplicates nothing",
            failure.message(),
            wait_ms / 1000,
            resume + 1
        );
        std::thread::sleep(Duration::from_millis(wait_ms));
        first.get_or_insert(failure);
    }
    unreachable!("the loop returns")
}

/// Pushes `runs` into the experiment of `args` (exactly once; a search's trials nested
/// under their parent), then registers the model of `runs[register]` when asked.
pub fn push_and_register(
    args: &MlflowArgs,
    runs: &[Run],
    register: Option<usize>,
) -> Result<Pushed, String> {
    let config = ServerConfig::new(&args.uri, auth_from_env());
    warn_if_credentials_in_clear(&config);
    let sync = MlflowSync::new(NativeHttp::new(REQUEST_TIMEOUT), config);
    let runs = &with_user(runs);
    resuming(|| pollster::block_on(push_once(&sync, args, runs, register)))
}

async fn push_once(
    sync: &MlflowSync<NativeHttp>,
    args: &MlflowArgs,
    runs: &[Run],
    register: Option<usize>,
) -> Result<Pushed, PushFailure> {
    let server = sync.test_connection().await?;
    // Fail before creating anything rather than leave a run without its model.
    if !server.artifacts_proxied {
        return Err(SyncError::ArtifactsNotProxied.into());
    }
    let experiment_id = sync.ensure_experiment(&args.experiment).await?;
    // The batch push is what `flowbook push` uses, so the fault test of
    // scripts/mlflow_test.sh exercises its resume path.
    let pushed = sync.push_runs(runs, &experiment_id, |_, _| {}).await?;
    let registered = match (&args.register_model, register) {
        (Some(name), Some(index)) => {
            let (run, done) = (&runs[index], &pushed[index]);
            let version = sync
                .register_model(name, run, done, MODEL_DIR, &args.aliases)
                .await
                .map_err(|error| PushFailure {
                    error,
                    pushed_url: Some(pushed[0].url.clone()),
                    file: None,
                })?;
            Some(json!({
                "name": version.name,
                "version": version.version,
                "aliases": args.aliases,
                "created": version.created,
            }))
        }
        _ => None,
    };
    Ok(Pushed {
        server_version: server.version,
        runs: pushed,
        registered,
    })
}

/// The run files of one experiment, in the order given.
type ExperimentFiles = (String, Vec<(String, Run)>);

/// `flowbook push RUN.json... --mlflow-uri URL [--experiment NAME]`: pushes saved Flowbook
/// run records (each into its own experiment unless `--experiment` is given), one line of
/// JSON per run as soon as it is on the server. Pushing a file again resumes or updates the
/// same run. Runs of one experiment go out together with `push_runs` (one client-id lookup).
pub fn run_push(cli: &PushCli) -> Result<(), String> {
    let (uri, experiment) = (&cli.mlflow_uri, &cli.experiment);
    let files: Vec<String> = cli.files.iter().map(|f| f.display().to_string()).collect();
    // Read every file first: a bad file fails the command before anything is sent.
    let mut by_experiment: Vec<ExperimentFiles> = Vec::new();
    for path in files {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let run = Run::from_json(&text).map_err(|e| format!("{path}: {e}"))?;
        let name = experiment.clone().unwrap_or_else(|| run.experiment.clone());
        match by_experiment.iter_mut().find(|(n, _)| *n == name) {
            Some((_, runs)) => runs.push((path, run)),
            None => by_experiment.push((name, vec![(path, run)])),
        }
    }
    let config = ServerConfig::new(uri, auth_from_env());
    warn_if_credentials_in_clear(&config);
    let sync = MlflowSync::new(NativeHttp::new(REQUEST_TIMEOUT), config);
    // A file's line is printed once, however many times the push starts again.
    let mut printed = HashSet::new();
    resuming(|| pollster::block_on(push_files_once(&sync, &by_experiment, &mut printed)))
}

async fn push_files_once(
    sync: &MlflowSync<NativeHttp>,
    by_experiment: &[ExperimentFiles],
    printed: &mut HashSet<String>,
) -> Result<(), PushFailure> {
    sync.test_connection().await?;
    for (name, entries) in by_experiment {
        let experiment_id = sync.ensure_experiment(name).await?;
        let runs: Vec<Run> = entries.iter().map(|(_, run)| run.clone()).collect();
        let runs = with_user(&runs);
        let mut failed_file = None;
        let report = |index: usize, outcome: Result<&PushedRun, &SyncError>| {
            let file = &entries[index].0;
            match outcome {
                Ok(pushed) if printed.insert(file.clone()) => println!(
                    "{}",
                    json!({ "file": file, "run_id": pushed.run_id, "url": pushed.url, "created": pushed.created })
                ),
                Ok(_) => {}
                Err(_) => failed_file = Some(file.clone()),
            }
        };
        if let Err(error) = sync.push_runs(&runs, &experiment_id, report).await {
            return Err(PushFailure {
                error,
                pushed_url: None,
                file: failed_file,
            });
        }
    }
    Ok(())
}

/// Adds the push's outcome to a `--json` answer and prints it; a failed push fails the
/// command after the answer is out.
pub fn print_json_with_push(
    mut value: Value,
    pushed: Option<Result<Value, String>>,
) -> Result<(), String> {
    match &pushed {
        Some(Ok(summary)) => value["mlflow"] = summary.clone(),
        Some(Err(message)) => value["mlflow"] = json!({ "error": message }),
        None => {}
    }
    println!("{value}");
    match pushed {
        Some(Err(message)) => Err(format!("MLflow sync failed: {message}")),
        _ => Ok(()),
    }
}

/// The push's outcome for people: the run's address and any registered version.
pub fn print_push(pushed: Option<Result<Value, String>>) -> Result<(), String> {
    match pushed {
        Some(Ok(summary)) => {
            println!(
                "mlflow run: {}",
                summary["url"].as_str().unwrap_or_default()
            );
            if let Some(model) = summary.get("registered_model") {
                println!(
                    "registered model: {} version {}",
                    model["name"], model["version"]
                );
            }
            Ok(())
        }
        Some(Err(message)) => Err(format!("MLflow sync failed: {message}")),
        None => Ok(()),
    }
}
