//! The Train cell: fits a duration model on the bundled January (train) and February
//! (validation) 2021 files and shows its metrics. All numerics are the engine's.

use std::sync::Arc;

use flowbook_core::data::{load_trips, TripTable};
use flowbook_core::features::{Categorical, FeatureSpec, PrepareSpec};
use flowbook_core::pipeline::{train, TrainReport, TrainRequest};
use flowbook_core::solve::ModelKind;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::SAMPLE_DIR_URL;
use crate::load::fetch_bytes;

pub const TRAIN_FILE: &str = "green_tripdata_2021-01.parquet";
pub const VALIDATION_FILE: &str = "green_tripdata_2021-02.parquet";

type Tables = Arc<(TripTable, TripTable)>;

/// Downloads and decodes one bundled file.
pub async fn load_sample(name: &str) -> Result<TripTable, String> {
    let bytes = fetch_bytes(&format!("{SAMPLE_DIR_URL}/{name}")).await?;
    load_trips(name, bytes, &["trip_distance".to_string()]).map_err(|e| e.to_string())
}

/// Milliseconds from the page's clock.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn feature_spec(choice: &str) -> FeatureSpec {
    let categorical = match choice {
        "pu+do" => vec![Categorical::PickupLocation, Categorical::DropoffLocation],
        _ => vec![Categorical::PickupDropoffPair],
    };
    FeatureSpec {
        categorical,
        numerical: vec!["trip_distance".to_string()],
    }
}

#[derive(Clone)]
struct Outcome {
    report: TrainReport,
    elapsed_ms: f64,
}

#[component]
pub fn TrainPanel() -> impl IntoView {
    let tables: RwSignal<Option<Result<Tables, String>>> = RwSignal::new(None);
    spawn_local(async move {
        let loaded = async {
            let train = load_sample(TRAIN_FILE).await?;
            let validation = load_sample(VALIDATION_FILE).await?;
            Ok::<Tables, String>(Arc::new((train, validation)))
        }
        .await;
        tables.set(Some(loaded));
    });

    let features = RwSignal::new("pu_do".to_string());
    let model = RwSignal::new("ols".to_string());
    let alpha = RwSignal::new("1".to_string());
    let outcome: RwSignal<Option<Result<Outcome, String>>> = RwSignal::new(None);

    let run = move |_| {
        let Some(Ok(data)) = tables.get_untracked() else {
            outcome.set(Some(Err(
                "The sample data has not finished loading; try again in a moment.".to_string(),
            )));
            return;
        };
        let alpha_value = alpha.get_untracked().trim().parse::<f64>().ok();
        let kind = match ModelKind::parse(&model.get_untracked(), alpha_value, None) {
            Ok(kind) => kind,
            Err(message) => {
                outcome.set(Some(Err(format!(
                    "Cannot train: {message}. Enter a number such as 0.1."
                ))));
                return;
            }
        };
        let request = TrainRequest {
            prepare: PrepareSpec::default(),
            features: feature_spec(&features.get_untracked()),
            kind,
        };
        let start = now_ms();
        let result = train(&data.0, &data.1, &request)
            .map(|report| Outcome {
                report,
                elapsed_ms: now_ms() - start,
            })
            .map_err(|e| e.to_string());
        outcome.set(Some(result));
    };

    let status = move || match tables.get() {
        None => "Loading January and February 2021…".to_string(),
        Some(Ok(data)) => format!(
            "Train: {} ({} trips) · Validation: {} ({} trips)",
            data.0.file_name,
            data.0.len(),
            data.1.file_name,
            data.1.len()
        ),
        Some(Err(message)) => message,
    };

    view! {
        <section class="card" data-testid="train-panel">
            <header class="card-header">
                <div>
                    <h2 class="card-title">"Train a duration model"</h2>
                    <p class="muted">
                        "Predict trip duration (minutes, trips of 1–60 min) from the pickup and dropoff zones and the distance. "
                        "Solved exactly: the same optimum scikit-learn reaches when run to convergence."
                    </p>
                    <p class="muted" data-testid="train-data">{status}</p>
                </div>
            </header>
            <div class="train-controls">
                <label>
                    "Features "
                    <select
                        data-testid="features"
                        on:change=move |ev| features.set(event_target_value(&ev))
                        prop:value=move || features.get()
                    >
                        <option value="pu_do">"PU_DO + trip_distance"</option>
                        <option value="pu+do">"PULocationID, DOLocationID + trip_distance"</option>
                    </select>
                </label>
                <label>
                    "Model "
                    <select
                        data-testid="model"
                        on:change=move |ev| model.set(event_target_value(&ev))
                        prop:value=move || model.get()
                    >
                        <option value="ols">"Linear regression (OLS)"</option>
                        <option value="ridge">"Ridge"</option>
                        <option value="lasso">"Lasso"</option>
                        <option value="elasticnet">"Elastic net (l1_ratio 0.5)"</option>
                    </select>
                </label>
                <label>
                    "alpha "
                    <input
                        data-testid="alpha"
                        type="number"
                        step="any"
                        min="0"
                        prop:disabled=move || model.get() == "ols"
                        prop:value=move || alpha.get()
                        on:input=move |ev| alpha.set(event_target_value(&ev))
                    />
                </label>
                <button
                    class="button"
                    data-testid="train"
                    prop:disabled=move || !matches!(tables.get(), Some(Ok(_)))
                    on:click=run
                >
                    "Train"
                </button>
            </div>
            {move || outcome.get().map(|result| match result {
                Ok(Outcome { report, elapsed_ms }) => view! { <TrainResult report elapsed_ms /> }.into_any(),
                Err(message) => view! {
                    <p class="error-message" data-testid="train-error">{message}</p>
                }.into_any(),
            })}
        </section>
    }
}

#[component]
fn TrainResult(report: TrainReport, elapsed_ms: f64) -> impl IntoView {
    let metric = |label: &'static str, testid: &'static str, value: f64, digits: usize| {
        view! {
            <div class="stat">
                <dt>{label}</dt>
                <dd data-testid=testid data-value=value.to_string()>{format!("{value:.digits$}")}</dd>
            </div>
        }
    };
    view! {
        <div data-testid="train-result">
            <p class="muted">
                {format!(
                    "{} · {} training rows, {} validation rows, {} features · {:.0} ms in this browser",
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
