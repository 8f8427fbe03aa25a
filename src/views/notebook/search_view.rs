//! The Search cell on screen: its settings (a space file's JSON with presets, the
//! algorithm, the trial count, the seed), its progress while trials run, and its result
//! (the best trial, the objective per trial, parallel coordinates, Register best).

use std::sync::Arc;

use flowbook_charts::{draw_parallel_coordinates, draw_search_objective};
use flowbook_core::notebook::{
    CellKind, SearchCellSettings, COURSE_SEARCH_SPACE, LINEAR_SEARCH_SPACE,
    QUICK_TREES_SEARCH_SPACE,
};
use flowbook_core::search::{trial_parallel_coordinates, Algorithm, SearchSpace, TrialReport};
use leptos::prelude::*;

use crate::state::notebook::{settings, NotebookState, SearchProgress};
use crate::state::notebook_runner::commit;
use crate::state::searching::SearchOutcome;
use crate::views::chart::{Chart, Draw};
use crate::views::feedback::{Feedback, FeedbackLine};

fn preset(name: &str) -> Option<&'static str> {
    match name {
        "linear" => Some(LINEAR_SEARCH_SPACE),
        "trees" => Some(QUICK_TREES_SEARCH_SPACE),
        "course" => Some(COURSE_SEARCH_SPACE),
        _ => None,
    }
}

#[component]
pub fn SearchEditor(
    state: NotebookState,
    id: String,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let current = settings(state, id.clone(), |k| match k {
        CellKind::Search(s) => Some(s),
        _ => None,
    });
    let id = StoredValue::new(id);
    let write = move |next: SearchCellSettings| {
        commit(state, &id.get_value(), CellKind::Search(next), problem)
    };
    // A space is taken only when it reads: a mistake leaves the cell as it was.
    let take_space = move |text: &str| {
        let Some(mut next) = current.get_untracked() else {
            return;
        };
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(e) => {
                problem.set(Some(format!(
                    "The search space is not valid JSON ({e}); the cell keeps its space."
                )));
                return;
            }
        };
        if let Err(e) = SearchSpace::from_value(value.clone()) {
            problem.set(Some(format!("{e} — the cell keeps its space.")));
            return;
        }
        next.space = value;
        write(next);
    };
    let number_field = move |testid: &'static str,
                             label: &'static str,
                             get: fn(&SearchCellSettings) -> u64,
                             set: fn(&mut SearchCellSettings, u64)| {
        view! {
            <label>
                {label}" "
                <input type="number" min="1" step="1" data-testid=testid
                    prop:value=move || current.get().map(|s| get(&s).to_string()).unwrap_or_default()
                    on:change=move |ev| {
                        let Some(mut next) = current.get_untracked() else { return };
                        match event_target_value(&ev).trim().parse::<u64>() {
                            Ok(v) => {
                                set(&mut next, v);
                                write(next);
                            }
                            Err(_) => problem.set(Some(format!("{label} must be a whole number"))),
                        }
                    } />
            </label>
        }
    };
    let space_text = move || {
        current
            .get()
            .map(|s| serde_json::to_string_pretty(&s.space).unwrap_or_default())
            .unwrap_or_default()
    };
    view! {
        <div class="cell-controls">
            <label>
                "preset "
                <select data-testid="search-preset" on:change=move |ev| {
                    if let Some(text) = preset(&event_target_value(&ev)) {
                        take_space(text);
                    }
                }>
                    <option value="" selected>"choose a space…"</option>
                    <option value="linear">"Linear models (alpha, l1_ratio, feature set)"</option>
                    <option value="trees">"Quick trees (depth, learning rate, min_child_weight)"</option>
                    <option value="course">"The course's XGBoost space (1,000 rounds: slow)"</option>
                </select>
            </label>
            <label>
                "algorithm "
                <select data-testid="search-algorithm" on:change=move |ev| {
                    let Some(mut next) = current.get_untracked() else { return };
                    match Algorithm::parse(&event_target_value(&ev)) {
                        Ok(algorithm) => {
                            next.algorithm = algorithm;
                            write(next);
                        }
                        Err(message) => problem.set(Some(message)),
                    }
                }>
                    {[Algorithm::Tpe, Algorithm::Random, Algorithm::Grid].map(|a| view! {
                        <option value=a.name()
                            selected=move || current.get().is_some_and(|s| s.algorithm == a)>
                            {a.name()}
                        </option>
                    })}
                </select>
            </label>
            {number_field("search-max-evals", "trials", |s| s.max_evals as u64, |s, v| s.max_evals = v as usize)}
            {number_field("search-seed", "seed", |s| s.seed, |s, v| s.seed = v)}
        </div>
        <details class="search-space">
            <summary>"Search space (JSON, hyperopt's distributions)"</summary>
            <textarea data-testid="search-space" rows="14" spellcheck="false"
                prop:value=space_text
                on:change=move |ev| take_space(&event_target_value(&ev))></textarea>
        </details>
    }
}

