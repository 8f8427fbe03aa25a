//! One training as the app asks for it — linear (one alpha or a sweep) or boosted trees —
//! with one kind of progress and one kind of result, so that the page, its worker and the
//! fallback on the page run the same code and show results the same way.

use std::ops::ControlFlow;

use super::{
    train_or_sweep, train_trees, Phase, PipelineError, Progress, TrainReport, TrainRequest,
    TreeReport,
};
use crate::metrics::RegressionMetrics;
use crate::saved_model::SavedModel;
use crate::trees::TreeParams;

/// What a training produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Trained {
    /// One report per alpha (one element without a sweep).
    Linear {
        reports: Vec<TrainReport>,
    },
    Trees {
        report: Box<TreeReport>,
    },
}

/// The figures a result shows, whatever the family.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSummary {
    /// What was trained, e.g. `ridge alpha=1` or `gbdt · 50 trees, best round 49 of 50`.
    pub label: String,
    pub train_rows: usize,
    pub val_rows: usize,
    pub n_features: usize,
    pub train: RegressionMetrics,
    pub validation: RegressionMetrics,
}

impl Trained {
    /// Models trained: the alphas of a sweep, else one.
    pub fn model_count(&self) -> usize {
        match self {
            Trained::Linear { reports } => reports.len(),
            Trained::Trees { .. } => 1,
        }
    }

    /// The model shown and predicted with: the last alpha's, or the trees as kept.
    pub fn model(&self) -> Option<SavedModel> {
        match self {
            Trained::Linear { reports } => reports
                .last()
                .map(|report| SavedModel::Linear(report.model.clone())),
            Trained::Trees { report } => Some(SavedModel::Trees(report.model.clone())),
        }
    }

    pub fn summary(&self) -> Option<TrainSummary> {
        match self {
            Trained::Linear { reports } => reports.last().map(|report| TrainSummary {
                label: report.kind.to_string(),
                train_rows: report.train_rows,
                val_rows: report.val_rows,
                n_features: report.n_features,
                train: report.train,
                validation: report.validation,
            }),
            Trained::Trees { report } => {
                let stopped = if report.stopped_early {
                    " (stopped early)"
                } else {
                    ""
                };
                Some(TrainSummary {
                    label: format!(
                        "gbdt · {} trees kept, best round {} of {}{stopped}",
                        report.model.ensemble.trees.len(),
                        report.best_iteration + 1,
                        report.rounds_trained
                    ),
                    train_rows: report.train_rows,
                    val_rows: report.val_rows,
                    n_features: report.n_features,
                    train: report.train,
                    validation: report.validation,
                })
            }
        }
    }
}

/// Trains `trees` when given (on `request`'s rows and features; its model kind and
/// `sweep_alphas` unused), else `request` as [`train_or_sweep`] does. A tree training
/// reports one step to prepare the rows, then one per boosting round.
pub fn train_job(
    train: &crate::data::TripTable,
    validation: &crate::data::TripTable,
    request: &TrainRequest,
    sweep_alphas: Option<&[f64]>,
    trees: Option<&TreeParams>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Trained, PipelineError> {
    let Some(params) = trees else {
        let reports = train_or_sweep(train, validation, request, sweep_alphas, progress)?;
        return Ok(Trained::Linear { reports });
    };
    let total = params.num_boost_round as usize + 1;
    progress(Progress {
        phase: Phase::Preparing,
        done: 0,
        total,
    });
    let report = train_trees(
        train,
        validation,
        &request.prepare,
        &request.features,
        params,
        &mut |round| {
            progress(Progress {
                phase: Phase::Boosting,
                done: round.round as usize + 2,
                total,
            });
            ControlFlow::Continue(())
        },
    )?
    // Never `None`: the callback above does not stop the training.
    .ok_or(PipelineError::Trees(crate::trees::TreeError::Stopped))?;
    Ok(Trained::Trees {
        report: Box::new(report),
    })
}
