//! A node's gradient histograms, and XGBoost's subtraction trick: of two siblings only the
//! one with the smaller hessian sum is summed from its rows; the other is its parent's
//! histogram minus that one. After the root, each level then reads at most half of the
//! rows instead of all of them.
//!
//! A categorical feature's histogram is sparse: the categories present in the node, with
//! their row count and sums, gathered through a dense scratch of the feature's width, so a
//! 13,221-category PU_DO costs per node what its rows cost, never its width. A numerical
//! feature's is dense, one gradient and hessian sum per bin.

use super::grow::BinnedRows;
use crate::features::UNSEEN;

/// The rows of one category in a node: how many, and their gradient and hessian sums.
#[derive(Debug, Clone, Copy)]
pub struct CategorySum {
    pub code: u32,
    pub n: u32,
    pub g: f64,
    pub h: f64,
}

/// One node's histograms: per categorical feature the categories present in the node; per
/// numerical feature the tree may split on, the sums per bin (empty for the others).
#[derive(Debug, Default)]
pub struct NodeHistogram {
    pub categories: Vec<Vec<CategorySum>>,
    pub bin_g: Vec<Vec<f64>>,
    pub bin_h: Vec<Vec<f64>>,
}

/// Category sums the histograms kept for reuse may have room for, per training row and
/// categorical feature (the histograms in use hold at most two per row and feature).
pub const SPARE_SUMS_PER_ROW: usize = 4;

/// Builds histograms, reusing its scratch and the buffers of histograms given back.
pub struct HistogramBuilder {
    category_g: Vec<f64>,
    category_h: Vec<f64>,
    category_n: Vec<u32>,
    touched: Vec<u32>,
    spare: Vec<NodeHistogram>,
    /// Category sums the `spare` histograms have room for, and the most they may have.
    spare_room: usize,
    spare_budget: usize,
}

impl HistogramBuilder {
    pub fn new(data: &BinnedRows) -> HistogramBuilder {
        let widest_block = data.block_sizes.iter().copied().max().unwrap_or(0);
        HistogramBuilder {
            category_g: vec![0.0; widest_block],
            category_h: vec![0.0; widest_block],
            category_n: vec![0; widest_block],
            touched: Vec::new(),
            spare: Vec::new(),
            spare_room: 0,
            spare_budget: SPARE_SUMS_PER_ROW * data.n_rows * data.codes.len(),
        }
    }

    /// Gives a histogram's buffers back for the next one, unless the category sums the kept
    /// ones have room for would pass `SPARE_SUMS_PER_ROW` per row: a buffer keeps the room
    /// of the largest node it held, and without a bound the buffers of a long training
    /// would all grow to the root's size.
    pub fn recycle(&mut self, histogram: NodeHistogram) {
        let room = category_room(&histogram);
        if self.spare_room + room <= self.spare_budget {
            self.spare_room += room;
            self.spare.push(histogram);
        }
    }

    /// A histogram with one cleared slot per feature.
    fn empty(&mut self, data: &BinnedRows) -> NodeHistogram {
        let mut histogram = self.spare.pop().unwrap_or_default();
        self.spare_room -= category_room(&histogram);
        let n_categorical = data.codes.len();
        let n_numerical = data.bins.len();
        histogram.categories.resize_with(n_categorical, Vec::new);
        histogram.bin_g.resize_with(n_numerical, Vec::new);
        histogram.bin_h.resize_with(n_numerical, Vec::new);
        histogram.categories.iter_mut().for_each(Vec::clear);
        histogram.bin_g.iter_mut().for_each(Vec::clear);
        histogram.bin_h.iter_mut().for_each(Vec::clear);
        histogram
    }

    /// The histogram of `rows`, summed from them. `numerical_allowed[j]` says whether the
    /// tree may split on numerical feature `j` (its bins are left empty otherwise).
    pub fn build(
        &mut self,
        data: &BinnedRows,
        grad: &[f64],
        hess: &[f64],
        rows: &[u32],
        numerical_allowed: &[bool],
    ) -> NodeHistogram {
        let mut histogram = self.empty(data);
        for (feature, codes) in data.codes.iter().enumerate() {
            self.sum_categories(codes, grad, hess, rows);
            self.take_categories(&mut histogram.categories[feature]);
        }
        for (feature, bins) in data.bins.iter().enumerate() {
            if numerical_allowed[feature] {
                let n_bins = data.cuts[feature].n_bins();
                let (bin_g, bin_h) = (&mut histogram.bin_g[feature], &mut histogram.bin_h[feature]);
                sum_bins(bins, grad, hess, rows, n_bins, bin_g, bin_h);
            }
        }
        histogram
    }

