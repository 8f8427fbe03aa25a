//! The evaluation of a trained model on its validation data: predicted against actual
//! durations, residuals, and the largest coefficients with zone names. The numbers come from
//! `flowbook_core::evaluate`, the drawings from `flowbook_charts`.

use flowbook_charts::{draw_largest_coefficients, draw_predicted_vs_actual, draw_residuals};
use flowbook_core::data::TripTable;
use flowbook_core::evaluate::{
    largest_coefficients, overlaid_distributions, residuals, table_predictions,
};
use flowbook_core::features::PrepareSpec;
use flowbook_core::model::LinearModel;
use leptos::prelude::*;

use crate::app::Zones;
use crate::ui::chart::{Chart, Draw};

/// Coefficients shown in the chart: enough to see which zone pairs matter most.
const TOP_COEFFICIENTS: usize = 15;

#[component]
pub fn EvaluateView(
    model: LinearModel,
    validation: std::sync::Arc<TripTable>,
    prepare: PrepareSpec,
) -> impl IntoView {
    let predictions = match table_predictions(&model, &validation, &prepare) {
        Ok(predictions) => predictions,
        Err(error) => {
            return view! {
                <p class="error-message" data-testid="evaluate-error">
                    {format!("Could not evaluate the model: {error}")}
                </p>
            }
            .into_any()
        }
    };
    let (actual, predicted) =
        overlaid_distributions(&predictions.actual, &predictions.predicted, 0.0, 60.0, 60);
    let residuals = residuals(&predictions.actual, &predictions.predicted);
    let summary = residuals.summary;
    let zones = use_context::<Zones>().and_then(|z| z.0.get_untracked());
    let coefficients = largest_coefficients(&model, TOP_COEFFICIENTS, zones.as_ref());
    let stem = validation
        .file_name
        .rsplit_once('.')
        .map_or(validation.file_name.clone(), |(stem, _)| stem.to_string());

    let distributions: Draw =
        Box::new(move |area| draw_predicted_vs_actual(area, &actual, &predicted));
    let residual_chart: Draw = Box::new(move |area| draw_residuals(area, &residuals));
    let coefficient_chart: Draw =
        Box::new(move |area| draw_largest_coefficients(area, &coefficients));
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
                    test_id="chart-coefficients"
                    description="The model's largest coefficients".to_string()
                    file_stem=format!("{stem}-coefficients")
                    draw=coefficient_chart
                    height=420
                />
                <figcaption class="muted">"The largest coefficients: minutes added (or taken off) by each feature."</figcaption>
            </figure>
        </div>
    }
    .into_any()
}
