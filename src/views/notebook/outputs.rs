//! What a cell shows after it ran: the engine's results, drawn with the page's charts.

use flowbook_charts::{draw_learning_curve, draw_rmse_per_run, draw_sweep_curve};
use flowbook_core::pipeline::Trained;
use leptos::prelude::*;

use crate::state::notebook::CellOutput;
use crate::views::chart::{Chart, Draw};
use crate::views::evaluate_view::EvaluateView;
use crate::views::train_result::TrainResult;

#[component]
pub fn CellOutputView(output: std::sync::Arc<CellOutput>) -> impl IntoView {
    match &*output {
        CellOutput::Markdown => ().into_any(),
        CellOutput::Data { train, validation } => view! {
            <p class="muted cell-summary" data-testid="cell-summary">
                {format!(
                    "Train: {} ({} trips) · Validation: {} ({} trips)",
                    train.file_name, train.len(), validation.file_name, validation.len()
                )}
            </p>
        }
        .into_any(),
        CellOutput::Prepare(settings) => {
            let categorical: Vec<&str> = settings
                .features
                .categorical
                .iter()
                .map(|c| c.name())
                .collect();
            view! {
                <p class="muted cell-summary" data-testid="cell-summary">
                    {format!(
                        "Target: duration in minutes, trips of {}–{} min · features: {}",
                        settings.prepare.min_duration_min,
                        settings.prepare.max_duration_min,
                        categorical.into_iter().chain(settings.features.numerical.iter().map(String::as_str)).collect::<Vec<_>>().join(", ")
                    )}
                </p>
            }
            .into_any()
        }
        CellOutput::Train(outcome) => {
            let models = outcome.trained.model_count();
            let extra = if models > 1 {
                format!(" · sweep of {models} alphas (the last one shown)")
            } else {
                String::new()
            };
            let trees = match &outcome.trained {
                Trained::Trees { report } => Some(report.clone()),
                Trained::Linear { .. } => None,
            };
            let versus = outcome.best_linear.as_ref().and_then(|best| {
                let linear = best.val_rmse?;
                let trees = outcome.summary.validation.rmse;
                Some(view! {
                    <p class="muted" data-testid="cell-versus-linear" data-linear=linear.to_string()>
                        {format!(
                            "Validation RMSE {trees:.3} min: {:.3} min {} the best linear run on these files ({}, {linear:.3}).",
                            (linear - trees).abs(),
                            if trees <= linear { "below" } else { "above" },
                            best.name
                        )}
                    </p>
                })
            });
            let curve = trees.map(|report| {
                let best = report.best_iteration;
                let draw: Draw = Box::new(move |area| draw_learning_curve(area, &report.curve, best));
                view! {
                    <figure>
                        <Chart test_id="chart-learning-curve"
                            description="Train and validation RMSE after each boosting round".to_string()
                            file_stem="learning-curve".to_string() draw />
                        <figcaption class="muted">"Learning curve: RMSE after each round; the ring marks the round the model keeps."</figcaption>
                    </figure>
                }
            });
            // Why it trained on the page (no worker here, or one from another build).
            let note = outcome
                .note
                .clone()
                .map(|note| view! { <p class="muted" data-testid="cell-train-note">{note}</p> });
            view! {
                <TrainResult summary=outcome.summary.clone() elapsed_ms=outcome.elapsed_ms extra />
                {note}
                {versus}
                {curve}
            }
            .into_any()
        }
        CellOutput::Evaluate(outcome) => view! {
            <EvaluateView
                evaluation=outcome.evaluation.clone()
                validation_file=outcome.validation_file.clone()
            />
        }
        .into_any(),
        CellOutput::Compare { runs, sweep } => {
            let runs_chart = (!runs.is_empty()).then(|| {
                let runs = runs.clone();
                let draw: Draw = Box::new(move |area| draw_rmse_per_run(area, &runs));
                view! {
                    <Chart test_id="chart-rmse-per-run" description="Train and validation RMSE of each run".to_string()
                        file_stem="rmse-per-run".to_string() draw />
                }
            });
            let sweep_chart = (!sweep.is_empty()).then(|| {
                let sweep = sweep.clone();
                let draw: Draw = Box::new(move |area| draw_sweep_curve(area, &sweep));
                view! {
                    <Chart test_id="chart-sweep" description="Validation error against alpha".to_string()
                        file_stem="sweep".to_string() draw />
                }
            });
            view! {
                <p class="muted" data-testid="cell-summary" data-runs=runs.len().to_string()>
                    {format!("{} run(s) compared.", runs.len())}
                </p>
                {runs_chart}
                {sweep_chart}
            }
            .into_any()
        }
        CellOutput::Search(outcome) => {
            view! { <super::search_view::SearchResult outcome=outcome.clone() /> }.into_any()
        }
        CellOutput::Monitor(outcome) => {
            view! { <super::monitor_view::MonitorResult outcome=outcome.clone() /> }.into_any()
        }
        CellOutput::Predict { minutes } => view! {
            <p class="cell-prediction">
                "Predicted duration: "
                <strong data-testid="cell-prediction" data-value=minutes.to_string()>
                    {format!("{minutes:.1} min")}
                </strong>
            </p>
        }
        .into_any(),
    }
}
