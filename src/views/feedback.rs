//! The one way an action reports back: working (muted), done, or failed (an error, with
//! what to do). Every form and panel shows its outcome with [`FeedbackLine`], so tests and
//! users read the same markup everywhere: `data-testid` names the form, `data-state` is
//! `working`, `done` or `failed`.

use leptos::prelude::*;

/// Where an action stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Feedback {
    Working(String),
    Done(String),
    Failed(String),
}

impl From<Result<String, String>> for Feedback {
    fn from(outcome: Result<String, String>) -> Self {
        match outcome {
            Ok(text) => Feedback::Done(text),
            Err(text) => Feedback::Failed(text),
        }
    }
}

/// A form's last outcome; `None` shows nothing.
pub type FeedbackSignal = RwSignal<Option<Feedback>>;

/// The line showing `feedback`, if any.
#[component]
pub fn FeedbackLine(
    #[prop(into)] feedback: Signal<Option<Feedback>>,
    testid: &'static str,
) -> impl IntoView {
    move || {
        feedback.get().map(|feedback| {
            let (class, state, text) = match feedback {
                Feedback::Working(text) => ("muted", "working", text),
                Feedback::Done(text) => ("", "done", text),
                Feedback::Failed(text) => ("error-message", "failed", text),
            };
            view! { <p class=class data-testid=testid data-state=state>{text}</p> }
        })
    }
}
