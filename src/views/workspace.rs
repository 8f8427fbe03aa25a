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
    // The badges' closures run outside this component's setup: contexts are read here.
    let datasets = use_context::<Datasets>();
    let runs = use_context::<RunStore>();
    let registry = use_context::<RegistryStore>();
    let server = use_context::<ServerComparison>();
    let tabs = Panel::ALL
        .into_iter()
        .map(|panel| {
            let badge = move || {
                let n = match panel {
                    Panel::Data => datasets.map(|d| d.count()),
                    Panel::Runs => runs.map(|s| s.listed_count()),
                    Panel::Compare => Some(
                        runs.map_or(0, |s| workspace.ticked_count(&s))
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

/// The side panel: the open panel's content under its title and a close button. `content`
/// gives each panel's view; all of them stay in the page, the closed ones hidden. Escape
/// closes the panel wherever the focus is (a tab just clicked keeps it in the top bar).
#[component]
pub fn SidePanel(content: fn(Panel) -> AnyView) -> impl IntoView {
    let workspace = expect_context::<Workspace>();
    let open = workspace.open;
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        let closes = ev.key() == "Escape" && !ev.default_prevented() && !ev.is_composing();
        if closes && open.get_untracked().is_some() {
            workspace.set_open(None);
        }
    });
    on_cleanup(move || escape.remove());
    let bodies = Panel::ALL
        .into_iter()
        .map(|p| {
            view! {
                <div
                    class="panel-body"
                    data-testid=format!("panel-{}", p.key())
                    prop:hidden=move || open.get() != Some(p)
                >
                    {content(p)}
                </div>
            }
        })
        .collect_view();
    view! {
        <aside
            class="side-panel"
            data-testid="side-panel"
            prop:hidden=move || open.get().is_none()
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
