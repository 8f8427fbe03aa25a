//! Grows one tree level by level (XGBoost's `depthwise` policy) from per-row gradients.
//!
//! Each node owns a contiguous range of a row-index array; a split partitions its range in
//! place (stably, so rows stay in ascending order). A categorical feature's histogram is a
//! sum per category present in the node, gathered in one pass over the node's rows, so a
//! 13,221-category PU_DO costs as much per node as a numerical column: memory and time do
//! not grow with the number of one-hot columns, unlike a dense binned matrix.
//!
//! Gains follow XGBoost to the letter: `gain(G, H) = ThresholdL1(G, α)² / (H + λ)`, a split's
//! loss change `gain(L) + gain(R) − gain(parent)` in `f32`, children need a hessian sum of
//! at least `min_child_weight`, a split needs a loss change above 1e-6 and at least `gamma`,
//! and between equal loss changes the lower one-hot column index wins.

use super::bins::ColumnCuts;
use super::ensemble::{Test, Tree};
use super::params::TreeParams;
use crate::features::{Design, UNSEEN};

/// XGBoost's `kRtEps`: a split must reduce the loss by more than this.
const MIN_LOSS_CHANGE: f32 = 1e-6;

/// The training rows as the grower reads them: column-major category codes and bins.
pub struct BinnedRows {
    pub n_rows: usize,
    /// Per categorical feature, the code of each row.
    pub codes: Vec<Vec<u32>>,
    /// Categories per categorical feature (its one-hot columns).
    pub block_sizes: Vec<usize>,
    /// Per numerical feature, the bin of each row.
    pub bins: Vec<Vec<u16>>,
    pub cuts: Vec<ColumnCuts>,
}

impl BinnedRows {
    pub fn new(design: &Design, block_sizes: &[usize], max_bin: usize) -> BinnedRows {
        let n = design.n_rows;
        let codes = (0..design.n_categorical)
            .map(|f| (0..n).map(|i| design.row_codes(i)[f]).collect())
            .collect();
        let cuts: Vec<ColumnCuts> = (0..design.n_numerical)
            .map(|j| ColumnCuts::from_values((0..n).map(|i| design.row_numeric(i)[j]), max_bin))
            .collect();
        let bins = cuts
            .iter()
            .enumerate()
            .map(|(j, cuts)| (0..n).map(|i| cuts.bin(design.row_numeric(i)[j])).collect())
            .collect();
        BinnedRows {
            n_rows: n,
            codes,
            block_sizes: block_sizes.to_vec(),
            bins,
            cuts,
        }
    }

    /// One-hot columns in all: the categories, then one per numerical feature.
    pub fn n_columns(&self) -> usize {
        self.block_sizes.iter().sum::<usize>() + self.bins.len()
    }
}

fn threshold_l1(g: f64, alpha: f64) -> f64 {
    if g > alpha {
        g - alpha
    } else if g < -alpha {
        g + alpha
    } else {
        0.0
    }
}

/// XGBoost's `CalcGain` without constraints, rounded to `f32` as XGBoost returns it.
fn gain(g: f64, h: f64, params: &TreeParams) -> f32 {
    if h <= 0.0 {
        return 0.0;
    }
    let t = threshold_l1(g, params.reg_alpha);
    (t * t / (h + params.reg_lambda)) as f32
}

/// XGBoost's `CalcWeight`: the leaf value before the learning rate.
pub fn leaf_weight(g: f64, h: f64, params: &TreeParams) -> f64 {
    if h < params.min_child_weight || h <= 0.0 {
        return 0.0;
    }
    -threshold_l1(g, params.reg_alpha) / (h + params.reg_lambda)
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    loss_change: f32,
    /// The one-hot column index, for XGBoost's tie rule.
    column: usize,
    test: Test,
    /// Numerical splits: rows in bins up to this one go left.
    split_bin: u16,
    left_g: f64,
    left_h: f64,
}

impl Candidate {
    fn beats(&self, other: &Option<Candidate>) -> bool {
        match other {
            None => true,
            Some(best) => {
                self.loss_change > best.loss_change
                    || (self.loss_change == best.loss_change && self.column < best.column)
            }
        }
    }
}

