//! The Train cell: fits a duration model on the datasets holding the train and validation
//! roles (the bundled January and February 2021 files at first) and shows its metrics. All
//! numerics are the engine's.

use flowbook_core::features::{Categorical, FeatureSpec, PrepareSpec};
use flowbook_core::pipeline::{Progress, TrainRequest};
use flowbook_core::solve::{ModelKind, DEFAULT_L1_RATIO};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::state::datasets::{describe, Datasets, Role, RoleHolder};
use crate::state::runs::{RunStore, TrainingContext};
use crate::state::training::{train_and_record, TrainError, TrainOutcome, TrainPlan};
use crate::views::evaluate_view::EvaluateView;
use crate::views::train_progress::TrainProgress;
use crate::views::train_result::{model_options, TrainResult};

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

#[component]
pub fn TrainPanel() -> impl IntoView {
    let datasets = expect_context::<Datasets>();
    let run_store = use_context::<RunStore>();
    let zones = use_context::<crate::state::zones::Zones>();
    // Derived, not memoised: comparing decoded tables for equality would cost a pass over them.
    let tables = Signal::derive(move || {
        match (
            datasets.holder(Role::Train),
            datasets.holder(Role::Validation),
        ) {
            (RoleHolder::Ready(train), RoleHolder::Ready(validation)) => Ok((train, validation)),
            (train, validation) => Err(format!(
                "{} · {}",
                describe(Role::Train, &train),
                describe(Role::Validation, &validation)
            )),
        }
    });

    let features = RwSignal::new("pu_do".to_string());
    let model = RwSignal::new("ols".to_string());
    let alpha = RwSignal::new("1".to_string());
    let outcome: RwSignal<Option<Result<TrainOutcome, String>>> = RwSignal::new(None);
    let progress: RwSignal<Option<Progress>> = RwSignal::new(None);
    // "Cancelled" after a cancelled training; the previous result stays.
    let notice: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);

    let run = move |_| {
        let Ok((train_table, validation_table)) = tables.get_untracked() else {
            outcome.set(Some(Err(
                "Training needs a loaded train dataset and a loaded validation dataset."
                    .to_string(),
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
        busy.set(true);
        notice.set(None);
        // The earlier result goes: what shows next is this training's.
        outcome.set(None);
        spawn_local(async move {
            let plan = TrainPlan {
                request,
                sweep_alphas: None,
                trees: None,
            };
            let result = train_and_record(
                &train_table,
                &validation_table,
                &plan,
                run_store,
                &TrainingContext {
                    notebook: "Train panel".into(),
                    cell: "train-panel".into(),
                    zones,
                },
                move |step| progress.set(Some(step)),
            )
            .await;
            progress.set(None);
            busy.set(false);
            match result {
                Ok(trained) => outcome.set(Some(Ok(trained))),
                Err(TrainError::Cancelled) => {
                    notice.set(Some("Cancelled: no run was recorded.".to_string()))
                }
                Err(TrainError::Failed(message)) => outcome.set(Some(Err(message))),
            }
        });
    };

    let status = move || match tables.get() {
        Ok((train, validation)) => format!(
            "{} · {}",
            describe(Role::Train, &RoleHolder::Ready(train)),
            describe(Role::Validation, &RoleHolder::Ready(validation))
        ),
        Err(message) => message,
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
                        {model_options(Some(DEFAULT_L1_RATIO))}
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
                        // Set once, not written back while typing: a number field reads
                        // "0." as "0", and writing that back would swallow the point.
                        value=alpha.get_untracked()
                        on:input=move |ev| alpha.set(event_target_value(&ev))
                    />
                </label>
                <button
                    class="button"
                    data-testid="train"
                    prop:disabled=move || busy.get() || tables.with(Result::is_err)
                    on:click=run
                >
                    "Train"
                </button>
            </div>
            <TrainProgress progress=progress.into() />
            {move || notice.get().map(|text| view! {
                <p class="muted" data-testid="train-status">{text}</p>
            })}
            {move || outcome.get().map(|result| match result {
                Ok(TrainOutcome { summary, elapsed_ms, evaluation, validation_file, note, .. }) => {
                    view! {
                        {note.map(|note| view! { <p class="muted" data-testid="train-note">{note}</p> })}
                        <TrainResult summary elapsed_ms testid_prefix="" />
                        <EvaluateView evaluation validation_file />
                    }
                    .into_any()
                }
                Err(message) => view! {
                    <p class="error-message" data-testid="train-error">{message}</p>
                }.into_any(),
            })}
        </section>
    }
}
