//! Opening a trip file from a URL, with a progress bar while it downloads.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::services::load::{fetch_bytes_with_progress, MAX_TRIP_FILE_BYTES};

/// Bytes received so far and the total the server announced, if it did.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Progress {
    received: u64,
    total: Option<u64>,
}

/// A URL field; `on_bytes` gets the file name and the downloaded bytes or the error.
#[component]
pub fn UrlLoader<F>(on_bytes: F) -> impl IntoView
where
    F: Fn(String, Result<bytes::Bytes, String>) + Copy + 'static,
{
    let url = RwSignal::new(String::new());
    let progress = RwSignal::new(None::<Progress>);
    let start = move || {
        let address = url.get_untracked().trim().to_string();
        if address.is_empty() {
            return;
        }
        let file_name = address
            .rsplit('/')
            .find(|part| !part.is_empty())
            .unwrap_or("download.parquet")
            .split(['?', '#'])
            .next()
            .unwrap_or("download.parquet")
            .to_string();
        progress.set(Some(Progress {
            received: 0,
            total: None,
        }));
        spawn_local(async move {
            let result = fetch_bytes_with_progress(
                &address,
                MAX_TRIP_FILE_BYTES,
                "a trip file",
                move |received, total| {
                    progress.set(Some(Progress { received, total }));
                },
            )
            .await;
            progress.set(None);
            on_bytes(file_name, result);
        });
    };
    view! {
        <form
            class="url-loader"
            on:submit=move |ev| {
                ev.prevent_default();
                start();
            }
        >
            <input
                type="url"
                placeholder="https://…/green_tripdata_2021-03.parquet"
                data-testid="url-input"
                prop:value=move || url.get()
                on:input=move |ev| url.set(event_target_value(&ev))
            />
            <button class="button" type="submit" data-testid="url-open">"Open URL"</button>
            {move || progress.get().map(|p| {
                let label = match p.total {
                    Some(total) => format!("{} of {} KB", p.received / 1024, total / 1024),
                    None => format!("{} KB", p.received / 1024),
                };
                view! {
                    <progress
                        data-testid="url-progress"
                        max=p.total.unwrap_or(0).max(1).to_string()
                        value=p.received.to_string()
                    ></progress>
                    <span class="muted">{label}</span>
                }
            })}
        </form>
    }
}
