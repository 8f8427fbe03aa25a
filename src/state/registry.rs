//! The model registry of this browser: registered models and their versions, kept in
//! IndexedDB beside the runs and loaded again on the next visit. The rules (numbering,
//! aliases, stages, references) are the engine's (`flowbook_core::store::Registry`); this
//! file keeps it in a signal, saves it after every change and predicts with its versions.

use std::collections::BTreeMap;

use flowbook_core::predict::{predict_trip, TripQuery};
use flowbook_core::saved_model::SavedModel;
use flowbook_core::saved_model::MODEL_ARTIFACT;
use flowbook_core::store::{ModelVersion, Registry, RegistryError};
use flowbook_core::tracking::Run;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::services::persist::{load_registry, update_registry};
use crate::services::tabs::announce;
use crate::state::runs::{RunStore, StoreStatus};

#[derive(Debug, Clone, Copy)]
pub struct RegistryStore {
    pub registry: RwSignal<Registry>,
    pub status: RwSignal<StoreStatus>,
}

/// A prediction through the registry: which version answered, and the minutes.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub model: String,
    pub version: u32,
    pub source_run: String,
    pub minutes: f64,
}

/// What the other tabs hear when this one saved the registry.
pub const REGISTRY_NEWS: &str = "registry";

fn now_epoch_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// The model a run trained, read from its artifact.
pub fn model_of_run(run: &Run) -> Result<SavedModel, String> {
    let artifact = run
        .artifacts
        .iter()
        .find(|a| a.path == MODEL_ARTIFACT)
        .ok_or_else(|| format!("run “{}” has no {MODEL_ARTIFACT}", run.name))?;
    let text = std::str::from_utf8(&artifact.bytes)
        .map_err(|_| format!("run “{}”: {MODEL_ARTIFACT} is not text", run.name))?;
    SavedModel::from_json(text).map_err(|e| format!("run “{}”: {e}", run.name))
}

/// The saved registry, or why it cannot be used: a record that does not read as a registry
/// is offered back as it is.
async fn read_saved_registry() -> Result<Registry, StoreStatus> {
    let text = load_registry()
        .await
        .map_err(|message| StoreStatus::Unreadable {
            message: format!("{message} The registry is not changed until it loads."),
            raw: None,
        })?;
    match text {
        None => Ok(Registry::default()),
        Some(text) => {
            serde_json::from_str::<Registry>(&text).map_err(|e| StoreStatus::Unreadable {
                message: format!(
                    "The saved model registry could not be read ({e}): it was written by a newer \
                 Flowbook, or is damaged. It is kept as it is, and not changed until it loads: \
                 export it to keep a copy, open it in the Flowbook that wrote it, or try again."
                ),
                raw: Some(text),
            })
        }
    }
}

impl RegistryStore {
    /// The store, with the saved registry loading in the background. Changes wait for
    /// the load, so a registry made before it finished never overwrites the saved one.
    pub fn open() -> RegistryStore {
        let store = RegistryStore {
            registry: RwSignal::new(Registry::default()),
            status: RwSignal::new(StoreStatus::Loading),
        };
        store.reload();
        store
    }

    /// Reads the saved registry again: on page open, when the user tries again after a
    /// failed load, and when another tab saved a change.
    pub fn reload(&self) {
        let store = *self;
        spawn_local(async move {
            match read_saved_registry().await {
                Ok(registry) => {
                    store.registry.set(registry);
                    store.status.set(StoreStatus::Ready);
                }
                Err(unreadable) => store.status.set(unreadable),
            }
        });
    }

