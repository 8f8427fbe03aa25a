//! A Train cell's progress bar and its Cancel button.

use flowbook_core::pipeline::{Phase, Progress};
use leptos::prelude::*;

/// Shows `progress` while it is `Some`; Cancel stops the training in the worker. The
/// elements stay while the training runs (only their values change), so Cancel can be
/// clicked between two steps.
#[component]
pub fn TrainProgress(progress: Signal<Option<Progress>>) -> impl IntoView {
    let field = move |read: fn(&Progress) -> usize| {
        move || progress.get().map_or(0, |p| read(&p)).to_string()
    };
    let text = move || {
        progress
            .get()
            .map(|p| match p.phase {
                // A tree training's first step prepares the rows; the others are rounds.
                Phase::Boosting => format!(
                    "{} {} of {}",
                    p.phase.label(),
                    p.done.saturating_sub(1),
                    p.total.saturating_sub(1)
                ),
                _ => format!("{} · step {} of {}", p.phase.label(), p.done, p.total),
            })
            .unwrap_or_default()
    };
    view! {
        <Show when=move || progress.with(Option::is_some)>
            <div class="train-progress" data-testid="train-progress" role="status">
                <progress
                    data-testid="train-progress-bar"
                    max=field(|p| p.total)
                    value=field(|p| p.done)
                ></progress>
                <span class="muted">{text}</span>
                <button
                    class="button button-quiet button-small"
                    data-testid="train-cancel"
                    on:click=move |_| crate::services::train_worker::cancel()
                >
                    "Cancel"
                </button>
            </div>
        </Show>
    }
}
