//! The Monitor cell on screen: its months (one per line: a file open in the page or an
//! address) and thresholds (JSON), and its result: a verdict per month, the error and the
//! target's drift per month against their lines, the drift heatmap, and the zone pairs
//! that changed most, with zone names.

use std::sync::Arc;

use flowbook_charts::{draw_drift_heatmap, draw_metric_per_month, DriftCell, MonthSeries};
use flowbook_core::data::ZoneLookup;
use flowbook_core::monitor::{MonthCheck, Thresholds, TARGET_COLUMN};
use flowbook_core::notebook::{CellKind, MonitorSettings};
use leptos::prelude::*;

use crate::state::monitoring::MonitorOutcome;
use crate::state::notebook::{settings, NotebookState};
use crate::state::notebook_runner::commit;
use crate::views::chart::{Chart, Draw};

#[component]
pub fn MonitorEditor(
    state: NotebookState,
    id: String,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let current = settings(state, id.clone(), |k| match k {
        CellKind::Monitor(s) => Some(s),
        _ => None,
    });
    let id = StoredValue::new(id);
    let write = move |next: MonitorSettings| {
        commit(state, &id.get_value(), CellKind::Monitor(next), problem)
    };
    let take_model = move |text: String| {
        let Some(mut next) = current.get_untracked() else {
            return;
        };
        next.model = text.trim().to_string();
        write(next);
    };
    let months_text = move || {
        current
            .get()
            .map(|s| s.months.join("\n"))
            .unwrap_or_default()
    };
    let thresholds_text = move || {
        current
            .get()
            .and_then(|s| serde_json::to_string_pretty(&s.thresholds).ok())
            .unwrap_or_default()
    };
    let take_months = move |text: String| {
        let Some(mut next) = current.get_untracked() else {
            return;
        };
        next.months = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        write(next);
    };
    // Thresholds are taken only when they read: a mistake leaves the cell as it was.
    let take_thresholds = move |text: String| {
        let Some(mut next) = current.get_untracked() else {
            return;
        };
        let read = serde_json::from_str(&text)
            .map_err(|e| format!("not valid JSON ({e})"))
            .and_then(Thresholds::from_value);
        match read {
            Ok(thresholds) => {
                next.thresholds = thresholds;
                write(next);
            }
            Err(e) => problem.set(Some(format!(
                "The thresholds {e}; the cell keeps its thresholds."
            ))),
        }
    };
    view! {
        <div class="cell-controls cell-controls-column">
            <label>
                "Model (empty: the Train cell above; or name@alias, name/3, a run's id)"
                <input type="text" data-testid="monitor-model" spellcheck="false"
                    placeholder="the Train cell above"
                    prop:value=move || current.get().map(|s| s.model).unwrap_or_default()
                    on:change=move |ev| take_model(event_target_value(&ev)) />
            </label>
            <label>
                "Later months, one per line (a file opened above, or an address)"
                <textarea data-testid="monitor-months" rows="4" spellcheck="false"
                    prop:value=months_text
                    on:change=move |ev| take_months(event_target_value(&ev))></textarea>
            </label>
        </div>
        <details class="search-space">
            <summary>"Thresholds (JSON; Evidently's drift defaults)"</summary>
            <textarea data-testid="monitor-thresholds" rows="12" spellcheck="false"
                prop:value=thresholds_text
                on:change=move |ev| take_thresholds(event_target_value(&ev))></textarea>
        </details>
    }
}

fn severity(check: &MonthCheck, column: &str) -> Option<DriftCell> {
    let drift = check.drift_of(column)?;
    let test = drift.test;
    Some(DriftCell {
        severity: test.severity(),
        drifted: test.drifted,
        value: test.value,
    })
}