/// A node waiting to be split: its rows are `rows[start..end]`.
struct Open {
    node: usize,
    start: usize,
    end: usize,
    g: f64,
    h: f64,
    depth: u32,
}

/// A leaf and the range of the row array whose rows reach it.
pub struct LeafRows {
    pub node: usize,
    pub start: usize,
    pub end: usize,
}

/// Scratch space reused from tree to tree.
pub struct Grower {
    category_g: Vec<f64>,
    category_h: Vec<f64>,
    category_n: Vec<u32>,
    touched: Vec<u32>,
    bin_g: Vec<f64>,
    bin_h: Vec<f64>,
    buffer: Vec<u32>,
}

impl Grower {
    pub fn new(data: &BinnedRows) -> Grower {
        let widest_block = data.block_sizes.iter().copied().max().unwrap_or(0);
        let widest_bins = data.cuts.iter().map(ColumnCuts::n_bins).max().unwrap_or(0);
        Grower {
            category_g: vec![0.0; widest_block],
            category_h: vec![0.0; widest_block],
            category_n: vec![0; widest_block],
            touched: Vec::new(),
            bin_g: vec![0.0; widest_bins],
            bin_h: vec![0.0; widest_bins],
            buffer: Vec::new(),
        }
    }

    /// Grows a tree over `rows` (reordered in place). `allowed[column]` says which one-hot
    /// columns this tree may split on. Returns the tree and where each leaf's rows are.
    pub fn grow(
        &mut self,
        data: &BinnedRows,
        params: &TreeParams,
        grad: &[f64],
        hess: &[f64],
        rows: &mut [u32],
        allowed: &[bool],
    ) -> (Tree, Vec<LeafRows>) {
        let mut tree = Tree::default();
        let mut leaves = Vec::new();
        let (g, h) = rows.iter().fold((0.0, 0.0), |(g, h), &r| {
            (g + grad[r as usize], h + hess[r as usize])
        });
        push_node(
            &mut tree,
            leaf_weight(g, h, params) * params.learning_rate,
            h,
        );
        let mut level = vec![Open {
            node: 0,
            start: 0,
            end: rows.len(),
            g,
            h,
            depth: 0,
        }];
        while !level.is_empty() {
            let mut next = Vec::with_capacity(level.len() * 2);
            for open in level {
                let node_rows = &rows[open.start..open.end];
                let split = if open.depth < params.max_depth {
                    self.best_split(data, params, grad, hess, node_rows, open.g, open.h, allowed)
                } else {
                    None
                };
                let Some(split) = split.filter(|s| {
                    let right_h = open.h - s.left_h;
                    s.loss_change > MIN_LOSS_CHANGE
                        && f64::from(s.loss_change) >= params.gamma
                        && s.left_h != 0.0
                        && right_h != 0.0
                }) else {
                    leaves.push(LeafRows {
                        node: open.node,
                        start: open.start,
                        end: open.end,
                    });
                    continue;
                };
                let n_left = self.partition(data, &split, &mut rows[open.start..open.end]);
                let (right_g, right_h) = (open.g - split.left_g, open.h - split.left_h);
                let left = push_node(
                    &mut tree,
                    leaf_weight(split.left_g, split.left_h, params) * params.learning_rate,
                    split.left_h,
                );
                let right = push_node(
                    &mut tree,
                    leaf_weight(right_g, right_h, params) * params.learning_rate,
                    right_h,
                );
                tree.tests[open.node] = split.test;
                tree.left[open.node] = left as u32;
                tree.right[open.node] = right as u32;
                tree.gain[open.node] = f64::from(split.loss_change);
                let middle = open.start + n_left;
                next.push(Open {
                    node: left,
                    start: open.start,
                    end: middle,
                    g: split.left_g,
                    h: split.left_h,
                    depth: open.depth + 1,
                });
                next.push(Open {
                    node: right,
                    start: middle,
                    end: open.end,
                    g: right_g,
                    h: right_h,
                    depth: open.depth + 1,
                });
            }
            level = next;
        }
        (tree, leaves)
    }

