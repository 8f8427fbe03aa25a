//! The engine's benchmark, the same code natively (`flowbook bench`) and in the browser
//! (the app at `?bench`), so both figures come from one definition. The caller passes
//! its clock: `Instant` natively, `performance.now()` in the browser.

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::data::load_trips;
use crate::features::{Categorical, FeatureSpec, PrepareSpec};
use crate::pipeline::PreparedTraining;
use crate::solve::ModelKind;

/// Median wall time of one measured step, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub name: String,
    pub median_ms: f64,
    pub runs: usize,
    /// A figure of the result, so a run that skipped work would show.
    pub check: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    pub timings: Vec<Timing>,
    /// Size of the wasm linear memory after the run, in the browser: it only grows, so
    /// this is the peak. Natively the harness measures the process's peak RSS instead.
    #[serde(default)]
    pub wasm_memory_bytes: Option<u64>,
}

/// Twenty alphas from 1 down to 1e-3, log-spaced, like a typical lasso path.
/// Which benchmark a page address asks for: `?bench` (the engine's) or `?bench=large`
/// (one large file). Only a query parameter named exactly `bench` counts, so
/// `?notebook=benchmarks.json` opens a notebook as usual.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchPage {
    Engine,
    LargeFile,
}

pub fn bench_page(search: &str) -> Option<BenchPage> {
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| match pair.split_once('=') {
            None if pair == "bench" => Some(BenchPage::Engine),
            Some(("bench", "large")) => Some(BenchPage::LargeFile),
            Some(("bench", _)) => Some(BenchPage::Engine),
            _ => None,
        })
}

pub fn sweep_alphas() -> Vec<f64> {
    (0..20)
        .map(|i| 10f64.powf(-3.0 * i as f64 / 19.0))
        .collect()
}

fn measure(
    name: &str,
    runs: usize,
    now_ms: &dyn Fn() -> f64,
    mut step: impl FnMut() -> f64,
) -> Timing {
    let mut times = Vec::with_capacity(runs);
    let mut check = 0.0;
    for _ in 0..runs {
        let start = now_ms();
        check = step();
        times.push(now_ms() - start);
    }
    times.sort_by(f64::total_cmp);
    Timing {
        name: name.to_string(),
        median_ms: times.get(times.len() / 2).copied().unwrap_or(f64::NAN),
        runs,
        check,
    }
}

/// Decoding: `(label, file name, bytes)` for each file to time.
pub fn bench_decode(
    files: &[(&str, &str, Bytes)],
    runs: usize,
    now_ms: &dyn Fn() -> f64,
) -> Vec<Timing> {
    let numeric = vec!["trip_distance".to_string()];
    files
        .iter()
        .map(|(label, name, bytes)| {
            measure(label, runs, now_ms, || {
                load_trips(name, bytes.clone(), &numeric).map_or(f64::NAN, |t| t.len() as f64)
            })
        })
        .collect()
}

/// Training from decoded files: features, statistics and solve — what scikit-learn's
/// DictVectorizer + fit does — for each feature set and model, plus a 20-alpha lasso sweep.
pub fn bench_training(
    train: Bytes,
    val: Bytes,
    runs: usize,
    now_ms: &dyn Fn() -> f64,
) -> Result<Vec<Timing>, String> {
    let numeric = vec!["trip_distance".to_string()];
    let train = load_trips("train.parquet", train, &numeric).map_err(|e| e.to_string())?;
    let val = load_trips("val.parquet", val, &numeric).map_err(|e| e.to_string())?;
    let feature_sets = [
        (
            "pu+do",
            vec![Categorical::PickupLocation, Categorical::DropoffLocation],
        ),
        ("pu_do", vec![Categorical::PickupDropoffPair]),
    ];
    let models = [
        ("ols", ModelKind::Ols),
        ("ridge1", ModelKind::Ridge { alpha: 1.0 }),
        ("lasso0.01", ModelKind::Lasso { alpha: 0.01 }),
    ];
    let mut timings = Vec::new();
    for (set_name, categorical) in &feature_sets {
        let spec = FeatureSpec {
            categorical: categorical.clone(),
            numerical: numeric.clone(),
        };
        for (model_name, kind) in &models {
            timings.push(measure(
                &format!("{set_name} {model_name}"),
                runs,
                now_ms,
                || {
                    PreparedTraining::new(&train, &val, &PrepareSpec::default(), &spec)
                        .and_then(|p| p.train(*kind))
                        .map_or(f64::NAN, |r| r.train.rmse)
                },
            ));
        }
        let alphas = sweep_alphas();
        timings.push(measure(
            &format!("{set_name} lasso sweep20"),
            runs,
            now_ms,
            || {
                PreparedTraining::new(&train, &val, &PrepareSpec::default(), &spec)
                    .and_then(|p| p.sweep(ModelKind::Lasso { alpha: 1.0 }, &alphas))
                    .map_or(f64::NAN, |r| {
                        r.last().map_or(f64::NAN, |r| r.validation.rmse)
                    })
            },
        ));
    }
    Ok(timings)
}

#[cfg(test)]
mod tests {
    use super::{bench_page, BenchPage};

    #[test]
    fn only_a_parameter_named_bench_opens_a_benchmark() {
        assert_eq!(bench_page("?bench"), Some(BenchPage::Engine));
        assert_eq!(bench_page("?bench="), Some(BenchPage::Engine));
        assert_eq!(bench_page("?x=1&bench=large"), Some(BenchPage::LargeFile));
        assert_eq!(bench_page(""), None);
        assert_eq!(bench_page("?notebook=benchmarks.json"), None);
        assert_eq!(bench_page("?benchmark"), None);
        assert_eq!(bench_page("?title=bench"), None);
    }
}
