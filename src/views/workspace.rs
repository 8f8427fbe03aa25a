//! The places beside the notebook: a tab per panel in the top bar (Data, Runs, Compare,
//! Registry, MLflow, each with a count where one helps), and the side panel that shows the
//! open one. Every panel stays mounted while closed, so what the user typed or picked in it
//! is still there when they come back.

use leptos::prelude::*;

use crate::state::datasets::Datasets;
use crate::state::registry::RegistryStore;
use crate::state::runs::RunStore;
use crate::state::server_comparison::ServerComparison;
use crate::state::workspace::{Panel, Workspace};

/// The tab bar: a tab opens its panel, or closes it when it is the open one.
#[component]
pub fn PanelTabs() -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let tabs = Panel::ALL
        .into_iter()
        .map(|panel| {
            // Contexts are read here, once; the closure below only reads signals.
            let datasets = use_context::<Datasets>();
            let runs = use_context::<RunStore>();
            let registry = use_context::<RegistryStore>();
            let server = use_context::<ServerComparison>();
            let badge = move || {
                let n = match panel {
                    Panel::Data => datasets.map(|d| d.get().len()),
                    Panel::Runs => runs.map(|s| s.runs.with(Vec::len)),
                    Panel::Compare => Some(
                        workspace.compared.with(Vec::len)
                            + server.map_or(0, |c| c.0.with(Vec::len)),
                    ),
                    Panel::Registry => registry.map(|r| r.registry.with(|g| g.models.len())),
                    Panel::Mlflow => None,
                };
                n.filter(|n| *n > 0)
                    .map(|n| view! { <span class="tab-count">{n}</span> })
            };
            let selected = move || workspace.open.get() == Some(panel);
            view! {
                <button
                    class="panel-tab"
                    class:active=selected
                    role="tab"
                    aria-selected=move || selected().to_string()
                    data-testid=format!("tab-{}", panel.key())
                    on:click=move |_| workspace.toggle(panel)
                >
                    {panel.label()}
                    {badge}
                </button>
            }
        })
        .collect_view();
    view! { <nav class="panel-tabs" role="tablist" aria-label="Panels">{tabs}</nav> }
}

/// The side panel: the open panel's content under its title and a close button. `panel`
/// gives each panel's content; all of them stay in the page, the closed ones hidden.
#[component]
pub fn SidePanel(panel: fn(Panel) -> AnyView) -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let open = workspace.open;
    let bodies = Panel::ALL
        .into_iter()
        .map(|p| {
            view! {
                <div
                    class="panel-body"
                    data-testid=format!("panel-{}", p.key())
                    prop:hidden=move || open.get() != Some(p)
                >
                    {panel(p)}
                </div>
            }
        })
        .collect_view();
    view! {
        <aside
            class="side-panel"
            data-testid="side-panel"
            prop:hidden=move || open.get().is_none()
            on:keydown=move |ev: web_sys::KeyboardEvent| {
                if ev.key() == "Escape" {
                    workspace.set_open(None);
                }
            }
        >
            <header class="side-panel-header">
                <h2 class="side-panel-title">{move || open.get().map(Panel::label)}</h2>
                <button
                    class="button button-quiet"
                    data-testid="close-panel"
                    aria-label="Close the panel"
                    on:click=move |_| workspace.set_open(None)
                >
                    "×"
                </button>
            </header>
            {bodies}
        </aside>
    }
}
