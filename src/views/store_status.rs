//! The line under a store's heading that says how its saved contents stand: loading, a
//! save that failed, or contents that could not be read. Unreadable contents are kept as
//! they are; the line offers them as a file and a retry, since changes wait until they
//! load.

use leptos::prelude::*;

use crate::services::load::offer_text_download;
use crate::state::runs::StoreStatus;

#[component]
pub fn StoreStatusLine(
    status: RwSignal<StoreStatus>,
    /// Reads the store again.
    retry: impl Fn() + Copy + Send + Sync + 'static,
    testid: &'static str,
    /// What the line says while the store loads.
    loading: &'static str,
    /// The name of the file that holds the contents as stored.
    file_name: &'static str,
) -> impl IntoView {
    let export_failed = RwSignal::new(None::<String>);
    move || {
        let current = status.get();
        let message = match &current {
            StoreStatus::Loading => loading.to_string(),
            other => other.message()?,
        };
        let StoreStatus::Unreadable { raw, .. } = current else {
            return Some(
                view! { <div><p class="muted" data-testid=testid>{message}</p></div> }.into_any(),
            );
        };
        let export = raw.map(|raw| {
            view! {
                <button class="button button-small" data-testid=format!("{testid}-export")
                    on:click=move |_| export_failed.set(offer_text_download(file_name, &raw).err())>
                    "Export what is stored"
                </button>
            }
        });
        Some(
            view! {
                <div class="store-unreadable">
                    <p class="error-message" data-testid=testid data-state="unreadable">{message}</p>
                    {export}
                    <button class="button button-small button-quiet" data-testid=format!("{testid}-retry")
                        on:click=move |_| retry()>
                        "Try again"
                    </button>
                    {move || export_failed.get().map(|e| view! { <p class="error-message">{e}</p> })}
                </div>
            }
            .into_any(),
        )
    }
}
