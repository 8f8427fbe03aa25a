//! A search's trials on trip files: each trial trains one model on the training file and
//! is scored by its validation RMSE. Trials that share prepared data reuse it: one set of
//! encoded rows and sufficient statistics per feature set and duration range (every
//! linear trial on them is then one solve), one binning per `max_bin` for tree trials.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use super::space::{TrialConfig, TrialModel};
use crate::data::TripTable;
use crate::metrics::RegressionMetrics;
use crate::model::LinearModel;
use crate::pipeline::{boost_report, EncodedSets, PipelineError, PreparedTraining, TreeReport};
use crate::saved_model::SavedModel;
use crate::solve::{fit, fit_with_split, BlockSplit, LinearSolution, ModelKind};
use crate::trees::{BinnedRows, Round, TreeError, TreeModel};

/// What one finished trial measured.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrialMetrics {
    pub train: RegressionMetrics,
    pub validation: RegressionMetrics,
    pub train_rows: usize,
    pub val_rows: usize,
    pub n_features: usize,
    /// Tree trials: the round kept and every round's RMSE.
    pub best_iteration: Option<u32>,
    pub curve: Vec<Round>,
}

impl TrialMetrics {
    fn of_linear(prepared: &PreparedTraining, solution: &LinearSolution) -> TrialMetrics {
        let (train, validation) = prepared.metrics(solution);
        TrialMetrics {
            train,
            validation,
            train_rows: prepared.train.n_rows,
            val_rows: prepared.validation.n_rows,
            n_features: prepared.encoder.n_columns(),
            best_iteration: None,
            curve: Vec::new(),
        }
    }

    fn of_trees(report: &TreeReport) -> TrialMetrics {
        TrialMetrics {
            train: report.train,
            validation: report.validation,
            train_rows: report.train_rows,
            val_rows: report.val_rows,
            n_features: report.n_features,
            best_iteration: Some(report.best_iteration),
            curve: report.curve.clone(),
        }
    }
}

/// A finished trial: its metrics and its fitted model.
pub struct TrialScore {
    pub metrics: TrialMetrics,
    pub model: TrialFit,
}

/// A trial's fitted model. A search keeps the best one's model file only, so a linear
/// trial's file (its encoder's vocabularies and coefficients) is made when asked for.
pub enum TrialFit {
    Linear {
        prepared: Arc<PreparedTraining>,
        kind: ModelKind,
        solution: LinearSolution,
    },
    Trees(Box<TreeModel>),
}

impl TrialFit {
    pub fn into_model(self) -> SavedModel {
        match self {
            TrialFit::Linear {
                prepared,
                kind,
                solution,
            } => SavedModel::Linear(LinearModel::new(
                kind,
                prepared.encoder.clone(),
                &solution,
                &prepared.train_sha256,
            )),
            TrialFit::Trees(model) => SavedModel::Trees(*model),
        }
    }
}

type PreparedKey = (String, u64, u64);

/// The trials' shared data, over borrowed tables (`&TripTable`) or shared ones
/// (`Arc<TripTable>`, which a browser worker keeps from one batch of trials to the next).
pub struct TripSearch<T: Borrow<TripTable>> {
    train: T,
    validation: T,
    prepared: Mutex<HashMap<PreparedKey, Arc<PreparedTraining>>>,
    binned: Mutex<HashMap<(PreparedKey, u32), Arc<BinnedRows>>>,
    /// The block elimination (ridge's solve, lasso's and elastic net's start), the same for
    /// every alpha on one prepared set.
    splits: Mutex<HashMap<PreparedKey, Arc<BlockSplit>>>,
}

impl<T: Borrow<TripTable>> TripSearch<T> {
    pub fn new(train: T, validation: T) -> TripSearch<T> {
        TripSearch {
            train,
            validation,
            prepared: Mutex::new(HashMap::new()),
            binned: Mutex::new(HashMap::new()),
            splits: Mutex::new(HashMap::new()),
        }
    }

    fn prepared(
        &self,
        config: &TrialConfig,
    ) -> Result<(PreparedKey, Arc<PreparedTraining>), PipelineError> {
        let key = (
            config.features_name.clone(),
            config.prepare.min_duration_min.to_bits(),
            config.prepare.max_duration_min.to_bits(),
        );
        // Prepared outside the lock; two trials preparing the same data at once both
        // compute it and one copy is kept.
        let kept = cached(&self.prepared, key.clone(), || {
            PreparedTraining::new(
                self.train.borrow(),
                self.validation.borrow(),
                &config.prepare,
                &config.features,
            )
        })?;
        Ok((key, kept))
    }

    fn split(
        &self,
        key: &PreparedKey,
        prepared: &PreparedTraining,
    ) -> Result<Arc<BlockSplit>, PipelineError> {
        cached(&self.splits, key.clone(), || {
            BlockSplit::largest(&prepared.gram).map_err(PipelineError::Solve)
        })
    }

    /// Prepared data sets built so far (for the note that trials shared them).
    pub fn prepared_sets(&self) -> usize {
        lock(&self.prepared).len()
    }

