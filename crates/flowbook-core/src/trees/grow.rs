//! Grows one tree level by level (XGBoost's `depthwise` policy) from per-row gradients.
//!
//! Each node owns a contiguous range of a row-index array; a split partitions its range in
//! place (stably, so rows stay in ascending order). Splits are found from the node's
//! histograms (`histogram`): after the root, of two siblings only the smaller is summed
//! from its rows and the other is its parent's histogram minus that one, as XGBoost does.
//!
//! Gains follow XGBoost to the letter: `gain(G, H) = ThresholdL1(G, α)² / (H + λ)`, a split's
//! loss change `gain(L) + gain(R) − gain(parent)` in `f32`, children need a hessian sum of
//! at least `min_child_weight`, a split needs a loss change above 1e-6 and at least `gamma`,
//! and between equal loss changes the lower one-hot column index wins.

use super::bins::ColumnCuts;
use super::ensemble::{Test, Tree};
use super::histogram::{HistogramBuilder, NodeHistogram};
use super::params::TreeParams;
use crate::features::Design;

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

/// Two children of one split, waiting together, with their parent's histogram when it had
/// at least `KEEP_HISTOGRAM_ROWS` rows and the children may be split.
struct Siblings {
    left: Open,
    right: Open,
    parent: Option<NodeHistogram>,
}

/// A node with at least this many rows keeps its histogram for its children: below it,
/// summing the larger child's rows costs about what subtracting the histograms costs with
/// the default 256 bins per number, and keeping nothing saves the memory.
pub const KEEP_HISTOGRAM_ROWS: usize = 512;

/// A leaf and the range of the row array whose rows reach it.
pub struct LeafRows {
    pub node: usize,
    pub start: usize,
    pub end: usize,
}

/// Scratch space reused from tree to tree.
pub struct Grower {
    histograms: HistogramBuilder,
    numerical_allowed: Vec<bool>,
    buffer: Vec<u32>,
}

/// What one tree's growing writes to.
struct Growing<'a> {
    tree: Tree,
    leaves: Vec<LeafRows>,
    rows: &'a mut [u32],
}

impl Grower {
    pub fn new(data: &BinnedRows) -> Grower {
        Grower {
            histograms: HistogramBuilder::new(data),
            numerical_allowed: Vec::new(),
            buffer: Vec::new(),
        }
    }

    /// Grows a tree over `rows` (reordered in place). `allowed[column]` says which one-hot
    /// columns this tree may split on. Returns the tree and where each leaf's rows are.
    /// Every row in `rows` has a positive hessian (rows out of a subsample are left out,
    /// not given a hessian of 0): a bin without hessian is then a bin without rows.
    pub fn grow(
        &mut self,
        data: &BinnedRows,
        params: &TreeParams,
        grad: &[f64],
        hess: &[f64],
        rows: &mut [u32],
        allowed: &[bool],
    ) -> (Tree, Vec<LeafRows>) {
        let first_numerical = data.block_sizes.iter().sum::<usize>();
        self.numerical_allowed.clear();
        self.numerical_allowed.extend(
            (0..data.bins.len())
                .map(|j| allowed.get(first_numerical + j).copied().unwrap_or(false)),
        );
        debug_assert!(rows.iter().all(|&r| hess[r as usize] > 0.0));
        let (g, h) = rows.iter().fold((0.0, 0.0), |(g, h), &r| {
            (g + grad[r as usize], h + hess[r as usize])
        });
        let n_rows = rows.len();
        let mut growing = Growing {
            tree: Tree::default(),
            leaves: Vec::new(),
            rows,
        };
        push_node(
            &mut growing.tree,
            leaf_weight(g, h, params) * params.learning_rate,
            h,
        );
        let root = Open {
            node: 0,
            start: 0,
            end: n_rows,
            g,
            h,
            depth: 0,
        };
        let mut level = Vec::new();
        if let Some(histogram) = self.histogram_of(data, params, grad, hess, &growing, &root) {
            self.split_or_leaf(
                data,
                params,
                allowed,
                &mut growing,
                root,
                histogram,
                &mut level,
            );
        } else {
            growing.leaves.push(leaf_rows(&root));
        }
        while !level.is_empty() {
            let mut next = Vec::with_capacity(level.len() * 2);
            for Siblings {
                left,
                right,
                parent,
            } in level
            {
                // Both siblings have the same depth: at the deepest, neither is split.
                if left.depth >= params.max_depth {
                    growing.leaves.push(leaf_rows(&left));
                    growing.leaves.push(leaf_rows(&right));
                    if let Some(parent) = parent {
                        self.histograms.recycle(parent);
                    }
                    continue;
                }
                let (left_histogram, right_histogram) = match parent {
                    Some(parent) => {
                        // XGBoost's rule: sum the child with the smaller hessian sum, the
                        // left one on a tie.
                        let small_is_left = left.h <= right.h;
                        let small = if small_is_left { &left } else { &right };
                        let small_rows = &growing.rows[small.start..small.end];
                        let (small, other) = self
                            .histograms
                            .build_and_subtract(data, grad, hess, small_rows, parent);
                        if small_is_left {
                            (small, other)
                        } else {
                            (other, small)
                        }
                    }
                    None => {
                        let left_rows = &growing.rows[left.start..left.end];
                        let right_rows = &growing.rows[right.start..right.end];
                        let allowed = &self.numerical_allowed;
                        (
                            self.histograms.build(data, grad, hess, left_rows, allowed),
                            self.histograms.build(data, grad, hess, right_rows, allowed),
                        )
                    }
                };
                self.split_or_leaf(
                    data,
                    params,
                    allowed,
                    &mut growing,
                    left,
                    left_histogram,
                    &mut next,
                );
                self.split_or_leaf(
                    data,
                    params,
                    allowed,
                    &mut growing,
                    right,
                    right_histogram,
                    &mut next,
                );
            }
            level = next;
        }
        (growing.tree, growing.leaves)
    }

