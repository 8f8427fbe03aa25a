//! What a cell shows after it ran: the engine's results, drawn with the page's charts.

use flowbook_charts::{draw_rmse_per_run, draw_sweep_curve};
use leptos::prelude::*;

use super::state::CellOutput;
use crate::ui::chart::{Chart, Draw};
use crate::ui::evaluate_view::EvaluateView;
use crate::ui::train_result::TrainResult;

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
            let extra = if outcome.reports.len() > 1 {
                format!(
                    " · sweep of {} alphas (the last one shown)",
                    outcome.reports.len()
                )
            } else {
                String::new()
            };
            view! {
                <TrainResult report=outcome.report.clone() elapsed_ms=outcome.elapsed_ms
                    testid_prefix="cell-" extra />
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