    /// Applies one change to the saved registry and shows the result. The change is made
    /// to the registry as stored when it is applied, in one transaction, so what another
    /// tab changed meanwhile is kept beside it. The engine's refusal (an unknown version, a
    /// reserved alias…) and a failed save come back in words and change nothing.
    pub async fn change<T: 'static>(
        &self,
        edit: impl FnOnce(&mut Registry, i64) -> Result<T, RegistryError> + 'static,
    ) -> Result<T, String> {
        self.status.get_untracked().refusal("registry")?;
        let time = now_epoch_ms();
        let updated = update_registry(move |stored| {
            let mut registry = match stored {
                None => Registry::default(),
                Some(text) => serde_json::from_str::<Registry>(&text).map_err(|e| {
                    format!(
                        "The saved registry changed into one this Flowbook cannot read ({e}), \
                         perhaps in another tab; nothing was changed. Reload the page."
                    )
                })?,
            };
            let answer = edit(&mut registry, time).map_err(|e| capitalised(&e.to_string()))?;
            let text = serde_json::to_string(&registry).map_err(|e| e.to_string())?;
            Ok((text, (registry, answer)))
        })
        .await;
        match updated {
            Ok(Ok((_, (registry, answer)))) => {
                self.registry.set(registry);
                if self.status.get_untracked() != StoreStatus::Ready {
                    self.status.set(StoreStatus::Ready);
                }
                announce(REGISTRY_NEWS, "");
                Ok(answer)
            }
            Ok(Err(refusal)) => Err(refusal),
            Err(storage) => {
                let message = format!("{storage} Nothing was changed.");
                self.status.set(StoreStatus::Problem(message.clone()));
                Err(message)
            }
        }
    }

    /// Registers `run`'s model as the next version of `name`; returns the version number.
    pub async fn register(&self, name: &str, run: &Run, description: &str) -> Result<u32, String> {
        model_of_run(run)?;
        let (name, description, run) = (
            name.trim().to_string(),
            description.trim().to_string(),
            run.clone(),
        );
        self.change(move |registry, time| {
            registry.register_version(&name, &run, &description, time)
        })
        .await
    }

    /// The version `reference` names (`name@alias`, `name/3`, …), the run it came from
    /// (read back from storage when the page holds only its name) and that run's model.
    pub async fn version_model(
        &self,
        reference: &str,
        runs: RunStore,
    ) -> Result<(String, ModelVersion, Run, SavedModel), String> {
        let (model_name, version) = self.registry.with_untracked(|registry| {
            registry
                .resolve(reference)
                .map(|(model, version)| (model.name.clone(), version.clone()))
                .map_err(|e| capitalised(&e.to_string()))
        })?;
        let known = runs
            .runs
            .with_untracked(|r| r.iter().any(|s| s.run.client_id == version.source_run));
        if !known {
            return Err(format!(
                "{model_name} version {} comes from run {}, which is not in this browser (import \
                 the experiment that holds it)",
                version.version, version.source_run
            ));
        }
        let run = runs.full_run(&version.source_run).await?;
        let model = model_of_run(&run)?;
        Ok((model_name, version, run, model))
    }

    /// Predicts `trip` with the version `reference` names (`name@alias`, `name/3`, …),
    /// using the model of the run the version came from.
    pub async fn predict(
        &self,
        reference: &str,
        runs: RunStore,
        trip: &TripQuery,
    ) -> Result<Prediction, String> {
        let (model_name, version, _, model) = self.version_model(reference, runs).await?;
        let minutes = predict_trip(&model, trip)
            .map_err(|e| format!("{model_name} version {}: {e}", version.version))?;
        Ok(Prediction {
            model: model_name,
            version: version.version,
            source_run: version.source_run,
            minutes,
        })
    }
}

/// A trip from the Predict box's text fields, with each bad field named.
pub fn trip_from_text(pickup: &str, dropoff: &str, distance: &str) -> Result<TripQuery, String> {
    let zone = |label: &str, text: &str| {
        text.trim().parse::<i64>().map_err(|_| {
            format!("{label} zone “{text}” is not a zone ID; enter a number such as 74")
        })
    };
    let distance_miles = distance
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|d| d.is_finite() && *d >= 0.0)
        .ok_or_else(|| {
            format!("Distance “{distance}” is not a distance in miles; enter a number such as 1.5")
        })?;
    Ok(TripQuery {
        pickup_location: zone("Pickup", pickup)?,
        dropoff_location: zone("Dropoff", dropoff)?,
        pickup_time_us: None,
        numeric: BTreeMap::from([("trip_distance".to_string(), distance_miles)]),
    })
}

/// The engine's messages start lower-case, to fit inside sentences; shown alone they
/// start with a capital.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
