//! Trained trees and their predictions on encoded rows.
//!
//! A split reads one input feature: a categorical feature's split sends the rows of one
//! category left and every other row (an unseen category included) right, which is what a
//! split on that category's one-hot column does in XGBoost (present left, missing right);
//! a numerical split sends a row left when its value, as `f32`, is below the threshold.

use serde::{Deserialize, Serialize};

use crate::features::Design;

/// A node's test, or `Leaf`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "test", rename_all = "snake_case")]
pub enum Test {
    Leaf,
    /// Left when categorical feature `feature` has category code `code`.
    Category {
        feature: u32,
        code: u32,
    },
    /// Left when numerical feature `feature` is below `threshold` (NaN goes right).
    Below {
        feature: u32,
        threshold: f32,
    },
}

/// One tree in breadth-first order, node 0 the root. Parallel arrays keep the model file
/// small and prediction cache-friendly.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Tree {
    pub tests: Vec<Test>,
    pub left: Vec<u32>,
    pub right: Vec<u32>,
    /// A leaf's contribution (learning rate applied); an inner node's own weight.
    pub value: Vec<f64>,
    /// Loss reduction of the node's split (0 for leaves), for feature importance.
    pub gain: Vec<f64>,
    /// Hessian sum (row count) that reached the node in training.
    pub cover: Vec<f64>,
}

impl Tree {
    pub fn len(&self) -> usize {
        self.tests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tests.is_empty()
    }

    pub fn n_leaves(&self) -> usize {
        self.tests
            .iter()
            .filter(|t| matches!(t, Test::Leaf))
            .count()
    }

    /// The leaf a row reaches; `codes` and `numeric` are the row's encoded features.
    pub fn leaf(&self, codes: &[u32], numeric: &[f64]) -> usize {
        let mut node = 0usize;
        loop {
            let go_left = match self.tests.get(node) {
                None | Some(Test::Leaf) => return node,
                Some(&Test::Category { feature, code }) => {
                    codes.get(feature as usize).copied() == Some(code)
                }
                Some(&Test::Below { feature, threshold }) => numeric
                    .get(feature as usize)
                    .is_some_and(|&v| (v as f32) < threshold),
            };
            let next = if go_left {
                self.left.get(node)
            } else {
                self.right.get(node)
            };
            match next {
                Some(&child) if child as usize > node => node = child as usize,
                // A malformed file (a child that does not come later) ends the walk.
                _ => return node,
            }
        }
    }

    pub fn predict_row(&self, codes: &[u32], numeric: &[f64]) -> f64 {
        self.value
            .get(self.leaf(codes, numeric))
            .copied()
            .unwrap_or(0.0)
    }

    /// Structure checks for a model read from a file: parallel arrays of one length and
    /// children that come after their parent, so a walk always ends at a leaf.
    pub fn check(&self, n_categorical: usize, n_numerical: usize) -> Result<(), String> {
        let n = self.tests.len();
        if n == 0 {
            return Err("a tree has no nodes".into());
        }
        if [
            self.left.len(),
            self.right.len(),
            self.value.len(),
            self.gain.len(),
            self.cover.len(),
        ]
        .iter()
        .any(|&len| len != n)
        {
            return Err("a tree's node arrays differ in length".into());
        }
        for (i, test) in self.tests.iter().enumerate() {
            let in_range = match *test {
                Test::Leaf => continue,
                Test::Category { feature, .. } => (feature as usize) < n_categorical,
                Test::Below { feature, .. } => (feature as usize) < n_numerical,
            };
            if !in_range {
                return Err(format!("node {i} tests a feature the model does not have"));
            }
            let (l, r) = (self.left[i] as usize, self.right[i] as usize);
            if l <= i || r <= i || l >= n || r >= n {
                return Err(format!("node {i} has children out of order"));
            }
        }
        Ok(())
    }
}

/// The boosted model: a base score plus the sum of the trees' leaves.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TreeEnsemble {
    pub base_score: f64,
    pub trees: Vec<Tree>,
}

impl TreeEnsemble {
    pub fn predict_row(&self, codes: &[u32], numeric: &[f64]) -> f64 {
        self.base_score
            + self
                .trees
                .iter()
                .map(|tree| tree.predict_row(codes, numeric))
                .sum::<f64>()
    }

    pub fn predict(&self, design: &Design) -> Vec<f64> {
        (0..design.n_rows)
            .map(|i| self.predict_row(design.row_codes(i), design.row_numeric(i)))
            .collect()
    }

    pub fn n_nodes(&self) -> usize {
        self.trees.iter().map(Tree::len).sum()
    }
}
