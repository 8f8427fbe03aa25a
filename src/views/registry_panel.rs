//! The model registry card: register a run's model as a version, name versions with
//! aliases and move them (a rollback is a move back), take versions through the classic
//! stages, read both histories, and predict a trip with `name@alias` or `name/version`.
//! The rules are the engine's; this file only shows them and reports refusals in words.

use flowbook_core::data::parse_timestamp_us;
use flowbook_core::store::{RegisteredModel, Stage, StoredRun};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::state::registry::{trip_from_text, Prediction, RegistryStore};
use crate::state::runs::RunStore;
use crate::state::zones::Zones;
use crate::views::feedback::{Feedback, FeedbackLine};
use crate::views::form::bound_input;
use crate::views::format::local_time;
use crate::views::registry_details::{tag_text, DetailsForm, ModelDetails};
use crate::views::store_status::StoreStatusLine;

/// Aliases offered in the alias field; any other valid alias can be typed.
const SUGGESTED_ALIASES: [&str; 2] = ["champion", "challenger"];
const DEFAULT_MODEL_NAME: &str = "taxi-duration";
/// Hex digits of a dataset digest shown; the full digest is in the tooltip.
const DIGEST_SHOWN: usize = 12;

/// The outcome of the last action of a form: done (with what happened) or refused (why).
type Outcome = RwSignal<Option<Result<String, String>>>;

fn feedback_view(outcome: Outcome, testid: &'static str) -> impl IntoView {
    let feedback = Signal::derive(move || outcome.get().map(Feedback::from));
    view! { <FeedbackLine feedback testid /> }
}

fn version_label(version: Option<u32>) -> String {
    version.map_or("—".to_string(), |v| format!("v{v}"))
}

/// A run's name for a client id, or the id when the run is not in this browser.
fn run_name(runs: &[StoredRun], client_id: &str) -> String {
    runs.iter()
        .find(|s| s.run.client_id == client_id)
        .map_or_else(|| format!("{client_id} (not here)"), |s| s.run.name.clone())
}

#[component]
pub fn RegistryPanel() -> impl IntoView {
    let registry = expect_context::<RegistryStore>();
    let retry = move || registry.reload();
    let names = move || {
        registry
            .registry
            .with(|r| r.models.iter().map(|m| m.name.clone()).collect::<Vec<_>>())
    };
    view! {
        <section class="card" data-testid="registry">
            <header class="card-header">
                <div>
                    <h2 class="card-title">"Model registry"</h2>
                    <p class="muted">
                        "Register a run's model as a version, point the aliases champion and challenger at versions (moving one back is a rollback), move versions through the stages, and predict a trip with name@alias or name/version."
                    </p>
                </div>
            </header>
            <StoreStatusLine status=registry.status retry testid="registry-status"
                loading="Loading the saved registry…" file_name="flowbook-registry-as-stored.json" />
            <RegisterForm />
            <For each=names key=|name| name.clone() let(name)>
                <ModelCard name />
            </For>
            <PredictBox />
        </section>
    }
}