    #[allow(clippy::too_many_arguments)]
    fn best_split(
        &mut self,
        data: &BinnedRows,
        params: &TreeParams,
        grad: &[f64],
        hess: &[f64],
        rows: &[u32],
        g: f64,
        h: f64,
        allowed: &[bool],
    ) -> Option<Candidate> {
        let parent_gain = gain(g, h, params);
        let mcw = params.min_child_weight;
        let mut best: Option<Candidate> = None;
        let mut consider = |left_g: f64, left_h: f64, column: usize, test: Test, split_bin: u16| {
            let (right_g, right_h) = (g - left_g, h - left_h);
            if left_h < mcw || right_h < mcw {
                return;
            }
            let loss_change =
                (gain(left_g, left_h, params) + gain(right_g, right_h, params)) - parent_gain;
            let candidate = Candidate {
                loss_change,
                column,
                test,
                split_bin,
                left_g,
                left_h,
            };
            if candidate.beats(&best) {
                best = Some(candidate);
            }
        };
        let mut offset = 0;
        for (feature, codes) in data.codes.iter().enumerate() {
            for &r in rows {
                let code = codes[r as usize];
                if code == UNSEEN {
                    continue;
                }
                let c = code as usize;
                if self.category_n[c] == 0 {
                    self.touched.push(code);
                }
                self.category_n[c] += 1;
                self.category_g[c] += grad[r as usize];
                self.category_h[c] += hess[r as usize];
            }
            for &code in &self.touched {
                let c = code as usize;
                if allowed.get(offset + c).copied().unwrap_or(false) {
                    let test = Test::Category {
                        feature: feature as u32,
                        code,
                    };
                    consider(self.category_g[c], self.category_h[c], offset + c, test, 0);
                }
                self.category_n[c] = 0;
                self.category_g[c] = 0.0;
                self.category_h[c] = 0.0;
            }
            self.touched.clear();
            offset += data.block_sizes.get(feature).copied().unwrap_or(0);
        }
        for (feature, bins) in data.bins.iter().enumerate() {
            let column = offset + feature;
            if !allowed.get(column).copied().unwrap_or(false) {
                continue;
            }
            let cuts = &data.cuts[feature].cuts;
            let n_bins = cuts.len();
            self.bin_g[..n_bins].fill(0.0);
            self.bin_h[..n_bins].fill(0.0);
            for &r in rows {
                let b = bins[r as usize] as usize;
                self.bin_g[b] += grad[r as usize];
                self.bin_h[b] += hess[r as usize];
            }
            let (mut left_g, mut left_h) = (0.0, 0.0);
            for (b, &threshold) in cuts.iter().enumerate() {
                left_g += self.bin_g[b];
                left_h += self.bin_h[b];
                let test = Test::Below {
                    feature: feature as u32,
                    threshold,
                };
                consider(left_g, left_h, column, test, b as u16);
            }
        }
        best
    }

    /// Moves the rows that go left to the front (keeping order); returns how many.
    fn partition(&mut self, data: &BinnedRows, split: &Candidate, rows: &mut [u32]) -> usize {
        let goes_left = |r: u32| match split.test {
            Test::Category { feature, code } => data.codes[feature as usize][r as usize] == code,
            Test::Below { feature, .. } => {
                data.bins[feature as usize][r as usize] <= split.split_bin
            }
            Test::Leaf => false,
        };
        self.buffer.clear();
        let mut n_left = 0;
        for i in 0..rows.len() {
            let r = rows[i];
            if goes_left(r) {
                rows[n_left] = r;
                n_left += 1;
            } else {
                self.buffer.push(r);
            }
        }
        rows[n_left..].copy_from_slice(&self.buffer);
        n_left
    }
}

fn push_node(tree: &mut Tree, value: f64, cover: f64) -> usize {
    tree.tests.push(Test::Leaf);
    tree.left.push(0);
    tree.right.push(0);
    tree.value.push(value);
    tree.gain.push(0.0);
    tree.cover.push(cover);
    tree.tests.len() - 1
}
