//! A search's loop, independent of what a trial computes: suggest points (grid, random
//! or TPE), let the caller evaluate them a batch at a time, keep the history, stop.
//!
//! Trials are suggested in batches of `batch` from the history of the batches before, so
//! the seed and the batch size alone decide every trial: evaluating a batch's trials in
//! parallel, on two cores or eight, changes nothing.

use serde::{Deserialize, Serialize};

use super::domain::{Domain, Point, SearchRng};
use super::tpe::{suggest, Observation, TpeSettings};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Grid,
    Random,
    Tpe,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Grid => "grid",
            Algorithm::Random => "random",
            Algorithm::Tpe => "tpe",
        }
    }

    pub fn parse(text: &str) -> Result<Algorithm, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "grid" => Ok(Algorithm::Grid),
            "random" | "rand" => Ok(Algorithm::Random),
            "tpe" => Ok(Algorithm::Tpe),
            other => Err(format!(
                "unknown search algorithm {other:?}; choose grid, random or tpe"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SearchSettings {
    pub algorithm: Algorithm,
    pub max_evals: usize,
    pub seed: u64,
    /// Stop after this many trials in a row without a better loss.
    pub patience: Option<usize>,
    /// Trials suggested from the same history (and evaluated together).
    pub batch: usize,
    /// Values a grid takes of each continuous dimension.
    pub grid_points: usize,
    pub tpe: TpeSettings,
}

impl Default for SearchSettings {
    fn default() -> Self {
        SearchSettings {
            algorithm: Algorithm::Tpe,
            max_evals: 50,
            seed: 42,
            patience: None,
            batch: 1,
            grid_points: 5,
            tpe: TpeSettings::default(),
        }
    }
}

/// Trials suggested together where they run in parallel (the CLI's default `--batch` and
/// the notebook's Search cell): the same seed then gives the same trials in both.
pub const PARALLEL_BATCH: usize = 4;

/// Most trials one search may ask for: a browser tab keeps every trial's run.
pub const MAX_EVALS: usize = 100_000;

impl SearchSettings {
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_EVALS).contains(&self.max_evals) {
            return Err(format!(
                "max_evals must be a whole number from 1 to {MAX_EVALS}; got {}",
                self.max_evals
            ));
        }
        if !(1..=64).contains(&self.batch) {
            return Err(format!(
                "batch must be a whole number from 1 to 64; got {}",
                self.batch
            ));
        }
        if self.patience == Some(0) {
            return Err("patience must be at least 1 (or left out)".to_string());
        }
        if !(1..=1000).contains(&self.grid_points) {
            return Err(format!(
                "grid points must be from 1 to 1000; got {}",
                self.grid_points
            ));
        }
        Ok(())
    }
}

/// Why a search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    MaxEvals,
    GridDone,
    NoImprovement,
    /// The caller stopped it: a time budget or Cancel.
    Stopped,
}

impl StopReason {
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::MaxEvals => "all trials done",
            StopReason::GridDone => "every grid point tried",
            StopReason::NoImprovement => "no better trial for the patience set",
            StopReason::Stopped => "stopped",
        }
    }
}

/// Suggests the points of a search.
pub struct Suggester {
    domain: Domain,
    settings: SearchSettings,
    grid: Vec<Point>,
}

impl Suggester {
    pub fn new(domain: Domain, settings: SearchSettings) -> Suggester {
        let grid = match settings.algorithm {
            Algorithm::Grid => domain.grid(settings.grid_points, settings.max_evals),
            _ => Vec::new(),
        };
        Suggester {
            domain,
            settings,
            grid,
        }
    }

    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// Trials this search will run at most.
    pub fn planned(&self) -> usize {
        match self.settings.algorithm {
            Algorithm::Grid => self.grid.len().min(self.settings.max_evals),
            _ => self.settings.max_evals,
        }
    }

    /// The points of trials `first..first + n`, from the history of the trials before.
    pub fn batch(&self, first: usize, n: usize, history: &[Observation]) -> Vec<Point> {
        (first..(first + n).min(self.planned()))
            .map(|trial| match self.settings.algorithm {
                Algorithm::Grid => self.grid[trial].clone(),
                Algorithm::Random => self
                    .domain
                    .sample(&mut SearchRng::for_trial(self.settings.seed, trial)),
                Algorithm::Tpe => suggest(
                    &self.domain,
                    history,
                    &self.settings.tpe,
                    &mut SearchRng::for_trial(self.settings.seed, trial),
                ),
            })
            .collect()
    }
}

