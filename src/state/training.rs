//! One training, as a Train cell does it: the engine's Train step on the train and
//! validation tables — in the training worker when it can start, else on the page — timed
//! with the page's clock, and recorded as a run in the run store. Both places run the same
//! engine code (`train_job`), so the numbers agree.

use std::fmt;
use std::sync::Arc;

use flowbook_core::data::TripTable;
use flowbook_core::evaluate::{best_linear_run_like, evaluate, Evaluation, RunRmse};
use flowbook_core::pipeline::{train_job, Progress, TrainRequest, TrainSummary, Trained};
use flowbook_core::saved_model::SavedModel;
use flowbook_core::store::StoredRun;
use flowbook_core::tracking::{run_from_training, Run};
use flowbook_core::trees::TreeParams;
use leptos::prelude::{GetUntracked, WithUntracked};

use crate::services::train_worker::{self, OffThreadError};
use crate::state::runs::{
    add_missing_tags, context_tags, training_meta, training_run_in, RunStore, TrainedRun,
    TrainingContext,
};

/// Milliseconds from the page's clock.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// What to train: a linear model (one alpha, or one per alpha of a sweep), or trees.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainPlan {
    pub request: TrainRequest,
    pub sweep_alphas: Option<Vec<f64>>,
    /// Boosting settings: when set, the training grows trees on `request`'s rows.
    pub trees: Option<TreeParams>,
}

/// What one training produced, with what the evaluation needs beside it.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// Every report (a sweep's alphas, or the trees with their learning curve).
    pub trained: Trained,
    /// The model shown and predicted with: the last alpha's, or the trees as kept.
    pub model: Arc<SavedModel>,
    pub summary: TrainSummary,
    pub elapsed_ms: f64,
    /// `model` on the validation rows, or why it could not be evaluated.
    pub evaluation: Result<Arc<Evaluation>, String>,
    /// The validation file's name (it names the charts' PNG files).
    pub validation_file: String,
    /// The run recorded for this training.
    pub run: Run,
    /// Said beside the result when the training ran on the page instead of the worker.
    pub note: Option<String>,
    /// For trees: the best linear run on the same files, when there is one.
    pub best_linear: Option<RunRmse>,
}

/// Why a training has no outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainError {
    /// The user cancelled it; nothing was recorded.
    Cancelled,
    /// A message the user can act on.
    Failed(String),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Cancelled => f.write_str("Cancelled"),
            TrainError::Failed(message) => f.write_str(message),
        }
    }
}

/// Trains `plan` and records the run. `on_progress` hears the worker's steps (a training
/// on the page reports none: the page cannot paint while it runs).
pub async fn train_and_record(
    train_table: &Arc<TripTable>,
    validation_table: &Arc<TripTable>,
    plan: &TrainPlan,
    run_store: Option<RunStore>,
    context: &TrainingContext,
    on_progress: impl Fn(Progress) + 'static,
) -> Result<TrainOutcome, TrainError> {
    let start = now_ms();
    let columns = crate::state::open_file::decoded_numeric_columns();
    let (request, sweep, trees) = (
        &plan.request,
        plan.sweep_alphas.as_deref(),
        plan.trees.as_ref(),
    );
    let (trained, note) = match train_worker::train(
        train_table,
        validation_table,
        &columns,
        request,
        sweep,
        trees,
        on_progress,
    )
    .await
    {
        Ok(trained) => (trained, None),
        Err(OffThreadError::Cancelled) => return Err(TrainError::Cancelled),
        Err(OffThreadError::Failed(message)) => return Err(TrainError::Failed(message)),
        Err(OffThreadError::Unavailable(reason)) => {
            let trained = train_job(
                train_table,
                validation_table,
                request,
                sweep,
                trees,
                &mut |_| {},
            )
            .map_err(|e| TrainError::Failed(e.to_string()))?;
            let note = format!("Trained on the page, which could not respond meanwhile: {reason}.");
            (trained, Some(note))
        }
    };
    let elapsed_ms = now_ms() - start;
    let (Some(model), Some(summary)) = (trained.model(), trained.summary()) else {
        return Err(TrainError::Failed(
            "the sweep produced no model".to_string(),
        ));
    };
    // Once per training: the page shows it and the run keeps its charts.
    let zones = context.zones.and_then(|zones| zones.0.get_untracked());
    let evaluation = evaluate(&model, validation_table, &request.prepare, zones.as_ref())
        .map(Arc::new)
        .map_err(|e| format!("Could not evaluate the model: {e}"));
    let single = match &trained {
        Trained::Linear { reports } if reports.len() == 1 => {
            reports.first().map(TrainedRun::Linear)
        }
        Trained::Linear { .. } => None,
        Trained::Trees { report } => Some(TrainedRun::Trees(report)),
    };
    let stored = match single {
        Some(one) => training_run_in(
            context,
            request,
            &one,
            train_table,
            validation_table,
            elapsed_ms,
            evaluation.as_deref().map_err(String::as_str),
        ),
        None => sweep_run(
            context,
            request,
            &trained,
            train_table,
            validation_table,
            elapsed_ms,
        ),
    };
    let run = stored.run.clone();
    let best_linear = match (&trained, run_store) {
        // Read in place: the store's runs are not copied.
        (Trained::Trees { .. }, Some(store)) => store.runs.with_untracked(|runs| {
            best_linear_run_like(runs.iter().map(|stored| &stored.run), &run)
        }),
        _ => None,
    };
    if let Some(store) = run_store {
        store.record(stored);
    }
    Ok(TrainOutcome {
        trained,
        model: Arc::new(model),
        summary,
        elapsed_ms,
        evaluation,
        validation_file: validation_table.file_name.clone(),
        run,
        note,
        best_linear,
    })
}

/// A sweep's run: one metric step per alpha (the engine's `run_from_training`), with the
/// same metadata and tags as a single training. The charts are left out: they would show
/// the last alpha's model, and the sweep keeps the best one.
fn sweep_run(
    context: &TrainingContext,
    request: &TrainRequest,
    trained: &Trained,
    train_table: &TripTable,
    validation_table: &TripTable,
    elapsed_ms: f64,
) -> StoredRun {
    let reports = match trained {
        Trained::Linear { reports } => reports.as_slice(),
        Trained::Trees { .. } => &[],
    };
    let name = match reports.last() {
        Some(last) => format!("{} sweep ×{}", last.kind.short_name(), reports.len()),
        None => "empty sweep".to_string(),
    };
    let meta = training_meta(name, train_table, validation_table, elapsed_ms);
    let mut run = run_from_training(request, reports, meta);
    add_missing_tags(&mut run, &context_tags(context));
    StoredRun::new(run)
}
