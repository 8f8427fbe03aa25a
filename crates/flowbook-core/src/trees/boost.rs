//! The boosting loop: squared-error gradients, one tree per round, the learning curve on
//! both sets, early stopping on the validation RMSE, row and column sampling.

use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::ensemble::{Tree, TreeEnsemble};
use super::grow::{BinnedRows, Grower, KEEP_HISTOGRAM_ROWS};
use super::histogram::SPARE_SUMS_PER_ROW;
use super::params::TreeParams;
use super::TreeError;
use crate::features::Design;

/// Bytes one tree node takes in memory (test, children, value, gain, cover).
pub const NODE_BYTES: u64 = 44;
/// What one training may hold: a browser tab's wasm memory is 4 GiB at most, and the
/// page, the data and the model's copies for storage need their share.
pub const MEMORY_LIMIT_BYTES: u64 = 1536 << 20;

/// The working set of a training: per training row its gradient, hessian, prediction,
/// the trees' sum and its copy at the best round, row indices, sample flag, codes and
/// bins; per validation row its prediction, sum and best sum; the category scratch; the
/// histograms kept for the subtraction (two levels' worth: per row and categorical
/// feature at most one category sum of 24 bytes each, and the bins of one node per
/// `KEEP_HISTOGRAM_ROWS` rows); the histograms kept for reuse (`SPARE_SUMS_PER_ROW`
/// category sums per row and categorical feature, and as many nodes' bins again).
pub fn working_set_bytes(
    train: &Design,
    validation: &Design,
    block_sizes: &[usize],
    max_bin: u32,
) -> u64 {
    let per_row = 5 * 8 + 2 * 4 + 1 + 4 * train.n_categorical as u64 + 2 * train.n_numerical as u64;
    let kept_per_row = (2 + SPARE_SUMS_PER_ROW as u64) * 24 * train.n_categorical as u64;
    let widest = block_sizes.iter().copied().max().unwrap_or(0) as u64;
    let bins = u64::from(max_bin) * 16 * train.n_numerical.max(1) as u64;
    let kept_bins = 2 * (2 * train.n_rows / KEEP_HISTOGRAM_ROWS + 2) as u64 * bins;
    train.n_rows as u64 * (per_row + kept_per_row)
        + validation.n_rows as u64 * 3 * 8
        + widest * 20
        + kept_bins
}

fn too_large(estimate: u64) -> TreeError {
    TreeError::TooLarge {
        estimate_mb: estimate >> 20,
        limit_mb: MEMORY_LIMIT_BYTES >> 20,
        advice:
            "lower max_depth or num_boost_round, raise min_child_weight, or train on fewer rows"
                .to_string(),
    }
}

/// One boosting round's RMSE on both sets (the learning curve's point at `round`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Round {
    /// 0-based, as XGBoost counts iterations.
    pub round: u32,
    pub train_rmse: f64,
    pub val_rmse: f64,
    /// Nodes of this round's tree.
    pub nodes: u32,
}

/// What boosting produced: the model (cut at the best round when early stopping is on)
/// and every round's RMSE, including the rounds after the best one.
#[derive(Debug, Clone, PartialEq)]
pub struct Boosted {
    pub ensemble: TreeEnsemble,
    pub curve: Vec<Round>,
    pub best_iteration: u32,
    pub stopped_early: bool,
    /// The model's predictions on the training and validation rows, summed as
    /// `TreeEnsemble::predict` sums them (the base score plus the trees' sum), so the
    /// same numbers to the last bit without walking every tree again for every row.
    pub train_predictions: Vec<f64>,
    pub val_predictions: Vec<f64>,
}

/// Each row's sum of the trees so far, as `TreeEnsemble::predict_row` adds them (the
/// boosting's own predictions start from the base score, which rounds differently).
#[derive(Default)]
struct TreeSums {
    train: Vec<f64>,
    validation: Vec<f64>,
}

