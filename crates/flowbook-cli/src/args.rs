//! Command-line arguments of `flowbook train`, parsed by hand to keep the build light.

use std::path::PathBuf;

use flowbook_core::features::{Categorical, FeatureSpec, PrepareSpec};
use flowbook_core::solve::ModelKind;

pub const USAGE: &str = "\
usage: flowbook train --train FILE.parquet --val FILE.parquet [options]
       flowbook push RUN.json... --mlflow-uri URL [--experiment NAME]
       flowbook pull --mlflow-uri URL --experiment NAME [--filter TEXT] [--page-size N] [--json]

options:
  --categorical LIST   one-hot features, comma-separated: PULocationID, DOLocationID, PU_DO,
                       pickup_hour, pickup_weekday (default: PU_DO)
  --numerical LIST     numerical columns, comma-separated (default: trip_distance; '' for none)
  --model NAME         ols | ridge | lasso | elasticnet (default: ols)
  --alpha A            regularisation strength (ridge, lasso, elasticnet)
  --l1-ratio R         elastic net mixing, 0..1 (default 0.5)
  --alphas A,B,...     fit one model per alpha (a sweep) instead of one --alpha
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
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        if flag == "--json" {
            json = true;
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
    let alpha_for_kind =
        alpha.or_else(|| alphas.as_ref().and_then(|a: &Vec<f64>| a.first().copied()));
    let kind = ModelKind::parse(&model, alpha_for_kind, l1_ratio)?;
    Ok(TrainArgs {
        train: train.ok_or("--train FILE is required")?,
        val: val.ok_or("--val FILE is required")?,
        features: FeatureSpec {
            categorical,
            numerical,
        },
        prepare,
        kind,
        alphas,
        save_model,
        json,
        mlflow,
    })
}
