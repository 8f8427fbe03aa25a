//! The command line, described once with clap: `flowbook --help`, `flowbook --version` and
//! `flowbook <command> --help` come from here. Values are parsed with Flowbook's own
//! parsers, so a bad value gets the same message it always had.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use flowbook_core::features::{Categorical, FeatureSpec, PrepareSpec};
use flowbook_core::solve::ModelKind;
use flowbook_core::trees::TreeParams;

#[derive(Debug, Parser)]
#[command(
    name = "flowbook",
    version,
    about = "Flowbook's notebook pipeline without a browser: train duration models on NYC \
             taxi trip files, predict, and sync runs with an MLflow server.",
    after_help = "MLflow credentials come from FLOWBOOK_MLFLOW_USERNAME + FLOWBOOK_MLFLOW_PASSWORD \
                  (basic auth) or FLOWBOOK_MLFLOW_TOKEN (bearer), never from the command line."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model (linear or gradient-boosted trees) and report its metrics.
    Train(Box<TrainCli>),
    /// Predict the trips of a file with a saved model (`train --save-model`).
    Predict(PredictCli),
    /// Push saved Flowbook run records to an MLflow server (exactly once per run).
    Push(PushCli),
    /// List an experiment's runs on an MLflow server.
    Pull(PullCli),
    /// List saved run records that match MLflow's run search syntax, sorted as MLflow's
    /// order_by sorts them.
    Runs(RunsCli),
    /// Print a trip file's schema facts and per-column checksums as JSON.
    Inspect(InspectCli),
    /// Search hyperparameters (TPE, random or grid) over a space file; every trial is a
    /// run, nested under the search's run when pushed to MLflow.
    Search(Box<crate::search::SearchCli>),
    /// Check a saved model on later months against a reference: its error, unseen zones,
    /// and data drift with Evidently's statistics. Exits 3 when a month calls for
    /// retraining.
    Monitor(Box<crate::monitor::MonitorCli>),
    /// Time the engine's decoding and training (JSON, for scripts/bench.sh).
    Bench(BenchCli),
}

fn number(value: &str) -> Result<f64, String> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("expects a number, got {value:?}"))
}