impl TreeSums {
    /// The base score plus each row's sum: the ensemble's predictions.
    fn predictions(self, base_score: f64) -> (Vec<f64>, Vec<f64>) {
        let add_base = |sums: Vec<f64>| sums.into_iter().map(|sum| base_score + sum).collect();
        (add_base(self.train), add_base(self.validation))
    }
}

/// SplitMix64: a tiny, well-mixed generator whose sequence is the same on every target,
/// so one seed gives one model natively and in the browser.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }
}

fn rmse(actual: &[f64], predicted: &[f64]) -> f64 {
    if actual.is_empty() {
        return f64::NAN;
    }
    let sse: f64 = actual
        .iter()
        .zip(predicted)
        .map(|(y, p)| (y - p) * (y - p))
        .sum();
    (sse / actual.len() as f64).sqrt()
}

/// Which one-hot columns a tree may use: all, or `colsample_bytree` of them drawn
/// without replacement (at least one).
fn sample_columns(rng: &mut SplitMix64, n_columns: usize, share: f64, allowed: &mut Vec<bool>) {
    allowed.clear();
    if share >= 1.0 {
        allowed.resize(n_columns, true);
        return;
    }
    allowed.resize(n_columns, false);
    let keep = ((share * n_columns as f64) as usize).clamp(1, n_columns.max(1));
    let mut order: Vec<u32> = (0..n_columns as u32).collect();
    for i in 0..keep.min(n_columns) {
        let j = i + rng.below(n_columns - i);
        order.swap(i, j);
        allowed[order[i] as usize] = true;
    }
}

/// Boosts `params.num_boost_round` trees on `train`, scoring `validation` after each.
/// `on_round` sees every round and may stop the training: `Ok(None)` means it did, and
/// nothing is returned, as a cancelled training records nothing.
pub fn boost(
    train: &Design,
    validation: &Design,
    block_sizes: &[usize],
    params: &TreeParams,
    on_round: &mut dyn FnMut(&Round) -> ControlFlow<()>,
) -> Result<Option<Boosted>, TreeError> {
    params.validate()?;
    // Checked before binning too, so that a training too large allocates nothing.
    let working_set = working_set_bytes(train, validation, block_sizes, params.max_bin);
    if working_set > MEMORY_LIMIT_BYTES {
        return Err(too_large(working_set));
    }
    let data = BinnedRows::new(train, block_sizes, params.max_bin as usize);
    boost_binned(train, validation, &data, params, on_round)
}

