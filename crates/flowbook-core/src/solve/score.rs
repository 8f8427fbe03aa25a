//! A linear solution's metrics over a design's rows, fast enough for a search that
//! scores a thousand solutions against the same rows.
//!
//! The figures are `RegressionMetrics::of_target` over `row_predictions`, to the last
//! bit: each row's prediction adds the same terms in the same order, and the rows are
//! summed in the same order. What changes is the work per row. The generic predictor
//! loops over a row's blocks, looks each code up in the coefficient vector and checks
//! for an unseen category; here the common shapes (one to four categorical blocks, at
//! most one number) are compiled with their loops unrolled, and each block's codes
//! index a table whose extra last slot holds 0.0 for an unseen category. Adding that
//! 0.0 instead of skipping the term can only turn a prediction of -0.0 into +0.0, and
//! `y - p`, squared or absolute, is the same for both.

use crate::features::Design;
use crate::metrics::{RegressionMetrics, TargetSums};

use super::gram::Layout;
use super::linfa_api::row_predictions;

/// The metrics of `intercept + coefficients` on every row of `design`.
pub fn score_rows(
    layout: &Layout,
    intercept: f64,
    coefficients: &[f64],
    design: &Design,
    target: &TargetSums,
) -> RegressionMetrics {
    let table = CodeTable::new(layout, coefficients);
    // The shapes below have at most one number: its coefficient.
    let w = coefficients
        .get(layout.numeric_offset())
        .copied()
        .unwrap_or(0.0);
    let rows = design.n_rows;
    let well_formed = layout.block_sizes.len() == design.n_categorical
        && design.codes.len() == rows * design.n_categorical
        && design.numeric.len() == rows * design.n_numerical
        && design.target.len() == rows;
    let shaped = Shaped {
        table: &table,
        intercept,
        w,
        design,
        target,
    };
    match (well_formed, design.n_categorical, design.n_numerical) {
        (true, 1, 0) => shaped.score::<1, 0>(),
        (true, 2, 0) => shaped.score::<2, 0>(),
        (true, 3, 0) => shaped.score::<3, 0>(),
        (true, 4, 0) => shaped.score::<4, 0>(),
        (true, 1, 1) => shaped.score::<1, 1>(),
        (true, 2, 1) => shaped.score::<2, 1>(),
        (true, 3, 1) => shaped.score::<3, 1>(),
        (true, 4, 1) => shaped.score::<4, 1>(),
        _ => RegressionMetrics::of_target(
            target,
            &design.target,
            row_predictions(layout, intercept, coefficients, design),
        ),
    }
}

/// Each block's coefficients followed by a 0.0 for its unseen category.
struct CodeTable {
    values: Vec<f64>,
    /// Where each block starts in `values`, and its number of categories.
    blocks: Vec<(usize, usize)>,
}

impl CodeTable {
    fn new(layout: &Layout, coefficients: &[f64]) -> CodeTable {
        let mut values = Vec::with_capacity(layout.numeric_offset() + layout.block_sizes.len());
        let mut blocks = Vec::with_capacity(layout.block_sizes.len());
        let mut offset = 0;
        for &size in &layout.block_sizes {
            blocks.push((values.len(), size));
            values.extend(
                (offset..offset + size).map(|c| coefficients.get(c).copied().unwrap_or(0.0)),
            );
            values.push(0.0);
            offset += size;
        }
        CodeTable { values, blocks }
    }
}

struct Shaped<'a> {
    table: &'a CodeTable,
    intercept: f64,
    w: f64,
    design: &'a Design,
    target: &'a TargetSums,
}

impl Shaped<'_> {
    /// Rows of `K` codes and `M` (0 or 1) numbers.
    fn score<const K: usize, const M: usize>(&self) -> RegressionMetrics {
        let mut starts = [0usize; K];
        let mut sizes = [0usize; K];
        for (b, &(start, size)) in self.table.blocks.iter().enumerate().take(K) {
            starts[b] = start;
            sizes[b] = size;
        }
        let values = self.table.values.as_slice();
        let codes = self.design.codes.as_slice();
        let numeric = self.design.numeric.as_slice();
        let (intercept, w) = (self.intercept, self.w);
        let predicted = codes.chunks_exact(K).enumerate().map(|(i, row)| {
            let mut value = intercept;
            for b in 0..K {
                let code = (row[b] as usize).min(sizes[b]);
                value += values.get(starts[b] + code).copied().unwrap_or(0.0);
            }
            if M == 1 {
                value += w * numeric.get(i).copied().unwrap_or(0.0);
            }
            value
        });
        RegressionMetrics::of_target(self.target, &self.design.target, predicted)
    }
}
