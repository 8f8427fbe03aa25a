//! What a cell shows after it ran: the engine's results, drawn with the page's charts.

use flowbook_charts::{draw_rmse_per_run, draw_sweep_curve};
use leptos::prelude::*;

use super::state::CellOutput;
use crate::ui::chart::{Chart, Draw};
use crate::ui::evaluate_view::EvaluateView;

fn metric(label: &'static str, testid: &'static str, value: f64, digits: usize) -> impl IntoView {
    view! {
        <div class="stat">
            <dt>{label}</dt>
            <dd data-testid=testid data-value=value.to_string()>{format!("{value:.digits$}")}</dd>
        </div>
    }
}

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
            let report = &outcome.report;
            let sweep_note = (outcome.reports.len() > 1).then(|| {
                format!(
                    " · sweep of {} alphas (the last one shown)",
                    outcome.reports.len()
                )
            });
            view! {
                <div data-testid="cell-train-result">
                    <p class="muted">
                        {format!(
                            "{} · {} training rows, {} validation rows, {} features · {:.0} ms in this browser{}",
                            report.kind, report.train_rows, report.val_rows, report.n_features,
                            outcome.elapsed_ms, sweep_note.unwrap_or_default()
                        )}
                    </p>
                    <dl class="stats">
                        {metric("Train RMSE", "cell-train-rmse", report.train.rmse, 6)}
                        {metric("Validation RMSE", "cell-val-rmse", report.validation.rmse, 6)}
                        {metric("Validation MAE", "cell-val-mae", report.validation.mae, 4)}
                        {metric("Validation R²", "cell-val-r2", report.validation.r2, 4)}
                    </dl>
                </div>
            }
            .into_any()
        }
        CellOutput::Evaluate(outcome) => view! {
            <EvaluateView
                model=outcome.report.model.clone()
                validation=outcome.validation.clone()
                prepare=outcome.prepare.clone()
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