    /// The histograms of two siblings: `small_rows`' summed from its rows, and the other's
    /// as `parent` minus that one (`parent`'s buffers become the other's). Returns
    /// `(small, other)`.
    pub fn build_and_subtract(
        &mut self,
        data: &BinnedRows,
        grad: &[f64],
        hess: &[f64],
        small_rows: &[u32],
        mut parent: NodeHistogram,
    ) -> (NodeHistogram, NodeHistogram) {
        let mut small = self.empty(data);
        for (feature, codes) in data.codes.iter().enumerate() {
            self.sum_categories(codes, grad, hess, small_rows);
            // The other sibling holds the parent's categories that keep rows after the
            // small one's are taken away.
            parent.categories[feature].retain_mut(|sum| {
                let c = sum.code as usize;
                debug_assert!(
                    sum.n >= self.category_n[c],
                    "the small rows are the parent's"
                );
                sum.n -= self.category_n[c];
                sum.g -= self.category_g[c];
                sum.h -= self.category_h[c];
                sum.n > 0
            });
            self.take_categories(&mut small.categories[feature]);
        }
        for (feature, bins) in data.bins.iter().enumerate() {
            // The parent was built for the same tree, so with the same numbers allowed: a
            // number it has no bins for is one the tree may not split on.
            let n_bins = parent.bin_g[feature].len();
            if n_bins == 0 {
                continue;
            }
            let (bin_g, bin_h) = (&mut small.bin_g[feature], &mut small.bin_h[feature]);
            sum_bins(bins, grad, hess, small_rows, n_bins, bin_g, bin_h);
            for (other, small) in parent.bin_g[feature].iter_mut().zip(bin_g.iter()) {
                *other -= small;
            }
            for (other, small) in parent.bin_h[feature].iter_mut().zip(bin_h.iter()) {
                *other -= small;
            }
        }
        (small, parent)
    }

    /// Sums each category's rows into the dense scratch; `touched` lists the categories
    /// met, in the order first met.
    fn sum_categories(&mut self, codes: &[u32], grad: &[f64], hess: &[f64], rows: &[u32]) {
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
    }

    /// The touched categories' sums from the scratch, which is cleared for the next node.
    fn take_categories(&mut self, sums: &mut Vec<CategorySum>) {
        for &code in &self.touched {
            let c = code as usize;
            sums.push(CategorySum {
                code,
                n: self.category_n[c],
                g: self.category_g[c],
                h: self.category_h[c],
            });
            self.category_n[c] = 0;
            self.category_g[c] = 0.0;
            self.category_h[c] = 0.0;
        }
        self.touched.clear();
    }
}

/// The category sums a histogram's buffers have room for.
fn category_room(histogram: &NodeHistogram) -> usize {
    histogram.categories.iter().map(Vec::capacity).sum()
}

