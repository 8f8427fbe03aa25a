//! A training's result as the Train panel and the notebook's Train cell both show it: what
//! was trained on what, and the four metric tiles. Also the model choices both offer.

use flowbook_core::pipeline::TrainReport;
use leptos::prelude::*;

/// The models a training can fit, as `<option>`s (value: the engine's model name). Where
/// the l1 ratio cannot be chosen, the elastic net's option names the one it uses.
pub fn model_options(fixed_l1_ratio: Option<f64>) -> impl IntoView {
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

/// `report`'s figures. The test ids start with `testid_prefix` ("" on the panel, "cell-"
/// in a cell), so a page holding both can tell them apart; `extra` ends the summary line.
#[component]
pub fn TrainResult(
    report: TrainReport,
    elapsed_ms: f64,
    testid_prefix: &'static str,
    #[prop(optional)] extra: String,
) -> impl IntoView {
    let metric = |label: &'static str, testid: &str, value: f64, digits: usize| {
        view! {
            <div class="stat">
                <dt>{label}</dt>
                <dd data-testid=format!("{testid_prefix}{testid}") data-value=value.to_string()>
                    {format!("{value:.digits$}")}
                </dd>
            </div>
        }
    };
    view! {
        <div data-testid=format!("{testid_prefix}train-result")>
            <p class="muted">
                {format!(
                    "{} · {} training rows, {} validation rows, {} features · {:.0} ms in this browser{extra}",
                    report.kind, report.train_rows, report.val_rows, report.n_features, elapsed_ms
                )}
            </p>
            <dl class="stats">
                {metric("Train RMSE", "train-rmse", report.train.rmse, 6)}
                {metric("Validation RMSE", "val-rmse", report.validation.rmse, 6)}
                {metric("Validation MAE", "val-mae", report.validation.mae, 4)}
                {metric("Validation R²", "val-r2", report.validation.r2, 4)}
            </dl>
        </div>
    }
}
