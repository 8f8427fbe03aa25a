//! A trip file's preview: per-column summaries, the first trips with zone names, and the
//! duration distribution. Values come from `flowbook_core::data::trip_preview`.

use flowbook_core::data::{ColumnSummary, PreviewRow, TripPreview};
use leptos::prelude::*;

use flowbook_charts::{draw_histograms, HistogramSeries};

use crate::state::zones::Zones;
use crate::views::chart::{Chart, Draw};

fn number(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "—".to_string(), |v| format!("{v:.digits$}"))
}

#[component]
pub fn TripPreviewView(
    preview: Result<TripPreview, String>,
    /// The file's name without extension, for chart downloads.
    file_stem: String,
) -> impl IntoView {
    let preview = match preview {
        Ok(preview) => preview,
        Err(message) => {
            return view! {
                <section class="card" data-testid="preview-error">
                    <p class="error-message">{format!("Not usable as trip data: {message}")}</p>
                </section>
            }
            .into_any()
        }
    };
    let zones = use_context::<Zones>();
    let zone = move |id: Option<i64>| match (id, zones.and_then(|z| z.0.get())) {
        (Some(id), Some(lookup)) => format!("{id} · {}", lookup.label(id)),
        (Some(id), None) => id.to_string(),
        (None, _) => "—".to_string(),
    };
    let summaries = preview
        .summaries
        .into_iter()
        .map(
            |ColumnSummary {
                 name,
                 nulls,
                 min,
                 max,
                 mean,
             }| {
                view! {
                    <tr>
                        <td><code>{name}</code></td>
                        <td class="num">{nulls}</td>
                        <td class="num">{number(min, 2)}</td>
                        <td class="num">{number(max, 2)}</td>
                        <td class="num">{number(mean, 3)}</td>
                    </tr>
                }
            },
        )
        .collect_view();
    let rows = preview
        .first_rows
        .into_iter()
        .map(|row: PreviewRow| {
            let (pu, dol) = (row.pu_location, row.do_location);
            view! {
                <tr>
                    <td>{row.pickup.unwrap_or_default()}</td>
                    <td>{row.dropoff.unwrap_or_default()}</td>
                    <td>{move || zone(pu)}</td>
                    <td>{move || zone(dol)}</td>
                    <td class="num">{number(row.trip_distance, 2)}</td>
                    <td class="num">{number(row.duration_min, 2)}</td>
                </tr>
            }
        })
        .collect_view();
    let outside = preview.durations.below + preview.durations.above;
    let histogram = preview.durations;
    let draw: Draw = Box::new(move |area| {
        draw_histograms(
            area,
            "trip duration (minutes)",
            &[HistogramSeries {
                label: "trips",
                histogram: &histogram,
            }],
        )
    });
    view! {
        <section class="card" data-testid="preview">
            <h3 class="card-title">{format!("Trips: {} decoded", preview.trips)}</h3>
            <div class="table-wrap">
                <table class="schema" data-testid="summaries">
                    <caption>"Columns used by the notebook"</caption>
                    <thead>
                        <tr><th>"Column"</th><th class="num">"Nulls"</th><th class="num">"Min"</th><th class="num">"Max"</th><th class="num">"Mean"</th></tr>
                    </thead>
                    <tbody>{summaries}</tbody>
                </table>
            </div>
            <div class="table-wrap">
                <table class="schema" data-testid="first-rows">
                    <caption>"First trips"</caption>
                    <thead>
                        <tr><th>"Pickup"</th><th>"Dropoff"</th><th>"Pickup zone"</th><th>"Dropoff zone"</th><th class="num">"Miles"</th><th class="num">"Minutes"</th></tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <figure class="histogram">
                <Chart
                    test_id="duration-histogram"
                    description=format!("Histogram of trip durations in {file_stem}")
                    file_stem=format!("{file_stem}-durations")
                    draw
                />
                <figcaption class="muted">
                    {format!("Trip duration, one bar per minute from 0 to 60; {outside} trips fall outside that range.")}
                </figcaption>
            </figure>
        </section>
    }
    .into_any()
}
