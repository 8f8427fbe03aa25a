//! Command-line arguments of `flowbook train`, parsed by hand to keep the build light.

use std::path::PathBuf;

use flowbook_core::features::{Categorical, FeatureSpec, PrepareSpec};
use flowbook_core::solve::ModelKind;
use flowbook_core::trees::TreeParams;

pub const USAGE: &str = "\
usage: flowbook train --train FILE.parquet --val FILE.parquet [options]
       flowbook predict --model MODEL.json --data FILE.parquet [--json]
       flowbook push RUN.json... --mlflow-uri URL [--experiment NAME]
       flowbook pull --mlflow-uri URL --experiment NAME [--filter TEXT] [--page-size N] [--json]

options:
  --categorical LIST   one-hot features, comma-separated: PULocationID, DOLocationID, PU_DO,
                       pickup_hour, pickup_weekday (default: PU_DO)
  --numerical LIST     numerical columns, comma-separated (default: trip_distance; '' for none)
  --model NAME         ols | ridge | lasso | elasticnet | gbdt (default: ols)
  --alpha A            regularisation strength (ridge, lasso, elasticnet)
  --l1-ratio R         elastic net mixing, 0..1 (default 0.5)
  --alphas A,B,...     fit one model per alpha (a sweep) instead of one --alpha
 gradient-boosted trees (--model gbdt; XGBoost's names, meanings and defaults):
  --num-boost-round N  boosting rounds (default 10)
  --learning-rate X    shrinkage eta, 0 < X <= 1 (default 0.3)
  --max-depth N        deepest level, 1..63 (default 6)
  --min-child-weight X smallest row count (hessian sum) of a child (default 1)
  --reg-lambda X       L2 penalty on leaf values (default 1)
  --reg-alpha X        L1 penalty on leaf values (default 0)
  --gamma X            smallest loss reduction of a split (default 0)
  --subsample X        share of rows per tree, 0 < X <= 1 (default 1)
  --colsample-bytree X share of columns per tree, 0 < X <= 1 (default 1)
  --max-bin N          histogram bins per numerical column, 2..65535 (default 256)
  --early-stopping-rounds N  stop after N rounds without a better validation RMSE and
                       keep the best round's trees
  --seed N             seed of the row and column sampling (default 0)
  --course             the course's tuned settings (1000 rounds, early stopping 50);
                       flags after it override single settings
  --min-duration M     keep trips of at least M minutes (default 1)
  --max-duration M     keep trips of at most M minutes (default 60)
  --min-distance D     keep trips with trip_distance > D
  --save-model FILE    write the trained model as JSON
  --json               print one JSON object instead of a table

MLflow (push the run to a tracking server after training):
  --mlflow-uri URL     the server root, e.g. http://127.0.0.1:5000
  --experiment NAME    experiment to log into (created if absent; required with --mlflow-uri)
  --run-name NAME      run name (default: model and alpha)
  --description TEXT   run description (shown as the run's note)
  --register-model N   register the run's model as a version of N
  --alias A            point alias A at that version (repeatable, or A,B)
  --client-id ID       Flowbook's id for this run; pushing again with the same id
                       completes or updates the same run instead of making a new one
  credentials come from FLOWBOOK_MLFLOW_USERNAME + FLOWBOOK_MLFLOW_PASSWORD (basic auth)
  or FLOWBOOK_MLFLOW_TOKEN (bearer), never from the command line
";

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

fn number(flag: &str, value: &str) -> Result<f64, String> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{flag} expects a number, got {value:?}"))
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn parse_train(args: &[String]) -> Result<TrainArgs, String> {
    let mut train = None;
    let mut val = None;
    let mut categorical = vec![Categorical::PickupDropoffPair];
    let mut numerical = vec!["trip_distance".to_string()];
    let mut model = "ols".to_string();
    let mut alpha = None;
    let mut l1_ratio = None;
    let mut alphas = None;
    let mut prepare = PrepareSpec::default();
    let mut save_model = None;
    let mut json = false;
    let mut mlflow = MlflowArgs::default();
    let mut mlflow_flags = Vec::new();
    let mut trees = TreeParams::default();
    let mut tree_flags = Vec::new();
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        if flag == "--json" {
            json = true;
            continue;
        }
        if flag == "--course" {
            trees = TreeParams::course();
            tree_flags.push(flag.clone());
            continue;
        }
        let mut value = || {
            iter.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--train" => train = Some(PathBuf::from(value()?)),
            "--val" | "--validation" => val = Some(PathBuf::from(value()?)),
            "--categorical" => {
                categorical = list(&value()?)
                    .iter()
                    .map(|s| s.parse::<Categorical>())
                    .collect::<Result<_, _>>()?
            }
            "--numerical" => numerical = list(&value()?),
            "--model" => model = value()?,
            "--alpha" => alpha = Some(number(flag, &value()?)?),
            "--l1-ratio" => l1_ratio = Some(number(flag, &value()?)?),
            "--alphas" => {
                alphas = Some(
                    list(&value()?)
                        .iter()
                        .map(|a| number(flag, a))
                        .collect::<Result<Vec<_>, _>>()?,
                )
            }
            "--min-duration" => prepare.min_duration_min = number(flag, &value()?)?,
            "--max-duration" => prepare.max_duration_min = number(flag, &value()?)?,
            "--min-distance" => prepare.min_distance_exclusive = Some(number(flag, &value()?)?),
            "--save-model" => save_model = Some(PathBuf::from(value()?)),
            "--num-boost-round"
            | "--learning-rate"
            | "--max-depth"
            | "--min-child-weight"
            | "--reg-lambda"
            | "--reg-alpha"
            | "--gamma"
            | "--subsample"
            | "--colsample-bytree"
            | "--max-bin"
            | "--early-stopping-rounds"
            | "--seed" => {
                tree_flags.push(flag.clone());
                tree_setting(&mut trees, flag, &value()?)?
            }
            "--mlflow-uri" => mlflow.uri = value()?,
            "--experiment" | "--run-name" | "--description" | "--register-model" | "--alias"
            | "--client-id" => {
                mlflow_flags.push(flag.clone());
                let value = value()?;
                match flag.as_str() {
                    "--experiment" => mlflow.experiment = value,
                    "--run-name" => mlflow.run_name = Some(value),
                    "--description" => mlflow.description = Some(value),
                    "--register-model" => mlflow.register_model = Some(value),
                    "--alias" => mlflow.aliases.extend(list(&value)),
                    _ => mlflow.client_id = Some(value),
                }
            }
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    let mlflow = match (mlflow.uri.is_empty(), mlflow_flags.first()) {
        (true, Some(flag)) => return Err(format!("{flag} needs --mlflow-uri URL")),
        (true, None) => None,
        (false, _) if mlflow.experiment.trim().is_empty() => {
            return Err("--mlflow-uri needs --experiment NAME".to_string())
        }
        (false, _) if !mlflow.aliases.is_empty() && mlflow.register_model.is_none() => {
            return Err("--alias needs --register-model NAME".to_string())
        }
        (false, _) => Some(mlflow),
    };
    let is_trees = matches!(
        model.to_ascii_lowercase().as_str(),
        "gbdt" | "xgboost" | "trees"
    );
    let (kind, trees) = if is_trees {
        if let Some(flag) = [
            ("--alpha", alpha.is_some()),
            ("--alphas", alphas.is_some()),
            ("--l1-ratio", l1_ratio.is_some()),
        ]
        .iter()
        .find_map(|&(flag, given)| given.then_some(flag))
        {
            return Err(format!("{flag} is for the linear models; gradient-boosted trees take --reg-alpha and --reg-lambda"));
        }
        trees
            .validate()
            .map_err(|e| format!("--{}: {e}", cli_flag(&e)))?;
        (ModelKind::Ols, Some(trees))
    } else {
        if let Some(flag) = tree_flags.first() {
            return Err(format!("{flag} needs --model gbdt"));
        }
        let alpha_for_kind =
            alpha.or_else(|| alphas.as_ref().and_then(|a: &Vec<f64>| a.first().copied()));
        (ModelKind::parse(&model, alpha_for_kind, l1_ratio)?, None)
    };
    Ok(TrainArgs {
        train: train.ok_or("--train FILE is required")?,
        val: val.ok_or("--val FILE is required")?,
        features: FeatureSpec {
            categorical,
            numerical,
        },
        prepare,
        kind,
        trees,
        alphas,
        save_model,
        json,
        mlflow,
    })
}

/// The command-line spelling of the field a parameter error names.
fn cli_flag(error: &flowbook_core::trees::TreeError) -> String {
    match error {
        flowbook_core::trees::TreeError::Parameter { field, .. } => field.replace('_', "-"),
        _ => "model".to_string(),
    }
}

fn whole(flag: &str, value: &str) -> Result<u64, String> {
    value
        .trim()
        .parse::<u64>()
        .map_err(|_| format!("{flag} expects a whole number, got {value:?}"))
}

fn whole_u32(flag: &str, value: &str) -> Result<u32, String> {
    u32::try_from(whole(flag, value)?).map_err(|_| format!("{flag} is too large: {value}"))
}

/// Sets one `--flag value` of the trees' settings.
fn tree_setting(params: &mut TreeParams, flag: &str, value: &str) -> Result<(), String> {
    match flag {
        "--num-boost-round" => params.num_boost_round = whole_u32(flag, value)?,
        "--learning-rate" => params.learning_rate = number(flag, value)?,
        "--max-depth" => params.max_depth = whole_u32(flag, value)?,
        "--min-child-weight" => params.min_child_weight = number(flag, value)?,
        "--reg-lambda" => params.reg_lambda = number(flag, value)?,
        "--reg-alpha" => params.reg_alpha = number(flag, value)?,
        "--gamma" => params.gamma = number(flag, value)?,
        "--subsample" => params.subsample = number(flag, value)?,
        "--colsample-bytree" => params.colsample_bytree = number(flag, value)?,
        "--max-bin" => params.max_bin = whole_u32(flag, value)?,
        "--early-stopping-rounds" => params.early_stopping_rounds = Some(whole_u32(flag, value)?),
        _ => params.seed = whole(flag, value)?,
    }
    Ok(())
}
