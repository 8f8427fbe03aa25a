//! What experiment files carry of the registry, and how an import merges it.

use std::collections::{BTreeMap, BTreeSet};

use super::{RegisteredModel, Registry};

impl Registry {
    /// The models with versions from these runs, trimmed to those versions and the aliases
    /// naming them: what an experiment file carries.
    pub fn pointing_at(&self, run_ids: &BTreeSet<&str>) -> Vec<RegisteredModel> {
        let mut out = Vec::new();
        for model in &self.models {
            let mut model = model.clone();
            model
                .versions
                .retain(|v| run_ids.contains(v.source_run.as_str()));
            if model.versions.is_empty() {
                continue;
            }
            let kept: BTreeSet<u32> = model.versions.iter().map(|v| v.version).collect();
            let known = |v: &Option<u32>| v.is_none_or(|v| kept.contains(&v));
            model.aliases.retain(|_, v| kept.contains(v));
            model
                .alias_history
                .retain(|m| known(&m.from) && known(&m.to));
            out.push(model);
        }
        out
    }

    /// Adds imported models. A version whose source run the local model already has is
    /// not added again; new ones get the next local numbers, and imported aliases are set
    /// where the local model does not already use that alias. Returns versions added.
    pub fn merge(&mut self, incoming: Vec<RegisteredModel>) -> usize {
        let mut added = 0;
        for model in incoming {
            let Ok(local) = self.model_mut(&model.name) else {
                added += model.versions.len();
                self.models.push(model);
                continue;
            };
            let mut renumbered = BTreeMap::new();
            for mut version in model.versions {
                if let Some(same) = local
                    .versions
                    .iter()
                    .find(|v| v.source_run == version.source_run)
                {
                    renumbered.insert(version.version, same.version);
                    continue;
                }
                // An imported file's numbers are untrusted: a version that would wrap
                // around is left out rather than given a number already in use.
                let Some(next) = local
                    .last_version
                    .max(local.latest().map_or(0, |v| v.version))
                    .checked_add(1)
                else {
                    continue;
                };
                local.last_version = next;
                renumbered.insert(version.version, local.last_version);
                version.version = local.last_version;
                local.versions.push(version);
                added += 1;
            }
            for (alias, version) in model.aliases {
                if let Some(&number) = renumbered.get(&version) {
                    local.aliases.entry(alias).or_insert(number);
                }
            }
        }
        added
    }
}