    /// The histogram of `open`'s rows, or `None` when it is too deep to be split.
    fn histogram_of(
        &mut self,
        data: &BinnedRows,
        params: &TreeParams,
        grad: &[f64],
        hess: &[f64],
        growing: &Growing,
        open: &Open,
    ) -> Option<NodeHistogram> {
        (open.depth < params.max_depth).then(|| {
            let rows = &growing.rows[open.start..open.end];
            self.histograms
                .build(data, grad, hess, rows, &self.numerical_allowed)
        })
    }

    /// Splits `open` on its best split if it has one worth taking (its children join
    /// `next`), or makes it a leaf.
    #[allow(clippy::too_many_arguments)]
    fn split_or_leaf(
        &mut self,
        data: &BinnedRows,
        params: &TreeParams,
        allowed: &[bool],
        growing: &mut Growing,
        open: Open,
        histogram: NodeHistogram,
        next: &mut Vec<Siblings>,
    ) {
        let split = best_split(data, params, &histogram, open.g, open.h, allowed).filter(|s| {
            let right_h = open.h - s.left_h;
            s.loss_change > MIN_LOSS_CHANGE
                && f64::from(s.loss_change) >= params.gamma
                && s.left_h != 0.0
                && right_h != 0.0
        });
        let Some(split) = split else {
            growing.leaves.push(leaf_rows(&open));
            self.histograms.recycle(histogram);
            return;
        };
        let n_left = self.partition(data, &split, &mut growing.rows[open.start..open.end]);
        let (right_g, right_h) = (open.g - split.left_g, open.h - split.left_h);
        let tree = &mut growing.tree;
        let left = push_node(
            tree,
            leaf_weight(split.left_g, split.left_h, params) * params.learning_rate,
            split.left_h,
        );
        let right = push_node(
            tree,
            leaf_weight(right_g, right_h, params) * params.learning_rate,
            right_h,
        );
        tree.tests[open.node] = split.test;
        tree.left[open.node] = left as u32;
        tree.right[open.node] = right as u32;
        tree.gain[open.node] = f64::from(split.loss_change);
        let children_split = open.depth + 1 < params.max_depth;
        let parent = if children_split && open.end - open.start >= KEEP_HISTOGRAM_ROWS {
            Some(histogram)
        } else {
            self.histograms.recycle(histogram);
            None
        };
        let middle = open.start + n_left;
        next.push(Siblings {
            left: Open {
                node: left,
                start: open.start,
                end: middle,
                g: split.left_g,
                h: split.left_h,
                depth: open.depth + 1,
            },
            right: Open {
                node: right,
                start: middle,
                end: open.end,
                g: right_g,
                h: right_h,
                depth: open.depth + 1,
            },
            parent,
        });
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

/// The best split of a node from its histogram, by XGBoost's loss change and tie rule.
fn best_split(
    data: &BinnedRows,
    params: &TreeParams,
    histogram: &NodeHistogram,
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
    for (feature, sums) in histogram.categories.iter().enumerate() {
        for sum in sums {
            let column = offset + sum.code as usize;
            if allowed.get(column).copied().unwrap_or(false) {
                let test = Test::Category {
                    feature: feature as u32,
                    code: sum.code,
                };
                consider(sum.g, sum.h, column, test, 0);
            }
        }
        offset += data.block_sizes.get(feature).copied().unwrap_or(0);
    }
    for (feature, (bin_g, bin_h)) in histogram.bin_g.iter().zip(&histogram.bin_h).enumerate() {
        let cuts = &data.cuts[feature].cuts;
        let (mut left_g, mut left_h) = (0.0, 0.0);
        for (b, (&threshold, (&bin_g, &bin_h))) in
            cuts.iter().zip(bin_g.iter().zip(bin_h)).enumerate()
        {
            // A bin without hessian has no rows (see `grow`) and leaves the left sums as
            // they were: its split would tie with the one before it, which the tie rule
            // keeps. Skipping it spares the gains of a small node's many empty bins, and
            // drops the rounding residue a subtracted histogram leaves in them.
            if bin_h == 0.0 {
                continue;
            }
            left_g += bin_g;
            left_h += bin_h;
            let test = Test::Below {
                feature: feature as u32,
                threshold,
            };
            consider(left_g, left_h, offset + feature, test, b as u16);
        }
    }
    best
}

fn leaf_rows(open: &Open) -> LeafRows {
    LeafRows {
        node: open.node,
        start: open.start,
        end: open.end,
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
