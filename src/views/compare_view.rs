//! The Compare panel, for the runs ticked in the runs table: a side-by-side
//! table (differing params highlighted), a metric against a param, parallel coordinates,
//! and a metric's history per run. The data is the engine's (`store::compare`), the
//! drawings `flowbook_charts`'.

use flowbook_charts::{
    draw_metric_histories, draw_metric_param_scatter, draw_parallel_coordinates,
};
use flowbook_core::store::compare::{
    compare_keys, compare_table, metric_histories, metric_param_scatter, parallel_coordinates,
};
use flowbook_core::store::StoredRun;
use leptos::prelude::*;

use crate::state::runs::RunStore;
use crate::state::server_comparison::ServerComparison;
use crate::views::chart::Chart;

/// The ticked runs that still exist, in the order they were ticked.
fn chosen(runs: &[StoredRun], compared: &[String]) -> Vec<StoredRun> {
    compared
        .iter()
        .filter_map(|id| runs.iter().find(|s| s.run.client_id == *id))
        .cloned()
        .collect()
}

fn number(value: Option<f64>) -> String {
    value.map_or("—".into(), |v| format!("{v:.6}"))
}

/// A `<select>` over `keys`, bound to `choice`.
fn key_select(test_id: &'static str, keys: Vec<String>, choice: RwSignal<String>) -> impl IntoView {
    let options = keys
        .into_iter()
        .map(|k| {
            let selected = choice.with_untracked(|c| *c == k);
            view! { <option value=k.clone() selected=selected>{k.clone()}</option> }
        })
        .collect_view();
    view! {
        <select data-testid=test_id on:change=move |ev| choice.set(event_target_value(&ev))>
            {options}
        </select>
    }
}

#[component]
pub fn CompareView(compared: RwSignal<Vec<String>>) -> impl IntoView {
    let store = expect_context::<RunStore>();
    let metric = RwSignal::new("val_rmse".to_string());
    let param = RwSignal::new("alpha".to_string());
    let server = use_context::<ServerComparison>();
    let runs = Memo::new(move |_| {
        let mut runs = compared.with(|ids| store.runs.with(|runs| chosen(runs, ids)));
        // The server's runs are named as such: they are the team's, not this browser's.
        if let Some(server) = server {
            runs.extend(server.0.get().into_iter().map(|mut s| {
                s.run.name = format!("{} (server)", s.run.name);
                s
            }));
        }
        runs
    });

    let table = move || {
        let runs = runs.get();
        let refs: Vec<_> = runs.iter().map(|s| &s.run).collect();
        let data = compare_table(&refs);
        let heads = runs
            .iter()
            .map(|s| view! { <th data-testid="compare-run">{s.run.name.clone()}</th> })
            .collect_view();
        let params = data
            .params
            .into_iter()
            .map(|row| {
                let cells = row
                    .values
                    .iter()
                    .map(|v| view! { <td>{v.clone().unwrap_or_else(|| "—".into())}</td> })
                    .collect_view();
                view! {
                    <tr data-testid="compare-param" data-key=row.key.clone() class:differs=row.differs>
                        <th>{format!("params.{}", row.key)}</th>{cells}
                    </tr>
                }
            })
            .collect_view();
        let metrics = data
            .metrics
            .into_iter()
            .map(|row| {
                let cells = row
                    .values
                    .iter()
                    .map(|v| view! { <td>{number(*v)}</td> })
                    .collect_view();
                view! {
                    <tr data-testid="compare-metric" data-key=row.key.clone()>
                        <th>{format!("metrics.{}", row.key)}</th>{cells}
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table class="schema compare-table" data-testid="compare-table">
                    <thead><tr><th></th>{heads}</tr></thead>
                    <tbody>{params}{metrics}</tbody>
                </table>
            </div>
        }
    };
    let pickers = move || {
        let runs = runs.get();
        let refs: Vec<_> = runs.iter().map(|s| &s.run).collect();
        let (params, metrics) = compare_keys(&refs);
        view! {
            <div class="train-controls">
                <label>"Metric " {key_select("compare-metric-key", metrics, metric)}</label>
                <label>"Param " {key_select("compare-param-key", params, param)}</label>
            </div>
        }
    };
    let charts = move || {
        let runs = runs.get();
        let refs: Vec<_> = runs.iter().map(|s| &s.run).collect();
        let (metric, param) = (metric.get(), param.get());
        let scatter = metric_param_scatter(&refs, &metric, &param);
        let parallel = parallel_coordinates(&refs);
        let histories = metric_histories(&refs, &metric);
        let names = runs
            .iter()
            .map(|s| s.run.name.clone())
            .collect::<Vec<_>>()
            .join(", ");
        let scatter_view = match scatter {
            Some(data) => view! {
                <Chart
                    test_id="compare-scatter"
                    description=format!("metrics.{metric} against params.{param} for {names}")
                    file_stem="compare-scatter".into()
                    draw=Box::new(move |area| draw_metric_param_scatter(area, &data))
                />
            }
            .into_any(),
            None => view! {
                <p class="muted" data-testid="compare-scatter-empty">
                    {format!("No chosen run has both params.{param} and metrics.{metric}.")}
                </p>
            }
            .into_any(),
        };
        let history_metric = metric.clone();
        view! {
            {scatter_view}
            <Chart
                test_id="compare-parallel"
                description=format!("Parallel coordinates of {names}")
                file_stem="compare-parallel".into()
                draw=Box::new(move |area| draw_parallel_coordinates(area, &parallel))
            />
            <Chart
                test_id="compare-history"
                description=format!("metrics.{metric} over steps for {names}")
                file_stem="compare-history".into()
                draw=Box::new(move |area| draw_metric_histories(area, &history_metric, &histories))
            />
        }
    };
    view! {
        <section class="compare" data-testid="compare">
            {move || if runs.with(Vec::is_empty) {
                view! { <p class="muted">"Tick runs in the table (or the team's runs from the server) to compare them."</p> }.into_any()
            } else {
                view! { {table} {pickers} {charts} }.into_any()
            }}
        </section>
    }
}
