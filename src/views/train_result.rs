//! A Train cell's result: what was trained on what, and the four metric tiles. Also the
//! models the cell offers.

use flowbook_core::pipeline::TrainSummary;
use leptos::prelude::*;

/// The models a training can fit, as `<option>`s (value: the engine's model name). Where
/// the l1 ratio cannot be chosen, the elastic net's option names the one it uses.
fn model_options(fixed_l1_ratio: Option<f64>) -> impl IntoView {
    let elastic_net = match fixed_l1_ratio {
        Some(ratio) => format!("Elastic net (l1_ratio {ratio})"),
        None => "Elastic net".to_string(),
    };
    view! {
        <option value="ols">"Linear regression (OLS)"</option>
        <option value="ridge">"Ridge"</option>
        <option value="lasso">"Lasso"</option>
        <option value="elasticnet">{elastic_net}</option>
    }
}

/// The linear models and gradient-boosted trees, for the notebook's Train cell.
pub fn model_options_with_trees(fixed_l1_ratio: Option<f64>) -> impl IntoView {
    view! {
        {model_options(fixed_l1_ratio)}
        <option value=flowbook_core::notebook::TREES_MODEL>"Gradient-boosted trees"</option>
    }
}

/// `summary`'s figures; `extra` ends the summary line. The result names the model it shows
/// (`data-label`), so a reader can tell one training's result from the next.
#[component]
pub fn TrainResult(
    summary: TrainSummary,
    elapsed_ms: f64,
    #[prop(optional)] extra: String,
) -> impl IntoView {
    let metric = |label: &'static str, testid: &str, value: f64, digits: usize| {
        view! {
            <div class="stat">
                <dt>{label}</dt>
                <dd data-testid=format!("cell-{testid}") data-value=value.to_string()>
                    {format!("{value:.digits$}")}
                </dd>
            </div>
        }
    };
    view! {
        <div data-testid="cell-train-result" data-label=summary.label.clone()>
            <p class="muted">
                {format!(
                    "{} · {} training rows, {} validation rows, {} features · {:.0} ms in this browser{extra}",
                    summary.label, summary.train_rows, summary.val_rows, summary.n_features, elapsed_ms
                )}
            </p>
            <dl class="stats">
                {metric("Train RMSE", "train-rmse", summary.train.rmse, 6)}
                {metric("Validation RMSE", "val-rmse", summary.validation.rmse, 6)}
                {metric("Validation MAE", "val-mae", summary.validation.mae, 4)}
                {metric("Validation R²", "val-r2", summary.validation.r2, 4)}
            </dl>
        </div>
    }
}