fn sum_bins(
    bins: &[u16],
    grad: &[f64],
    hess: &[f64],
    rows: &[u32],
    n_bins: usize,
    bin_g: &mut Vec<f64>,
    bin_h: &mut Vec<f64>,
) {
    bin_g.clear();
    bin_h.clear();
    bin_g.resize(n_bins, 0.0);
    bin_h.resize(n_bins, 0.0);
    for &r in rows {
        let b = bins[r as usize] as usize;
        bin_g[b] += grad[r as usize];
        bin_h[b] += hess[r as usize];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::Design;

    /// 1,000 rows of two categorical features (one with unseen codes) and two numerical
    /// ones, with gradients of mixed sign and hessians of 0 and 1 (rows out of a subsample).
    fn rows() -> (BinnedRows, Vec<f64>, Vec<f64>) {
        let n = 1_000;
        let mut design = Design {
            n_rows: n,
            n_categorical: 2,
            n_numerical: 2,
            ..Design::default()
        };
        for i in 0..n {
            let second = if i % 17 == 0 {
                UNSEEN
            } else {
                (i * 7 % 31) as u32
            };
            design.codes.extend([(i % 13) as u32, second]);
            design
                .numeric
                .extend([(i % 101) as f64 * 0.37, ((i * 7919) % 1000) as f64]);
            design.target.push(i as f64);
        }
        let data = BinnedRows::new(&design, &[13, 31], 64);
        let grad = (0..n)
            .map(|i| ((i * 37 % 101) as f64 - 50.0) * 0.113)
            .collect();
        let hess = (0..n).map(|i| if i % 9 == 0 { 0.0 } else { 1.0 }).collect();
        (data, grad, hess)
    }

    fn sorted(mut sums: Vec<CategorySum>) -> Vec<(u32, u32, f64, f64)> {
        sums.sort_by_key(|sum| sum.code);
        sums.iter().map(|s| (s.code, s.n, s.g, s.h)).collect()
    }

    #[test]
    fn a_sibling_by_subtraction_equals_its_sums_from_rows() {
        let (data, grad, hess) = rows();
        let all: Vec<u32> = (0..1_000).collect();
        // A split that leaves some categories in one child only.
        let (small, other): (Vec<u32>, Vec<u32>) = all.iter().partition(|&&r| r % 13 < 4);
        let allowed = [true, false];
        let mut builder = HistogramBuilder::new(&data);
        let parent = builder.build(&data, &grad, &hess, &all, &allowed);
        let direct = builder.build(&data, &grad, &hess, &other, &allowed);
        let (small_histogram, subtracted) =
            builder.build_and_subtract(&data, &grad, &hess, &small, parent);
        let small_direct = builder.build(&data, &grad, &hess, &small, &allowed);

        for feature in 0..2 {
            let by_subtraction = sorted(subtracted.categories[feature].clone());
            let from_rows = sorted(direct.categories[feature].clone());
            assert_eq!(by_subtraction.len(), from_rows.len(), "feature {feature}");
            for (a, b) in by_subtraction.iter().zip(&from_rows) {
                assert_eq!((a.0, a.1, a.3), (b.0, b.1, b.3), "feature {feature}");
                assert!(
                    (a.2 - b.2).abs() < 1e-9,
                    "feature {feature}: {a:?} against {b:?}"
                );
            }
            assert_eq!(
                sorted(small_histogram.categories[feature].clone()),
                sorted(small_direct.categories[feature].clone())
            );
        }
        // The first category feature: codes 0..4 went to the small child alone.
        assert!(subtracted.categories[0].iter().all(|sum| sum.code >= 4));
        assert_eq!(subtracted.bin_h[0], direct.bin_h[0]);
        for (a, b) in subtracted.bin_g[0].iter().zip(&direct.bin_g[0]) {
            assert!((a - b).abs() < 1e-9);
        }
        // A numerical feature the tree may not split on has no bins in any histogram.
        assert!(subtracted.bin_g[1].is_empty() && small_histogram.bin_g[1].is_empty());
    }

    #[test]
    fn histograms_given_back_keep_no_more_room_than_the_budget() {
        let (data, grad, hess) = rows();
        let all: Vec<u32> = (0..1_000).collect();
        let mut builder = HistogramBuilder::new(&data);
        let budget = SPARE_SUMS_PER_ROW * 1_000 * 2;
        assert_eq!(builder.spare_budget, budget);
        // Each root-sized histogram has room for 13 + 31 sums; a thousand given back at
        // once would have room for 44,000.
        let built: Vec<NodeHistogram> = (0..1_000)
            .map(|_| builder.build(&data, &grad, &hess, &all, &[true, true]))
            .collect();
        for histogram in built {
            builder.recycle(histogram);
        }
        assert!(
            builder.spare_room <= budget,
            "{} > {budget}",
            builder.spare_room
        );
        assert_eq!(builder.spare_room, category_room_of(&builder.spare));
        assert!(!builder.spare.is_empty());
        // Taking one back leaves the count right.
        let again = builder.build(&data, &grad, &hess, &all, &[true, true]);
        assert_eq!(builder.spare_room, category_room_of(&builder.spare));
        builder.recycle(again);
    }

    fn category_room_of(spare: &[NodeHistogram]) -> usize {
        spare.iter().map(category_room).sum()
    }
}