/// `boost` on rows already binned with `params.max_bin` bins (a search's trials share them).
pub fn boost_binned(
    train: &Design,
    validation: &Design,
    data: &BinnedRows,
    params: &TreeParams,
    on_round: &mut dyn FnMut(&Round) -> ControlFlow<()>,
) -> Result<Option<Boosted>, TreeError> {
    params.validate()?;
    if train.n_rows == 0 {
        return Err(TreeError::NoRows);
    }
    if params.early_stopping_rounds.is_some() && validation.n_rows == 0 {
        return Err(TreeError::Parameter {
            field: "early_stopping_rounds",
            message: "early stopping needs validation rows; the validation set has none"
                .to_string(),
        });
    }
    let working_set = working_set_bytes(train, validation, &data.block_sizes, params.max_bin);
    if working_set > MEMORY_LIMIT_BYTES {
        return Err(too_large(working_set));
    }
    let mut model_bytes = 0u64;
    let mut grower = Grower::new(data);
    let base_score = train.target.iter().sum::<f64>() / train.n_rows as f64;
    let mut train_pred = vec![base_score; train.n_rows];
    let mut val_pred = vec![base_score; validation.n_rows];
    let mut sums = TreeSums {
        train: vec![0.0; train.n_rows],
        validation: vec![0.0; validation.n_rows],
    };
    // The sums at the best round, kept only when early stopping cuts the model there.
    let mut best_sums: Option<TreeSums> = None;
    let mut grad = vec![0.0; train.n_rows];
    // Squared error: the hessian is 1 for every row in the tree (0 leaves a row out).
    let mut hess = vec![1.0; train.n_rows];
    let mut rng = SplitMix64(params.seed);
    let mut rows: Vec<u32> = Vec::with_capacity(train.n_rows);
    let mut in_tree = vec![true; train.n_rows];
    let mut allowed = Vec::new();
    let mut trees: Vec<Tree> = Vec::new();
    let mut curve = Vec::new();
    let (mut best_iteration, mut best_val) = (0u32, f64::INFINITY);
    let mut stopped_early = false;
    for round in 0..params.num_boost_round {
        for ((g, &p), &y) in grad.iter_mut().zip(&train_pred).zip(&train.target) {
            *g = p - y;
        }
        rows.clear();
        if params.subsample < 1.0 {
            for (i, (inside, h)) in in_tree.iter_mut().zip(hess.iter_mut()).enumerate() {
                *inside = rng.next_f64() < params.subsample;
                *h = if *inside { 1.0 } else { 0.0 };
                if *inside {
                    rows.push(i as u32);
                }
            }
        } else {
            rows.extend(0..train.n_rows as u32);
        }
        sample_columns(
            &mut rng,
            data.n_columns(),
            params.colsample_bytree,
            &mut allowed,
        );
        let (tree, leaves) = grower.grow(data, params, &grad, &hess, &mut rows, &allowed);
        for leaf in &leaves {
            let value = tree.value[leaf.node];
            for &r in &rows[leaf.start..leaf.end] {
                train_pred[r as usize] += value;
                sums.train[r as usize] += value;
            }
        }
        if params.subsample < 1.0 {
            for (i, _) in in_tree.iter().enumerate().filter(|(_, inside)| !**inside) {
                let value = tree.predict_row(train.row_codes(i), train.row_numeric(i));
                train_pred[i] += value;
                sums.train[i] += value;
            }
        }
        for (i, (p, sum)) in val_pred.iter_mut().zip(&mut sums.validation).enumerate() {
            let value = tree.predict_row(validation.row_codes(i), validation.row_numeric(i));
            *p += value;
            *sum += value;
        }
        // The trees so far, and as many again for each round to come at this round's size.
        model_bytes += tree.len() as u64 * NODE_BYTES;
        let projected = working_set
            + model_bytes
            + tree.len() as u64 * NODE_BYTES * u64::from(params.num_boost_round - round - 1);
        if working_set + model_bytes > MEMORY_LIMIT_BYTES {
            return Err(too_large(projected));
        }
        let point = Round {
            round,
            train_rmse: rmse(&train.target, &train_pred),
            val_rmse: rmse(&validation.target, &val_pred),
            nodes: tree.len() as u32,
        };
        trees.push(tree);
        curve.push(point);
        if on_round(&point).is_break() {
            return Ok(None);
        }
        if point.val_rmse < best_val || round == 0 {
            best_val = point.val_rmse;
            best_iteration = round;
            if params.early_stopping_rounds.is_some() {
                let best = best_sums.get_or_insert_with(TreeSums::default);
                best.train.clone_from(&sums.train);
                best.validation.clone_from(&sums.validation);
            }
        } else if let Some(patience) = params.early_stopping_rounds {
            if round - best_iteration >= patience {
                stopped_early = true;
                break;
            }
        }
    }
    if params.early_stopping_rounds.is_some() {
        trees.truncate(best_iteration as usize + 1);
    } else {
        best_iteration = params.num_boost_round - 1;
    }
    let (train_predictions, val_predictions) = best_sums.unwrap_or(sums).predictions(base_score);
    Ok(Some(Boosted {
        ensemble: TreeEnsemble { base_score, trees },
        curve,
        best_iteration,
        stopped_early,
        train_predictions,
        val_predictions,
    }))
}