/// Trials done and the best so far, with Cancel (the trials done are kept).
#[component]
pub fn SearchProgressView(progress: Signal<Option<SearchProgress>>) -> impl IntoView {
    let text = move || {
        progress
            .get()
            .map(|p| {
                let best = p.best.map_or("—".to_string(), |b| format!("{b:.3}"));
                format!(
                    "Trial {} of {} · best validation RMSE {best}",
                    p.done, p.planned
                )
            })
            .unwrap_or_default()
    };
    view! {
        <Show when=move || progress.with(Option::is_some)>
            <div class="train-progress" data-testid="search-progress" role="status">
                <progress max=move || progress.get().map_or(0, |p| p.planned).to_string()
                    value=move || progress.get().map_or(0, |p| p.done).to_string()></progress>
                <span class="muted">{text}</span>
                <button class="button button-quiet button-small" data-testid="search-cancel"
                    on:click=move |_| crate::services::train_worker::cancel()>"Stop"</button>
            </div>
        </Show>
    }
}

fn short_params(trial: &TrialReport) -> String {
    trial
        .config
        .params
        .iter()
        .filter(|(k, _)| k != "min_duration" && k != "max_duration")
        .map(|(k, v)| match v.parse::<f64>() {
            Ok(x) if v.contains('.') => format!("{k}={x:.4}"),
            _ => format!("{k}={v}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
pub fn SearchResult(outcome: Arc<SearchOutcome>) -> impl IntoView {
    let best = outcome.best.map(|b| outcome.trials[b].clone());
    let summary = match &best {
        Some(trial) => format!(
            "Best of {} trials: validation RMSE {:.3} min (trial {}, {}) · {:.1} s{} · {}",
            outcome.trials.len(),
            trial.loss(),
            trial.number,
            short_params(trial),
            outcome.elapsed_ms / 1000.0,
            match outcome.workers {
                0 => String::new(),
                1 => " on 1 worker".to_string(),
                n => format!(" on {n} workers"),
            },
            outcome.stop.describe()
        ),
        None => format!("No trial succeeded ({} tried).", outcome.trials.len()),
    };
    let losses: Vec<Option<f64>> = outcome
        .trials
        .iter()
        .map(|t| t.metrics.as_ref().map(|m| m.validation.rmse))
        .collect();
    let objective: Draw = Box::new(move |area| draw_search_objective(area, &losses));
    let parallel = trial_parallel_coordinates(&outcome.trials);
    let axes = parallel.axes.len();
    let parallel_chart = (axes >= 2).then(|| {
        let draw: Draw = Box::new(move |area| draw_parallel_coordinates(area, &parallel));
        view! {
            <Chart test_id="chart-search-parallel"
                description="Each trial's settings and validation RMSE, one line per trial".to_string()
                file_stem="search-parallel-coordinates".to_string() draw />
        }
    });
    let mut ranked: Vec<&TrialReport> = outcome
        .trials
        .iter()
        .filter(|t| t.metrics.is_some())
        .collect();
    ranked.sort_by(|a, b| a.loss().total_cmp(&b.loss()));
    let rows: Vec<_> = ranked
        .into_iter()
        .take(10)
        .map(|t| {
            view! {
                <tr data-testid="search-trial-row">
                    <td>{t.number}</td>
                    <td>{format!("{:.4}", t.loss())}</td>
                    <td>{short_params(t)}</td>
                </tr>
            }
        })
        .collect();
    let failed = outcome
        .trials
        .iter()
        .filter(|t| t.metrics.is_none())
        .count();
    let register = outcome.best_run.clone().map(|run| {
        let message = RwSignal::new(None::<Result<String, String>>);
        let name = RwSignal::new("taxi-duration".to_string());
        let run = StoredValue::new(run);
        view! {
            <div class="cell-controls">
                <label>"model name "
                    <input type="text" data-testid="search-register-name" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <button class="button button-small" data-testid="search-register-best" on:click=move |_| {
                    let Some(registry) = use_context::<crate::state::registry::RegistryStore>() else {
                        message.set(Some(Err("There is no model registry on this page.".to_string())));
                        return;
                    };
                    let (best, chosen) = (run.get_value(), name.get_untracked());
                    leptos::task::spawn_local(async move {
                        let outcome = registry.register(&chosen, &best, "best trial of a search").await;
                        message.set(Some(outcome.map(|version| format!("Registered {} version {version}.", chosen.trim()))));
                    });
                }>"Register best"</button>
                <FeedbackLine feedback=Signal::derive(move || message.get().map(Feedback::from)) testid="search-register-message" />
            </div>
        }
    });
    view! {
        <p class="cell-summary" data-testid="cell-search-summary"
            data-trials=outcome.trials.len().to_string()
            data-workers=outcome.workers.to_string()
            data-best=best.as_ref().map(|t| t.loss().to_string()).unwrap_or_default()
            data-parent=outcome.parent.client_id.clone()>{summary}</p>
        {outcome.note.clone().map(|note| view! { <p class="muted" data-testid="cell-search-note">{note}</p> })}
        {(failed > 0).then(|| view! { <p class="muted">{format!("{failed} trial(s) failed; their runs say why.")}</p> })}
        {register}
        <Chart test_id="chart-search-objective"
            description="Validation RMSE of each trial and the best so far".to_string()
            file_stem="search-objective".to_string() draw=objective />
        {parallel_chart}
        <table class="runs-table search-trials" data-testid="search-trials">
            <thead><tr><th>"trial"</th><th>"val RMSE"</th><th>"settings"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