fn whole(value: &str) -> Result<u32, String> {
    value
        .trim()
        .parse::<u32>()
        .map_err(|_| format!("expects a whole number, got {value:?}"))
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct TrainCli {
    /// Training trips (parquet, or CSV with a header)
    #[arg(long, value_name = "FILE")]
    pub train: PathBuf,
    /// Validation trips
    #[arg(long, alias = "validation", value_name = "FILE")]
    pub val: PathBuf,
    /// One-hot features, comma-separated: PULocationID, DOLocationID, PU_DO, pickup_hour,
    /// pickup_weekday
    #[arg(long, value_name = "LIST", default_value = "PU_DO")]
    pub categorical: String,
    /// Numerical columns, comma-separated ('' for none)
    #[arg(long, value_name = "LIST", default_value = "trip_distance")]
    pub numerical: String,
    /// ols | ridge | lasso | elasticnet | gbdt
    #[arg(long, value_name = "NAME", default_value = "ols")]
    pub model: String,
    /// Regularisation strength (ridge, lasso, elasticnet)
    #[arg(long, value_parser = number)]
    pub alpha: Option<f64>,
    /// Elastic net mixing, 0..1 (default 0.5)
    #[arg(long, value_parser = number)]
    pub l1_ratio: Option<f64>,
    /// Fit one model per alpha (a sweep) instead of one --alpha
    #[arg(long, value_name = "A,B,...")]
    pub alphas: Option<String>,
    /// Keep trips of at least M minutes
    #[arg(long, value_name = "M", default_value = "1", value_parser = number)]
    pub min_duration: f64,
    /// Keep trips of at most M minutes
    #[arg(long, value_name = "M", default_value = "60", value_parser = number)]
    pub max_duration: f64,
    /// Keep trips with trip_distance > D
    #[arg(long, value_name = "D", value_parser = number)]
    pub min_distance: Option<f64>,
    /// Write the trained model as JSON
    #[arg(long, value_name = "FILE")]
    pub save_model: Option<PathBuf>,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub trees: TreeCli,
    #[command(flatten)]
    pub mlflow: MlflowCli,
}

/// Gradient-boosted trees (--model gbdt), with XGBoost's names, meanings and defaults.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Gradient-boosted trees (--model gbdt)")]
pub struct TreeCli {
    /// The course's tuned settings (1000 rounds, early stopping 50); the flags below
    /// override single settings
    #[arg(long)]
    pub course: bool,
    /// Boosting rounds [default: 10]
    #[arg(long, value_name = "N", value_parser = whole)]
    pub num_boost_round: Option<u32>,
    /// Shrinkage eta, 0 < X <= 1 [default: 0.3]
    #[arg(long, value_name = "X", value_parser = number)]
    pub learning_rate: Option<f64>,
    /// Deepest level, 1..1000 [default: 6]
    #[arg(long, value_name = "N", value_parser = whole)]
    pub max_depth: Option<u32>,
    /// Smallest row count (hessian sum) of a child [default: 1]
    #[arg(long, value_name = "X", value_parser = number)]
    pub min_child_weight: Option<f64>,
    /// L2 penalty on leaf values [default: 1]
    #[arg(long, value_name = "X", value_parser = number)]
    pub reg_lambda: Option<f64>,
    /// L1 penalty on leaf values [default: 0]
    #[arg(long, value_name = "X", value_parser = number)]
    pub reg_alpha: Option<f64>,
    /// Smallest loss reduction of a split [default: 0]
    #[arg(long, value_name = "X", value_parser = number)]
    pub gamma: Option<f64>,
    /// Share of rows per tree, 0 < X <= 1 [default: 1]
    #[arg(long, value_name = "X", value_parser = number)]
    pub subsample: Option<f64>,
    /// Share of columns per tree, 0 < X <= 1 [default: 1]
    #[arg(long, value_name = "X", value_parser = number)]
    pub colsample_bytree: Option<f64>,
    /// Histogram bins per numerical column, 2..65535 [default: 256]
    #[arg(long, value_name = "N", value_parser = whole)]
    pub max_bin: Option<u32>,
    /// Stop after N rounds without a better validation RMSE; keep the best round's trees
    #[arg(long, value_name = "N", value_parser = whole)]
    pub early_stopping_rounds: Option<u32>,
    /// Seed of the row and column sampling [default: 0]
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

/// Push the run to a tracking server after training.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "MLflow")]
pub struct MlflowCli {
    /// The server root, e.g. http://127.0.0.1:5000
    #[arg(long, value_name = "URL")]
    pub mlflow_uri: Option<String>,
    /// Experiment to log into (created if absent; required with --mlflow-uri)
    #[arg(long, value_name = "NAME")]
    pub experiment: Option<String>,
    /// Run name (default: model and alpha)
    #[arg(long, value_name = "NAME")]
    pub run_name: Option<String>,
    /// Run description (shown as the run's note)
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Register the run's model as a version of N
    #[arg(long, value_name = "N")]
    pub register_model: Option<String>,
    /// Point alias A at that version (repeatable, or A,B)
    #[arg(long = "alias", value_name = "A")]
    pub aliases: Vec<String>,
    /// Flowbook's id for this run; pushing again with the same id completes or updates
    /// the same run instead of making a new one
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct PredictCli {
    /// A model file written by `flowbook train --save-model`
    #[arg(long, value_name = "MODEL.json")]
    pub model: PathBuf,
    /// The trips to predict (the model's own filters apply)
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Print the predictions as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PushCli {
    /// Flowbook run records (JSON)
    #[arg(value_name = "RUN.json", required = true)]
    pub files: Vec<PathBuf>,
    #[arg(long, value_name = "URL")]
    pub mlflow_uri: String,
    /// Push every run into this experiment instead of its own
    #[arg(long, value_name = "NAME")]
    pub experiment: Option<String>,
}

#[derive(Debug, Args)]
pub struct PullCli {
    #[arg(long, value_name = "URL")]
    pub mlflow_uri: String,
    #[arg(long, value_name = "NAME")]
    pub experiment: String,
    /// MLflow's run search filter, e.g. "metrics.val_rmse < 8"
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub filter: String,
    /// Runs per page of the server's search
    #[arg(long, value_name = "N", default_value = "1000", value_parser = clap::value_parser!(u32).range(1..))]
    pub page_size: u32,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunsCli {
    /// Run records (`flowbook train --save-run`, the page's exports)
    #[arg(value_name = "RUN.json", required = true)]
    pub files: Vec<PathBuf>,
    /// MLflow's run search filter, e.g. "metrics.val_rmse < 8 AND params.model IN ..."; give
    /// it several times for one answer per filter
    #[arg(long, value_name = "TEXT")]
    pub filter: Vec<String>,
    /// MLflow's order_by, e.g. "metrics.val_rmse ASC, attributes.start_time DESC"
    #[arg(long, value_name = "KEYS", default_value = "")]
    pub order_by: String,
}

#[derive(Debug, Args)]
pub struct InspectCli {
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Numerical columns to decode, comma-separated
    #[arg(long, value_name = "LIST", default_value = "trip_distance")]
    pub numerical: String,
}

#[derive(Debug, Args)]
pub struct BenchCli {
    /// TRAIN VAL [GZIP_FILE ZSTD_FILE]
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[arg(long, default_value = "5")]
    pub runs: usize,
    /// Only `decode` or only `train`
    #[arg(long)]
    pub only: Option<String>,
    /// Instead: the best loss of seeded searches on a known function (branin,
    /// distractor, nested), one per seed
    #[arg(long, value_name = "NAME")]
    pub search_function: Option<String>,
    /// With --search-function: tpe | random
    #[arg(long, value_name = "NAME", default_value = "tpe", value_parser = flowbook_core::search::Algorithm::parse)]
    pub algo: flowbook_core::search::Algorithm,
    /// With --search-function: seeds 0..N
    #[arg(long, value_name = "N", default_value = "50")]
    pub seeds: usize,
    /// With --search-function: trials per search
    #[arg(long, value_name = "N", default_value = "50")]
    pub max_evals: usize,
}

/// Where and how to push the run, when `--mlflow-uri` is given.
#[derive(Debug, Clone, Default)]
pub struct MlflowArgs {
    pub uri: String,
    pub experiment: String,
    pub run_name: Option<String>,
    pub description: Option<String>,
    pub register_model: Option<String>,
    pub aliases: Vec<String>,
    pub client_id: Option<String>,
}

/// `flowbook train`'s arguments after the checks that concern several flags at once.
#[derive(Debug)]
pub struct TrainArgs {
    pub train: PathBuf,
    pub val: PathBuf,
    pub features: FeatureSpec,
    pub prepare: PrepareSpec,
    pub kind: ModelKind,
    /// Set for `--model gbdt`: the trees' settings, and `kind` is unused.
    pub trees: Option<TreeParams>,
    pub alphas: Option<Vec<f64>>,
    pub save_model: Option<PathBuf>,
    pub json: bool,
    pub mlflow: Option<MlflowArgs>,
}

impl TreeCli {
    /// The flags given, in the order of the help text (for "needs --model gbdt").
    fn given(&self) -> Option<&'static str> {
        let flags = [
            ("--course", self.course),
            ("--num-boost-round", self.num_boost_round.is_some()),
            ("--learning-rate", self.learning_rate.is_some()),
            ("--max-depth", self.max_depth.is_some()),
            ("--min-child-weight", self.min_child_weight.is_some()),
            ("--reg-lambda", self.reg_lambda.is_some()),
            ("--reg-alpha", self.reg_alpha.is_some()),
            ("--gamma", self.gamma.is_some()),
            ("--subsample", self.subsample.is_some()),
            ("--colsample-bytree", self.colsample_bytree.is_some()),
            ("--max-bin", self.max_bin.is_some()),
            (
                "--early-stopping-rounds",
                self.early_stopping_rounds.is_some(),
            ),
            ("--seed", self.seed.is_some()),
        ];
        flags
            .iter()
            .find_map(|&(flag, given)| given.then_some(flag))
    }

    fn params(&self) -> TreeParams {
        let mut p = if self.course {
            TreeParams::course()
        } else {
            TreeParams::default()
        };
        p.num_boost_round = self.num_boost_round.unwrap_or(p.num_boost_round);
        p.learning_rate = self.learning_rate.unwrap_or(p.learning_rate);
        p.max_depth = self.max_depth.unwrap_or(p.max_depth);
        p.min_child_weight = self.min_child_weight.unwrap_or(p.min_child_weight);
        p.reg_lambda = self.reg_lambda.unwrap_or(p.reg_lambda);
        p.reg_alpha = self.reg_alpha.unwrap_or(p.reg_alpha);
        p.gamma = self.gamma.unwrap_or(p.gamma);
        p.subsample = self.subsample.unwrap_or(p.subsample);
        p.colsample_bytree = self.colsample_bytree.unwrap_or(p.colsample_bytree);
        p.max_bin = self.max_bin.unwrap_or(p.max_bin);
        p.early_stopping_rounds = self.early_stopping_rounds.or(p.early_stopping_rounds);
        p.seed = self.seed.unwrap_or(p.seed);
        p
    }
}

impl MlflowCli {
    fn given(&self) -> Option<&'static str> {
        [
            ("--experiment", self.experiment.is_some()),
            ("--run-name", self.run_name.is_some()),
            ("--description", self.description.is_some()),
            ("--register-model", self.register_model.is_some()),
            ("--alias", !self.aliases.is_empty()),
            ("--client-id", self.client_id.is_some()),
        ]
        .iter()
        .find_map(|&(flag, given)| given.then_some(flag))
    }

    pub(crate) fn checked(&self) -> Result<Option<MlflowArgs>, String> {
        let aliases: Vec<String> = self.aliases.iter().flat_map(|a| list(a)).collect();
        let Some(uri) = self.mlflow_uri.clone().filter(|u| !u.is_empty()) else {
            return match self.given() {
                Some(flag) => Err(format!("{flag} needs --mlflow-uri URL")),
                None => Ok(None),
            };
        };
        let experiment = self.experiment.clone().unwrap_or_default();
        if experiment.trim().is_empty() {
            return Err("--mlflow-uri needs --experiment NAME".to_string());
        }
        if !aliases.is_empty() && self.register_model.is_none() {
            return Err("--alias needs --register-model NAME".to_string());
        }
        Ok(Some(MlflowArgs {
            uri,
            experiment,
            run_name: self.run_name.clone(),
            description: self.description.clone(),
            register_model: self.register_model.clone(),
            aliases,
            client_id: self.client_id.clone(),
        }))
    }
}

impl TrainCli {
    /// The checks across flags: a model's own settings only with that model, MLflow
    /// settings only with a server, tree settings within their ranges.
    pub fn checked(self) -> Result<TrainArgs, String> {
        let mlflow = self.mlflow.checked()?;
        let categorical = list(&self.categorical)
            .iter()
            .map(|s| s.parse::<Categorical>())
            .collect::<Result<Vec<_>, _>>()?;
        let alphas = match &self.alphas {
            None => None,
            Some(text) => Some(
                list(text)
                    .iter()
                    .map(|a| number(a).map_err(|e| format!("--alphas {e}")))
                    .collect::<Result<Vec<f64>, _>>()?,
            ),
        };
        let is_trees = matches!(
            self.model.to_ascii_lowercase().as_str(),
            "gbdt" | "xgboost" | "trees"
        );
        let (kind, trees) = if is_trees {
            let linear_flag = [
                ("--alpha", self.alpha.is_some()),
                ("--alphas", alphas.is_some()),
                ("--l1-ratio", self.l1_ratio.is_some()),
            ]
            .iter()
            .find_map(|&(flag, given)| given.then_some(flag));
            if let Some(flag) = linear_flag {
                return Err(format!(
                    "{flag} is for the linear models; gradient-boosted trees take --reg-alpha and --reg-lambda"
                ));
            }
            let params = self.trees.params();
            params
                .validate()
                .map_err(|e| format!("--{}: {e}", cli_flag(&e)))?;
            (ModelKind::Ols, Some(params))
        } else {
            if let Some(flag) = self.trees.given() {
                return Err(format!("{flag} needs --model gbdt"));
            }
            let alpha = self
                .alpha
                .or_else(|| alphas.as_ref().and_then(|a| a.first().copied()));
            (ModelKind::parse(&self.model, alpha, self.l1_ratio)?, None)
        };
        Ok(TrainArgs {
            train: self.train,
            val: self.val,
            features: FeatureSpec {
                categorical,
                numerical: list(&self.numerical),
            },
            prepare: PrepareSpec {
                min_duration_min: self.min_duration,
                max_duration_min: self.max_duration,
                min_distance_exclusive: self.min_distance,
            },
            kind,
            trees,
            alphas,
            save_model: self.save_model,
            json: self.json,
            mlflow,
        })
    }
}

/// The command-line spelling of the field a parameter error names.
fn cli_flag(error: &flowbook_core::trees::TreeError) -> String {
    match error {
        flowbook_core::trees::TreeError::Parameter { field, .. } => field.replace('_', "-"),
        _ => "model".to_string(),
    }
}
