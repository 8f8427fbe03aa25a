//! The zone pairs whose share of trips changed most between the reference and a month:
//! where the city's trips moved, which is what a drifted `PU_DO` column means in streets.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{ColumnValues, MonitoredSample};
use crate::features::Categorical;

/// How many pairs a month's check keeps.
pub const CHANGED_PAIRS_KEPT: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairChange {
    pub pickup_zone: i64,
    pub dropoff_zone: i64,
    /// Shares of the sample's trips (0–1).
    pub reference_share: f64,
    pub current_share: f64,
}

impl PairChange {
    pub fn change(&self) -> f64 {
        self.current_share - self.reference_share
    }
}

fn pair_values(sample: &MonitoredSample) -> Option<&[(i64, i64)]> {
    let column = sample.column(Categorical::PickupDropoffPair.name())?;
    match &column.values {
        ColumnValues::Categorical(values) => Some(values),
        ColumnValues::Numerical(_) => None,
    }
}

fn shares(values: &[(i64, i64)]) -> HashMap<(i64, i64), f64> {
    let mut counts: HashMap<(i64, i64), usize> = HashMap::new();
    for &key in values {
        *counts.entry(key).or_default() += 1;
    }
    let n = values.len().max(1) as f64;
    counts.into_iter().map(|(k, c)| (k, c as f64 / n)).collect()
}

/// The `CHANGED_PAIRS_KEPT` pairs with the largest change in share, largest first (ties
/// by zone ids, so the list is the same on every run).
pub fn changed_pairs(reference: &MonitoredSample, current: &MonitoredSample) -> Vec<PairChange> {
    let (Some(r), Some(c)) = (pair_values(reference), pair_values(current)) else {
        return Vec::new();
    };
    let (r, c) = (shares(r), shares(c));
    let mut changes: Vec<PairChange> = r
        .keys()
        .chain(c.keys().filter(|k| !r.contains_key(k)))
        .map(|&(pu, dropoff)| PairChange {
            pickup_zone: pu,
            dropoff_zone: dropoff,
            reference_share: r.get(&(pu, dropoff)).copied().unwrap_or(0.0),
            current_share: c.get(&(pu, dropoff)).copied().unwrap_or(0.0),
        })
        .collect();
    changes.sort_by(|a, b| {
        b.change()
            .abs()
            .total_cmp(&a.change().abs())
            .then((a.pickup_zone, a.dropoff_zone).cmp(&(b.pickup_zone, b.dropoff_zone)))
    });
    changes.truncate(CHANGED_PAIRS_KEPT);
    changes
}