/// Chooses a run (newest first) and registers its model under a name.
#[component]
fn RegisterForm() -> impl IntoView {
    let runs = expect_context::<RunStore>();
    let registry = expect_context::<RegistryStore>();
    let chosen_run = RwSignal::new(String::new());
    let model_name = RwSignal::new(DEFAULT_MODEL_NAME.to_string());
    let description = RwSignal::new(String::new());
    let feedback: Outcome = RwSignal::new(None);

    let newest_first = move || {
        runs.runs.with(|runs| {
            let mut listed: Vec<(String, String, i64)> = runs
                .iter()
                .map(|s| {
                    (
                        s.run.client_id.clone(),
                        s.run.name.clone(),
                        s.run.start_time_ms,
                    )
                })
                .collect();
            listed.sort_by_key(|&(_, _, start)| std::cmp::Reverse(start));
            listed
        })
    };
    let on_register = move |_| {
        let listed = newest_first();
        // The select shows the newest run until another is picked.
        let wanted = chosen_run.get_untracked();
        let id = if wanted.is_empty() {
            listed.first().map(|(id, _, _)| id.clone())
        } else {
            Some(wanted)
        };
        let Some(id) = id else {
            feedback.set(Some(Err(
                "Train a model first: there is no run to register.".to_string(),
            )));
            return;
        };
        let name = model_name.get_untracked();
        spawn_local(async move {
            // A run loaded on page open holds its model file's name only: read it back.
            let outcome = match runs.full_run(&id).await {
                Ok(run) => registry
                    .register(&name, &run, &description.get_untracked())
                    .await
                    .map(|version| {
                        format!(
                            "Registered run “{}” as {} version {version}.",
                            run.name,
                            name.trim()
                        )
                    }),
                Err(message) => Err(message),
            };
            if outcome.is_ok() {
                description.set(String::new());
            }
            feedback.set(Some(outcome));
        });
    };

    view! {
        <div class="train-controls" data-testid="register-form">
            <label>
                "Run "
                <select
                    data-testid="register-run"
                    prop:value=move || chosen_run.get()
                    on:change=move |ev| chosen_run.set(event_target_value(&ev))
                >
                    {move || newest_first().into_iter().map(|(id, name, start)| view! {
                        <option value=id>{format!("{name} · {}", local_time(start as f64))}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                "Model name "
                {bound_input("register-name", model_name, "text", None)}
            </label>
            <label>
                "Description "
                {bound_input("register-description", description, "text", Some("what changed in this version"))}
            </label>
            <button class="button" data-testid="register" on:click=on_register>"Register version"</button>
        </div>
        {feedback_view(feedback, "register-status")}
    }
}

/// One registered model: its versions, the alias and stage forms, and both histories.
#[component]
fn ModelCard(name: String) -> impl IntoView {
    let registry = expect_context::<RegistryStore>();
    let runs = expect_context::<RunStore>();
    let model = {
        let name = name.clone();
        move || registry.registry.with(|r| r.model(&name).cloned())
    };
    let version_rows = {
        let model = model.clone();
        move || {
            let Some(model) = model() else {
                return Vec::new();
            };
            runs.runs.with(|runs| {
                model
                    .versions
                    .iter()
                    .map(|version| {
                        let aliases: Vec<&str> = model
                            .aliases
                            .iter()
                            .filter(|(_, &v)| v == version.version)
                            .map(|(alias, _)| alias.as_str())
                            .collect();
                        let datasets = version
                            .datasets
                            .iter()
                            .map(|d| {
                                let short: String = d.digest.chars().take(DIGEST_SHOWN).collect();
                                view! {
                                    <span class="digest" title=format!("{} sha256 {}", d.name, d.digest)>
                                        {format!("{} {short} ", d.role.context())}
                                    </span>
                                }
                            })
                            .collect_view();
                        view! {
                            <tr data-testid="model-version" data-version=version.version>
                                <td class="num">{version.version}</td>
                                <td data-testid="version-run">{run_name(runs, &version.source_run)}</td>
                                <td data-testid="version-datasets">{datasets}</td>
                                <td data-testid="version-stage">{version.stage.to_string()}</td>
                                <td data-testid="version-aliases">{aliases.join(", ")}</td>
                                <td>{version.description.clone()}</td>
                                <td data-testid="version-tags">{tag_text(&version.tags)}</td>
                            </tr>
                        }
                    })
                    .collect::<Vec<_>>()
            })
        }
    };
    let (title, testid_name) = (name.clone(), name.clone());
    let (alias_name, stage_name) = (name.clone(), name.clone());
    let (details_name, form_name) = (name.clone(), name.clone());
    view! {
        <article class="registered-model" data-testid="registered-model" data-name=testid_name>
            <h3>{title}</h3>
            <ModelDetails name=details_name />
            <div class="table-wrap">
                <table class="schema">
                    <thead><tr>
                        <th>"Version"</th><th>"Source run"</th><th>"Datasets (sha256)"</th>
                        <th>"Stage"</th><th>"Aliases"</th><th>"Description"</th><th>"Tags"</th>
                    </tr></thead>
                    <tbody>{version_rows}</tbody>
                </table>
            </div>
            <AliasForm name=alias_name />
            <StageForm name=stage_name />
            <DetailsForm name=form_name />
            <Histories name />
        </article>
    }
}

/// The version numbers of a model, newest first, for the forms' selects.
fn version_numbers(registry: RegistryStore, name: &str) -> Vec<u32> {
    registry.registry.with(|r| {
        let mut numbers: Vec<u32> = r
            .model(name)
            .map(|m| m.versions.iter().map(|v| v.version).collect())
            .unwrap_or_default();
        numbers.sort_unstable_by(|a, b| b.cmp(a));
        numbers
    })
}

/// What a form's version select names: the picked version, else the newest it shows.
fn picked_version(registry: RegistryStore, name: &str, picked: &str) -> Option<u32> {
    picked
        .parse()
        .ok()
        .or_else(|| version_numbers(registry, name).first().copied())
}

fn version_select(
    registry: RegistryStore,
    name: String,
    picked: RwSignal<String>,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <select
            data-testid=testid
            prop:value=move || picked.get()
            on:change=move |ev| picked.set(event_target_value(&ev))
        >
            {move || version_numbers(registry, &name).into_iter().map(|v| view! {
                <option value=v.to_string()>{format!("v{v}")}</option>
            }).collect_view()}
        </select>
    }
}

#[component]
fn AliasForm(name: String) -> impl IntoView {
    let registry = expect_context::<RegistryStore>();
    let alias = RwSignal::new(SUGGESTED_ALIASES[0].to_string());
    let picked = RwSignal::new(String::new());
    let feedback: Outcome = RwSignal::new(None);
    let list_id = format!("aliases-{name}");

    let on_set = {
        let name = name.clone();
        move |_| {
            let alias = alias.get_untracked().trim().to_string();
            let Some(version) = picked_version(registry, &name, &picked.get_untracked()) else {
                feedback.set(Some(Err(format!("{name} has no versions yet."))));
                return;
            };
            let name = name.clone();
            // The last outcome goes until this one is known.
            feedback.set(None);
            spawn_local(async move {
                let (model, named) = (name.clone(), alias.clone());
                let outcome = registry
                    .change(move |r, time| r.set_alias(&model, &named, version, time))
                    .await
                    .map(|previous| match previous {
                        Some(old) if old != version => {
                            format!("Moved {name}@{alias} from v{old} to v{version}.")
                        }
                        _ => format!("{name}@{alias} now names v{version}."),
                    });
                feedback.set(Some(outcome));
            });
        }
    };
    let on_roll_back = {
        let name = name.clone();
        move |_| {
            let alias = alias.get_untracked().trim().to_string();
            let name = name.clone();
            // The last outcome goes until this one is known.
            feedback.set(None);
            spawn_local(async move {
                let (model, named) = (name.clone(), alias.clone());
                let outcome = registry
                    .change(move |r, time| r.roll_back_alias(&model, &named, time))
                    .await
                    .map(|version| format!("Rolled {name}@{alias} back to v{version}."));
                feedback.set(Some(outcome));
            });
        }
    };
    view! {
        <div class="train-controls">
            <label>
                "Alias "
                <input
                    data-testid="alias-name"
                    list=list_id.clone()
                    prop:value=move || alias.get()
                    on:input=move |ev| alias.set(event_target_value(&ev))
                />
                <datalist id=list_id>
                    {SUGGESTED_ALIASES.map(|a| view! { <option value=a></option> }).collect_view()}
                </datalist>
            </label>
            <label>"on " {version_select(registry, name.clone(), picked, "alias-version")}</label>
            <button class="button" data-testid="set-alias" on:click=on_set>"Set alias"</button>
            <button class="button button-quiet" data-testid="roll-back-alias" on:click=on_roll_back>
                "Roll back alias"
            </button>
        </div>
        {feedback_view(feedback, "alias-status")}
    }
}

#[component]
fn StageForm(name: String) -> impl IntoView {
    let registry = expect_context::<RegistryStore>();
    let picked = RwSignal::new(String::new());
    let stage = RwSignal::new(Stage::Staging.to_string());
    let archive_existing = RwSignal::new(false);
    let feedback: Outcome = RwSignal::new(None);

    let on_transition = {
        let name = name.clone();
        move |_| {
            let Some(version) = picked_version(registry, &name, &picked.get_untracked()) else {
                feedback.set(Some(Err(format!("{name} has no versions yet."))));
                return;
            };
            let archive = archive_existing.get_untracked();
            let target = match Stage::parse(&stage.get_untracked()) {
                Ok(target) => target,
                Err(e) => {
                    feedback.set(Some(Err(e.to_string())));
                    return;
                }
            };
            let name = name.clone();
            // The last outcome goes until this one is known.
            feedback.set(None);
            spawn_local(async move {
                let model = name.clone();
                let outcome = registry
                    .change(move |r, time| {
                        r.transition_stage(&model, version, target, archive, time)
                    })
                    .await
                    .map(|archived| {
                        let mut text = format!("{name} v{version} is now in {target}.");
                        if !archived.is_empty() {
                            let listed: Vec<String> =
                                archived.iter().map(|v| format!("v{v}")).collect();
                            text += &format!(" Archived: {}.", listed.join(", "));
                        }
                        text
                    });
                feedback.set(Some(outcome));
            });
        }
    };
    view! {
        <div class="train-controls">
            <label>"Move " {version_select(registry, name.clone(), picked, "stage-version")}</label>
            <label>
                "to "
                <select
                    data-testid="stage-target"
                    prop:value=move || stage.get()
                    on:change=move |ev| stage.set(event_target_value(&ev))
                >
                    {Stage::ALL.map(|s| view! { <option value=s.to_string()>{s.to_string()}</option> }).collect_view()}
                </select>
            </label>
            <label>
                <input
                    type="checkbox"
                    data-testid="archive-existing"
                    prop:checked=move || archive_existing.get()
                    on:change=move |ev| archive_existing.set(event_target_checked(&ev))
                />
                " archive existing versions in that stage"
            </label>
            <button class="button" data-testid="transition-stage" on:click=on_transition>"Transition stage"</button>
        </div>
        {feedback_view(feedback, "stage-status")}
    }
}

/// Alias moves and stage transitions, newest first.
#[component]
fn Histories(name: String) -> impl IntoView {
    let registry = expect_context::<RegistryStore>();
    let model = move || registry.registry.with(|r| r.model(&name).cloned());
    let aliases = {
        let model = model.clone();
        move || {
            model()
                .map(|m| m.alias_history)
                .unwrap_or_default()
                .into_iter()
                .rev()
                .map(|moved| {
                    view! {
                        <li data-testid="alias-move" data-alias=moved.alias.clone()
                            data-from=moved.from.map(|v| v.to_string()) data-to=moved.to.map(|v| v.to_string())>
                            {format!(
                                "{}: {} → {} · {}",
                                moved.alias,
                                version_label(moved.from),
                                version_label(moved.to),
                                local_time(moved.time_ms as f64)
                            )}
                        </li>
                    }
                })
                .collect_view()
        }
    };
    let stages = move || {
        let transitions = model().map(stage_transitions).unwrap_or_default();
        transitions
            .into_iter()
            .map(|(version, from, to, time_ms)| {
                view! {
                    <li data-testid="stage-move" data-version=version data-from=from.to_string() data-to=to.to_string()>
                        {format!("v{version}: {from} → {to} · {}", local_time(time_ms as f64))}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <details class="column-picker" open>
            <summary>"History"</summary>
            <p class="muted">"Aliases"</p>
            <ul data-testid="alias-history">{aliases}</ul>
            <p class="muted">"Stages"</p>
            <ul data-testid="stage-history">{stages}</ul>
        </details>
    }
}

/// Every version's stage transitions in one list, newest first.
fn stage_transitions(model: RegisteredModel) -> Vec<(u32, Stage, Stage, i64)> {
    let mut all: Vec<(u32, Stage, Stage, i64)> = model
        .versions
        .iter()
        .flat_map(|v| {
            v.stage_history
                .iter()
                .map(move |t| (v.version, t.from, t.to, t.time_ms))
        })
        .collect();
    // Stable sort: transitions made in the same millisecond keep their recorded order.
    all.sort_by_key(|&(_, _, _, time)| std::cmp::Reverse(time));
    all
}

/// Predicts a trip with the version a reference names.
#[component]
fn PredictBox() -> impl IntoView {
    let registry = expect_context::<RegistryStore>();
    let runs = expect_context::<RunStore>();
    let zones = use_context::<Zones>();
    let reference = RwSignal::new(format!("{DEFAULT_MODEL_NAME}@champion"));
    let pickup = RwSignal::new("74".to_string());
    let dropoff = RwSignal::new("75".to_string());
    let distance = RwSignal::new("1.5".to_string());
    let pickup_time = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<(Prediction, String), String>>);
    // Counts Predict clicks, so a repeated answer is still visibly a new one.
    let attempt = RwSignal::new(0_u32);

    let zone_label = move |text: &str| -> String {
        let id = text.trim().parse::<i64>().ok();
        let lookup = zones.and_then(|z| z.0.get_untracked());
        match (id, lookup) {
            (Some(id), Some(lookup)) => lookup.label(id),
            _ => format!("zone {}", text.trim()),
        }
    };
    let on_predict = move |_| {
        let time_text = pickup_time.get_untracked();
        let result = trip_from_text(
            &pickup.get_untracked(),
            &dropoff.get_untracked(),
            &distance.get_untracked(),
        )
        .and_then(|mut trip| {
            if !time_text.trim().is_empty() {
                trip.pickup_time_us = Some(parse_timestamp_us(&time_text).ok_or_else(|| {
                    format!("Pickup time “{time_text}” is not a time like 2021-02-01 08:30")
                })?);
            }
            Ok(trip)
        });
        spawn_local(async move {
            let result = match result {
                Ok(trip) => registry
                    .predict(&reference.get_untracked(), runs, &trip)
                    .await
                    .map(|prediction| {
                        let route = format!(
                            "{} → {}",
                            zone_label(&pickup.get_untracked()),
                            zone_label(&dropoff.get_untracked())
                        );
                        (prediction, route)
                    }),
                Err(message) => Err(message),
            };
            attempt.update(|n| *n += 1);
            outcome.set(Some(result));
        });
    };
    view! {
        <div data-testid="predict-box">
            <h3>"Predict"</h3>
            <div class="train-controls">
                <label>
                    "Model "
                    {bound_input("predict-reference", reference, "text", Some("taxi-duration@champion or taxi-duration/2"))}
                </label>
                <label>
                    "Pickup zone "
                    <input data-testid="predict-pickup" inputmode="numeric" size="5"
                        prop:value=move || pickup.get() on:input=move |ev| pickup.set(event_target_value(&ev)) />
                </label>
                <label>
                    "Dropoff zone "
                    <input data-testid="predict-dropoff" inputmode="numeric" size="5"
                        prop:value=move || dropoff.get() on:input=move |ev| dropoff.set(event_target_value(&ev)) />
                </label>
                <label>
                    "Distance (miles) "
                    <input data-testid="predict-distance" inputmode="decimal" size="6"
                        prop:value=move || distance.get() on:input=move |ev| distance.set(event_target_value(&ev)) />
                </label>
                <label>
                    "Pickup time (if the model uses it) "
                    <input data-testid="predict-pickup-time" placeholder="2021-02-01 08:30"
                        prop:value=move || pickup_time.get() on:input=move |ev| pickup_time.set(event_target_value(&ev)) />
                </label>
                <button class="button" data-testid="predict" on:click=on_predict>"Predict"</button>
            </div>
            {move || outcome.get().map(|result| match result {
                Ok((prediction, route)) => view! {
                    <p data-testid="prediction" data-attempt=attempt.get_untracked() data-value=prediction.minutes.to_string()
                        data-model=prediction.model.clone() data-version=prediction.version>
                        <strong>{format!("{:.2} minutes", prediction.minutes)}</strong>
                        {format!(" for {route}, by {} version {}", prediction.model, prediction.version)}
                    </p>
                }.into_any(),
                Err(message) => view! {
                    <p class="error-message" data-testid="predict-error" data-attempt=attempt.get_untracked()>{message}</p>
                }.into_any(),
            })}
        </div>
    }
}
