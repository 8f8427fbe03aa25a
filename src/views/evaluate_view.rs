//! The evaluation of a trained model on its validation data: predicted against actual
//! durations, residuals, and the largest coefficients (or, for trees, the features' total
//! gains) with zone names. The numbers come from
//! `flowbook_core::evaluate`, the drawings from `flowbook_charts`.

use std::sync::Arc;

use flowbook_charts::{draw_largest_coefficients, draw_predicted_vs_actual, draw_residuals};
use flowbook_core::evaluate::{EffectMeasure, Evaluation};
use leptos::prelude::*;

use crate::views::chart::{Chart, Draw};

/// `evaluation` of a training whose validation file is `validation_file` (it names the
/// saved PNGs), or why there is none.
#[component]
pub fn EvaluateView(
    evaluation: Result<Arc<Evaluation>, String>,
    validation_file: String,
) -> impl IntoView {
    let evaluation = match evaluation {
        Ok(evaluation) => evaluation,
        Err(message) => {
            return view! {
                <p class="error-message" data-testid="evaluate-error">{message}</p>
            }
            .into_any()
        }
    };
    let summary = evaluation.residuals.summary;
    let stem = validation_file
        .rsplit_once('.')
        .map_or(validation_file.clone(), |(stem, _)| stem.to_string());

    let shown = evaluation.clone();
    let distributions: Draw =
        Box::new(move |area| draw_predicted_vs_actual(area, &shown.actual, &shown.predicted));
    let shown = evaluation.clone();
    let residual_chart: Draw = Box::new(move |area| draw_residuals(area, &shown.residuals));
    let measure = evaluation.effect;
    // The same bars as text, for screen readers and for copying.
    let coefficient_rows = evaluation
        .coefficients
        .iter()
        .map(|c| {
            let value = match measure {
                EffectMeasure::Coefficient => format!("{:+.3}", c.value),
                EffectMeasure::TotalGain => format!("{:.1}", c.value),
            };
            view! {
                <tr data-testid="coefficient-row">
                    <td>{c.label.clone()}</td>
                    <td class="number">{value}</td>
                </tr>
            }
        })
        .collect_view();
    let (chart_id, chart_description, chart_stem, value_header) = match measure {
        EffectMeasure::Coefficient => (
            "chart-coefficients",
            "The model's largest coefficients",
            "coefficients",
            "minutes",
        ),
        EffectMeasure::TotalGain => (
            "chart-importance",
            "Feature importance: total gain of the trees' splits",
            "importance",
            "total gain",
        ),
    };
    let coefficient_chart: Draw =
        Box::new(move |area| draw_largest_coefficients(area, &evaluation.coefficients, measure));
    view! {
        <div class="evaluate" data-testid="evaluate">
            <h3 class="card-title">"Evaluation on the validation data"</h3>
            <p class="muted">
                {format!(
                    "{} trips: residual mean {:.3} min, standard deviation {:.3} min; {:.1}% of predictions within 5 minutes.",
                    summary.rows, summary.mean, summary.std, 100.0 * summary.within_share
                )}
            </p>
            <figure>
                <Chart
                    test_id="chart-predicted-vs-actual"
                    description="Distributions of actual and predicted trip durations".to_string()
                    file_stem=format!("{stem}-predicted-vs-actual")
                    draw=distributions
                />
                <figcaption class="muted">"Actual and predicted durations, one bar per minute."</figcaption>
            </figure>
            <figure>
                <Chart
                    test_id="chart-residuals"
                    description="Histogram of residuals, actual minus predicted".to_string()
                    file_stem=format!("{stem}-residuals")
                    draw=residual_chart
                />
                <figcaption class="muted">"Residuals: actual minus predicted minutes."</figcaption>
            </figure>
            <figure>
                <Chart
                    test_id=chart_id
                    description=chart_description.to_string()
                    file_stem=format!("{stem}-{chart_stem}")
                    draw=coefficient_chart
                    height=420
                />
                <figcaption class="muted">{measure.caption()}</figcaption>
                <details>
                    <summary>"As a table"</summary>
                    <table class="coefficients" data-testid="coefficients-table">
                        <thead><tr><th>"feature"</th><th>{value_header}</th></tr></thead>
                        <tbody>{coefficient_rows}</tbody>
                    </table>
                </details>
            </figure>
        </div>
    }
    .into_any()
}
