//! What a Prepare cell asks for: the target's range, filters and the feature list.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A categorical feature, one-hot encoded the way scikit-learn's DictVectorizer does it:
/// the value as a string, one column per value seen in training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Categorical {
    #[serde(rename = "PULocationID")]
    PickupLocation,
    #[serde(rename = "DOLocationID")]
    DropoffLocation,
    /// `"<PULocationID>_<DOLocationID>"`: one category per zone pair.
    #[serde(rename = "PU_DO")]
    PickupDropoffPair,
    /// Hour of the pickup, 0–23.
    #[serde(rename = "pickup_hour")]
    PickupHour,
    /// Day of the week of the pickup, 0 = Monday.
    #[serde(rename = "pickup_weekday")]
    PickupWeekday,
}

impl Categorical {
    pub const ALL: [Categorical; 5] = [
        Categorical::PickupLocation,
        Categorical::DropoffLocation,
        Categorical::PickupDropoffPair,
        Categorical::PickupHour,
        Categorical::PickupWeekday,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Categorical::PickupLocation => "PULocationID",
            Categorical::DropoffLocation => "DOLocationID",
            Categorical::PickupDropoffPair => "PU_DO",
            Categorical::PickupHour => "pickup_hour",
            Categorical::PickupWeekday => "pickup_weekday",
        }
    }

    pub fn uses_locations(self) -> bool {
        matches!(
            self,
            Categorical::PickupLocation
                | Categorical::DropoffLocation
                | Categorical::PickupDropoffPair
        )
    }

    /// DictVectorizer's string for a category value of this feature.
    pub fn value_name(self, key: (i64, i64)) -> String {
        match self {
            Categorical::PickupDropoffPair => format!("{}_{}", key.0, key.1),
            _ => key.0.to_string(),
        }
    }
}

impl fmt::Display for Categorical {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Categorical {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Categorical::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let known: Vec<&str> = Categorical::ALL.iter().map(|c| c.name()).collect();
                format!(
                    "unknown categorical feature {s:?}; choose from {}",
                    known.join(", ")
                )
            })
    }
}

/// Features of a model: categorical (one-hot) and numerical (used as they are).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    pub categorical: Vec<Categorical>,
    pub numerical: Vec<String>,
}

impl FeatureSpec {
    /// The course's best feature set: the zone pair plus the distance.
    pub fn pu_do_distance() -> Self {
        FeatureSpec {
            categorical: vec![Categorical::PickupDropoffPair],
            numerical: vec!["trip_distance".to_string()],
        }
    }
}

/// Which rows to keep and how the target is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrepareSpec {
    /// Keep trips with `min_duration_min <= duration <= max_duration_min` (minutes).
    pub min_duration_min: f64,
    pub max_duration_min: f64,
    /// Keep only trips with `trip_distance > min_distance_exclusive`, when set.
    #[serde(default)]
    pub min_distance_exclusive: Option<f64>,
}

impl Default for PrepareSpec {
    fn default() -> Self {
        PrepareSpec {
            min_duration_min: 1.0,
            max_duration_min: 60.0,
            min_distance_exclusive: None,
        }
    }
}