    /// Trains and scores one trial. `stop` is asked after each boosting round.
    pub fn evaluate(
        &self,
        config: &TrialConfig,
        stop: &dyn Fn() -> bool,
    ) -> Result<TrialScore, PipelineError> {
        let (key, prepared) = self.prepared(config)?;
        match config.model {
            TrialModel::Linear(kind) => {
                let solution = match kind {
                    ModelKind::Ols => fit(&prepared.gram, kind),
                    // A set too wide to split still fits lasso and elastic net, from zero.
                    _ => match self.split(&key, &prepared) {
                        Ok(split) => fit_with_split(&prepared.gram, Some(&split), kind),
                        Err(_) if !matches!(kind, ModelKind::Ridge { .. }) => {
                            fit_with_split(&prepared.gram, None, kind)
                        }
                        Err(e) => return Err(e),
                    },
                }
                .map_err(PipelineError::Solve)?;
                Ok(TrialScore {
                    metrics: TrialMetrics::of_linear(&prepared, &solution),
                    model: TrialFit::Linear {
                        prepared,
                        kind,
                        solution,
                    },
                })
            }
            TrialModel::Trees(params) => {
                params.validate()?;
                let binned = cached(&self.binned, (key, params.max_bin), || {
                    Ok::<_, PipelineError>(BinnedRows::new(
                        &prepared.train,
                        &prepared.encoder.layout().block_sizes,
                        params.max_bin as usize,
                    ))
                })?;
                let sets = EncodedSets {
                    encoder: &prepared.encoder,
                    train: &prepared.train,
                    validation: &prepared.validation,
                    prepare: &config.prepare,
                    train_sha256: &prepared.train_sha256,
                };
                let mut on_round = |_: &Round| {
                    if stop() {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                };
                let report = boost_report(&sets, &binned, &params, &mut on_round)?
                    .ok_or(PipelineError::Trees(TreeError::Stopped))?;
                Ok(TrialScore {
                    metrics: TrialMetrics::of_trees(&report),
                    model: TrialFit::Trees(Box::new(report.model)),
                })
            }
        }
    }
}

impl<T: Borrow<TripTable>> TripSearch<T> {
    /// Trains and scores trial `number` as a report, with its model file when its loss is
    /// below `best_before` (the best of the trials before it, as far as the caller knows).
    pub fn report(
        &self,
        number: usize,
        planned: usize,
        config: TrialConfig,
        best_before: f64,
    ) -> TrialReport {
        let (metrics, error, model) = match self.evaluate(&config, &|| false) {
            Ok(score) => (Some(score.metrics), None, Some(score.model)),
            Err(e) => (None, Some(e.to_string()), None),
        };
        let loss = metrics
            .as_ref()
            .map_or(f64::INFINITY, |m| m.validation.rmse);
        let improved = loss < best_before;
        let best = best_before.min(loss);
        TrialReport {
            number,
            planned,
            config,
            metrics,
            error,
            best_so_far: best.is_finite().then_some(best),
            best_model_json: model.filter(|_| improved).map(|m| m.into_model().to_json()),
        }
    }
}

/// The value under `key`, made by `make` (outside the lock) the first time.
fn cached<K: std::hash::Hash + Eq, V, E>(
    cache: &Mutex<HashMap<K, Arc<V>>>,
    key: K,
    make: impl FnOnce() -> Result<V, E>,
) -> Result<Arc<V>, E> {
    if let Some(found) = lock(cache).get(&key) {
        return Ok(Arc::clone(found));
    }
    let made = Arc::new(make()?);
    Ok(Arc::clone(lock(cache).entry(key).or_insert(made)))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A trial that panicked leaves the cache as it was: still usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One finished trial as a search reports it while it runs (the page's progress, the
/// worker's messages): its settings, its metrics or why it failed, and its model when it
/// is the best so far.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrialReport {
    pub number: usize,
    /// Trials the search will run at most.
    pub planned: usize,
    pub config: TrialConfig,
    pub metrics: Option<TrialMetrics>,
    pub error: Option<String>,
    /// The best validation RMSE after this trial.
    pub best_so_far: Option<f64>,
    /// The model file (`flowbook_model.json`), when this trial is the best so far.
    pub best_model_json: Option<String>,
}

impl TrialReport {
    /// The trial's objective: its validation RMSE, infinite when it failed.
    pub fn loss(&self) -> f64 {
        self.metrics
            .as_ref()
            .map_or(f64::INFINITY, |m| m.validation.rmse)
    }
}

/// A whole search on trip tables, one trial after another (the browser's worker has one
/// thread): `on_trial` hears each finished trial and may stop the search.
pub fn run_trip_search(
    train: &TripTable,
    validation: &TripTable,
    space: &super::SearchSpace,
    settings: &super::SearchSettings,
    on_trial: &mut dyn FnMut(&TrialReport) -> ControlFlow<()>,
) -> super::StopReason {
    let trips = TripSearch::new(train, validation);
    let suggester = super::Suggester::new(space.domain(), *settings);
    let planned = suggester.planned();
    let mut best = f64::INFINITY;
    let (_, stop) = super::run_search(&suggester, settings, &mut |first, points| {
        let mut losses = Vec::with_capacity(points.len());
        for (i, point) in points.iter().enumerate() {
            let report = trips.report(first + i, planned, space.decode(point), best);
            let loss = report.loss();
            best = best.min(loss);
            losses.push(loss);
            if on_trial(&report).is_break() {
                break;
            }
        }
        losses
    });
    stop
}
