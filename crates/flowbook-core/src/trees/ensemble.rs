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

/// One tree in breadth-first order, node 0 the root. Parallel arrays keep prediction
/// cache-friendly; the model file stores them as columns of plain numbers ([`TreeFile`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(into = "TreeFile", try_from = "TreeFile")]
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

/// A tree as the model file holds it: a node's test as three numbers (`kind` 0 leaf,
/// 1 category, 2 below; `feature`; `condition`, the category code or the threshold, both
/// exact as `f32`), then its children, value, gain and cover. About half the size of the
/// tagged form, which matters for a thousand deep trees.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TreeFile {
    pub kind: Vec<u8>,
    pub feature: Vec<u32>,
    pub condition: Vec<f32>,
    pub left: Vec<u32>,
    pub right: Vec<u32>,
    pub value: Vec<f64>,
    pub gain: Vec<f32>,
    pub cover: Vec<f64>,
}

/// Category codes travel as `f32`, exact below 2^24.
const MAX_FILE_CODE: u32 = 1 << 24;

impl From<Tree> for TreeFile {
    fn from(tree: Tree) -> TreeFile {
        let mut file = TreeFile {
            left: tree.left,
            right: tree.right,
            value: tree.value,
            gain: tree.gain.iter().map(|&g| g as f32).collect(),
            cover: tree.cover,
            ..TreeFile::default()
        };
        for test in &tree.tests {
            let (kind, feature, condition) = match *test {
                Test::Leaf => (0, 0, 0.0),
                Test::Category { feature, code } => (1, feature, code.min(MAX_FILE_CODE) as f32),
                Test::Below { feature, threshold } => (2, feature, threshold),
            };
            file.kind.push(kind);
            file.feature.push(feature);
            file.condition.push(condition);
        }
        file
    }
}

impl TryFrom<TreeFile> for Tree {
    type Error = String;
    fn try_from(file: TreeFile) -> Result<Tree, String> {
        let n = file.kind.len();
        if file.feature.len() != n || file.condition.len() != n {
            return Err("a tree's node arrays differ in length".into());
        }
        let tests = file
            .kind
            .iter()
            .zip(&file.feature)
            .zip(&file.condition)
            .map(|((&kind, &feature), &condition)| match kind {
                0 => Ok(Test::Leaf),
                1 if condition >= 0.0
                    && condition < MAX_FILE_CODE as f32
                    && condition.fract() == 0.0 =>
                {
                    Ok(Test::Category {
                        feature,
                        code: condition as u32,
                    })
                }
                2 => Ok(Test::Below {
                    feature,
                    threshold: condition,
                }),
                _ => Err(format!("unknown node kind {kind} or category {condition}")),
            })
            .collect::<Result<Vec<Test>, String>>()?;
        Ok(Tree {
            tests,
            left: file.left,
            right: file.right,
            value: file.value,
            gain: file.gain.iter().map(|&g| f64::from(g)).collect(),
            cover: file.cover,
        })
    }
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
