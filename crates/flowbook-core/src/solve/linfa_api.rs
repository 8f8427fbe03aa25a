//! The solvers behind linfa's model API: `Fit` on a dataset of one-hot encoded rows,
//! `Predict` with the fitted model, so Flowbook's models compose like any linfa model.

use linfa::dataset::{DatasetBase, Records};
use linfa::traits::{Fit, PredictInplace};
use ndarray::Array1;

use super::gram::{Gram, Layout};
use super::{fit, LinearSolution, ModelKind, SolveError};
use crate::features::{Design, UNSEEN};

/// Encoded rows (sparse: one code per categorical feature, plus the numbers) as linfa
/// records. `nfeatures` is the number of one-hot and numerical columns.
#[derive(Debug, Clone)]
pub struct OneHotRecords {
    pub design: Design,
    pub layout: Layout,
}

impl Records for OneHotRecords {
    type Elem = f64;

    fn nsamples(&self) -> usize {
        self.design.n_rows
    }

    fn nfeatures(&self) -> usize {
        self.layout.n_columns()
    }
}

/// Hyperparameters: which model to fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearParams(pub ModelKind);

/// A fitted model on one-hot records.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedLinear {
    pub layout: Layout,
    pub solution: LinearSolution,
}

impl From<linfa::Error> for SolveError {
    fn from(error: linfa::Error) -> Self {
        SolveError::Parameter(error.to_string())
    }
}

impl Fit<OneHotRecords, Array1<f64>, SolveError> for LinearParams {
    type Object = FittedLinear;

    fn fit(
        &self,
        dataset: &DatasetBase<OneHotRecords, Array1<f64>>,
    ) -> Result<FittedLinear, SolveError> {
        let records = &dataset.records;
        if dataset.targets.len() != records.design.n_rows {
            return Err(SolveError::Parameter(format!(
                "{} targets for {} rows",
                dataset.targets.len(),
                records.design.n_rows
            )));
        }
        // The targets given to linfa are the ones the statistics are built from.
        let mut design = records.design.clone();
        design.target = dataset.targets.to_vec();
        let gram = Gram::accumulate(&design, &records.layout);
        Ok(FittedLinear {
            layout: records.layout.clone(),
            solution: fit(&gram, self.0)?,
        })
    }
}

impl PredictInplace<OneHotRecords, Array1<f64>> for FittedLinear {
    fn predict_inplace(&self, x: &OneHotRecords, y: &mut Array1<f64>) {
        let predicted = predict_rows(
            &self.layout,
            self.solution.intercept,
            &self.solution.coefficients,
            &x.design,
        );
        for (out, value) in y.iter_mut().zip(predicted) {
            *out = value;
        }
    }

    fn default_target(&self, x: &OneHotRecords) -> Array1<f64> {
        Array1::zeros(x.design.n_rows)
    }
}

/// Predictions `b + Σ w·x` for every row of a design; unseen categories add nothing.
pub fn predict_rows(
    layout: &Layout,
    intercept: f64,
    coefficients: &[f64],
    design: &Design,
) -> Vec<f64> {
    row_predictions(layout, intercept, coefficients, design).collect()
}

/// `predict_rows` one row at a time, for callers that only summarise them (a search's
/// trials score hundreds of thousands of rows each).
pub fn row_predictions<'a>(
    layout: &Layout,
    intercept: f64,
    coefficients: &'a [f64],
    design: &'a Design,
) -> impl Iterator<Item = f64> + 'a {
    let offsets: Vec<usize> = (0..layout.block_sizes.len())
        .map(|b| layout.block_offset(b))
        .collect();
    let numeric_offset = layout.numeric_offset();
    let numeric_w: Vec<f64> = (0..design.n_numerical)
        .map(|j| coefficients.get(numeric_offset + j).copied().unwrap_or(0.0))
        .collect();
    (0..design.n_rows).map(move |i| {
        let mut value = intercept;
        for (&code, &offset) in design.row_codes(i).iter().zip(&offsets) {
            if code != UNSEEN {
                value += coefficients
                    .get(offset + code as usize)
                    .copied()
                    .unwrap_or(0.0);
            }
        }
        for (&v, &w) in design.row_numeric(i).iter().zip(&numeric_w) {
            value += w * v;
        }
        value
    })
}