/// The history of a search and the best trial so far.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub observations: Vec<Observation>,
    pub best: Option<usize>,
    since_best: usize,
}

impl History {
    pub fn record(&mut self, point: Point, loss: f64) {
        let loss = if loss.is_nan() { f64::INFINITY } else { loss };
        let better = self.best.is_none_or(|b| loss < self.observations[b].loss);
        self.observations.push(Observation { point, loss });
        if better && loss.is_finite() {
            self.best = Some(self.observations.len() - 1);
            self.since_best = 0;
        } else {
            self.since_best += 1;
        }
    }

    pub fn best_loss(&self) -> Option<f64> {
        self.best.map(|b| self.observations[b].loss)
    }

    /// The best loss after each trial (the best-so-far line).
    pub fn best_so_far(&self) -> Vec<f64> {
        let mut best = f64::INFINITY;
        self.observations
            .iter()
            .map(|o| {
                best = best.min(o.loss);
                best
            })
            .collect()
    }
}

/// A search that the caller drives a batch at a time (the browser's page sends each batch
/// to its workers and waits without blocking): [`run_search`] is this loop, synchronous.
pub struct SearchLoop<'a> {
    suggester: &'a Suggester,
    settings: SearchSettings,
    history: History,
    ended: Option<StopReason>,
}

impl<'a> SearchLoop<'a> {
    pub fn new(suggester: &'a Suggester, settings: &SearchSettings) -> SearchLoop<'a> {
        SearchLoop {
            suggester,
            settings: *settings,
            history: History::default(),
            ended: None,
        }
    }

    /// The next batch's first trial number and points; `None` once the search has ended.
    pub fn next_batch(&self) -> Option<(usize, Vec<Point>)> {
        let first = self.history.observations.len();
        if self.ended.is_some() || first >= self.suggester.planned() {
            return None;
        }
        let points = self
            .suggester
            .batch(first, self.settings.batch, &self.history.observations);
        Some((first, points))
    }

    /// Records a batch's losses, in order (infinite for a failed trial). Fewer losses than
    /// points means the caller stopped. Returns why the search ended, once it has.
    pub fn record(&mut self, points: Vec<Point>, losses: &[f64]) -> Option<StopReason> {
        let stopped = losses.len() < points.len();
        for (point, &loss) in points.into_iter().zip(losses) {
            self.history.record(point, loss);
            if self
                .settings
                .patience
                .is_some_and(|p| self.history.since_best >= p)
            {
                self.ended = Some(StopReason::NoImprovement);
                return self.ended;
            }
        }
        if stopped {
            self.ended = Some(StopReason::Stopped);
        } else if self.history.observations.len() >= self.suggester.planned() {
            self.ended = Some(self.completed());
        }
        self.ended
    }

    /// Why the search ended (or will, once every planned trial is in).
    pub fn stop_reason(&self) -> StopReason {
        self.ended.unwrap_or_else(|| self.completed())
    }

    fn completed(&self) -> StopReason {
        match self.settings.algorithm {
            Algorithm::Grid if self.suggester.planned() < self.settings.max_evals => {
                StopReason::GridDone
            }
            _ => StopReason::MaxEvals,
        }
    }

    /// Trials this search will run at most.
    pub fn planned(&self) -> usize {
        self.suggester.planned()
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn into_history(self) -> History {
        self.history
    }
}

/// Runs a search: `evaluate` gets each batch of points (and the number of its first
/// trial) and returns their losses in order, infinite for a failed trial. Fewer losses
/// than points means the caller stopped (Cancel, a time budget): those are recorded and
/// the search ends.
pub fn run_search(
    suggester: &Suggester,
    settings: &SearchSettings,
    evaluate: &mut dyn FnMut(usize, &[Point]) -> Vec<f64>,
) -> (History, StopReason) {
    let mut search = SearchLoop::new(suggester, settings);
    while let Some((first, points)) = search.next_batch() {
        let losses = evaluate(first, &points);
        search.record(points, &losses);
    }
    let stop = search.stop_reason();
    (search.into_history(), stop)
}