#[component]
pub fn MonitorResult(outcome: Arc<MonitorOutcome>) -> impl IntoView {
    let zones = use_context::<crate::state::zones::Zones>().and_then(|z| z.0.get_untracked());
    let retrain = outcome.months.iter().filter(|m| m.verdict.retrain).count();
    let summary = format!(
        "{}: {} month(s) checked against {} ({} trips, RMSE {:.3}) · retrain: {} · {:.1} s",
        outcome.model_label,
        outcome.months.len(),
        outcome.reference.file_name,
        outcome.reference.rows(),
        outcome.reference.metrics.rmse,
        if retrain == 0 {
            "no".to_string()
        } else {
            format!("yes, {retrain} month(s) call for it")
        },
        outcome.elapsed_ms / 1000.0
    );
    let labels = outcome.labels.clone();
    let thresholds_rmse = outcome.months.first().map(|m| m.baseline_rmse);
    let rmse_chart = {
        let outcome = outcome.clone();
        let labels = labels.clone();
        let (warning, alert) = (
            Some(outcome.thresholds.rmse_warning),
            Some(outcome.thresholds.rmse_alert),
        );
        let draw: Draw = Box::new(move |area| {
            let values: Vec<Option<f64>> = outcome
                .months
                .iter()
                .map(|m| Some(m.metrics.rmse))
                .collect();
            let line = |r: Option<f64>| Some(thresholds_rmse? * (1.0 + r?));
            draw_metric_per_month(
                area,
                &MonthSeries {
                    months: &labels,
                    values: &values,
                    warning: line(warning),
                    alert: line(alert),
                    y_label: "RMSE (min)",
                },
            )
        });
        view! {
            <Chart test_id="chart-monitor-rmse" description="The model's RMSE on each month, with its warning and alert lines".to_string()
                file_stem="monitor-rmse".to_string() draw height=240 />
        }
    };
    let target_chart = {
        let outcome = outcome.clone();
        let fraction = outcome.thresholds.drift_warning_fraction;
        let labels = labels.clone();
        let draw: Draw = Box::new(move |area| {
            let drift: Vec<_> = outcome
                .months
                .iter()
                .map(|m| m.drift_of(TARGET_COLUMN))
                .collect();
            let values: Vec<Option<f64>> = drift.iter().map(|d| d.map(|d| d.test.value)).collect();
            let first = drift.iter().flatten().next();
            let alert = first.map(|d| d.test.threshold);
            let test = first
                .map(|d| d.test.stat_test.display_name())
                .unwrap_or("drift");
            let label = format!("duration drift ({test})");
            draw_metric_per_month(
                area,
                &MonthSeries {
                    months: &labels,
                    values: &values,
                    warning: alert.map(|a| a * fraction),
                    alert,
                    y_label: &label,
                },
            )
        });
        view! {
            <Chart test_id="chart-monitor-target-drift" description="Drift of the trip duration on each month against its threshold".to_string()
                file_stem="monitor-target-drift".to_string() draw height=240 />
        }
    };
    let heatmap = {
        let outcome = outcome.clone();
        let labels = labels.clone();
        let columns: Vec<String> = outcome.reference.columns.clone();
        let height = 40 + 34 * columns.len() as u32;
        let draw: Draw = Box::new(move |area| {
            let cells: Vec<Vec<Option<DriftCell>>> = columns
                .iter()
                .map(|c| outcome.months.iter().map(|m| severity(m, c)).collect())
                .collect();
            draw_drift_heatmap(area, &columns, &labels, &cells)
        });
        view! {
            <Chart test_id="chart-monitor-heatmap" description="Each column's drift on each month; ✕ marks a drifted column".to_string()
                file_stem="monitor-drift-heatmap".to_string() draw height />
        }
    };
    let verdicts: Vec<_> = outcome
        .months
        .iter()
        .zip(&labels)
        .map(|(m, label)| {
            view! {
                <tr data-testid="monitor-month" data-month=label.clone() data-retrain=m.verdict.retrain.to_string()
                    data-rmse=m.metrics.rmse.to_string() data-drifted-share=m.drifted_share.to_string()>
                    <td>{label.clone()}</td>
                    <td>{m.rows}</td>
                    <td>{format!("{:.3}", m.metrics.rmse)}</td>
                    <td>{format!("{:.1} %", m.unseen_share * 100.0)}</td>
                    <td>{format!("{} of {}", m.drift.iter().filter(|d| d.test.drifted).count(), m.drift.len())}</td>
                    <td class=if m.verdict.retrain { "monitor-alert" } else { "" }>
                        <strong>{if m.verdict.retrain { "retrain" } else { "ok" }}</strong>
                        " "<span class="muted">{m.verdict.reasons.join("; ")}</span>
                    </td>
                </tr>
            }
        })
        .collect();
    let pairs: Vec<_> = outcome
        .months
        .last()
        .map(|m| m.changed_pairs.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            view! {
                <tr data-testid="monitor-pair">
                    <td>{format!("{} → {}", ZoneLookup::label_in(zones.as_ref(), p.pickup_zone), ZoneLookup::label_in(zones.as_ref(), p.dropoff_zone))}</td>
                    <td>{format!("{:.2} %", p.reference_share * 100.0)}</td>
                    <td>{format!("{:.2} %", p.current_share * 100.0)}</td>
                    <td>{format!("{:+.2}", p.change() * 100.0)}</td>
                </tr>
            }
        })
        .collect();
    let last = labels.last().cloned().unwrap_or_default();
    view! {
        <p class="cell-summary" data-testid="cell-monitor-summary"
            data-months=outcome.months.len().to_string() data-retrain=retrain.to_string()
            data-run=outcome.run.client_id.clone()>{summary}</p>
        {outcome.note.clone().map(|note| view! { <p class="muted" data-testid="cell-monitor-note">{note}</p> })}
        <table class="runs-table" data-testid="monitor-table">
            <thead><tr><th>"month"</th><th>"trips"</th><th>"RMSE"</th><th>"unseen"</th><th>"drifted"</th><th>"verdict"</th></tr></thead>
            <tbody>{verdicts}</tbody>
        </table>
        {rmse_chart}
        {target_chart}
        {heatmap}
        <h4>{format!("Zone pairs whose share changed most ({last} against the reference)")}</h4>
        <table class="runs-table" data-testid="monitor-pairs">
            <thead><tr><th>"zone pair"</th><th>"reference"</th><th>{last}</th><th>"change (points)"</th></tr></thead>
            <tbody>{pairs}</tbody>
        </table>
    }
}
