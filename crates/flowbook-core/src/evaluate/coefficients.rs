//! The model's largest coefficients, labelled for people: zone pairs by their names.

use serde::{Deserialize, Serialize};

use crate::data::ZoneLookup;
use crate::features::{Categorical, Encoder};
use crate::model::LinearModel;

/// One model column and its coefficient (minutes per unit; for a one-hot column, the
/// minutes the category adds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coefficient {
    /// Position in `Encoder::column_names()` order.
    pub column: usize,
    pub label: String,
    pub value: f64,
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A zone's name, or its `ZoneLookup::label` fallback when the table does not know it.
fn zone_name(zones: &ZoneLookup, id: i64) -> String {
    match zones.zones.get(&id) {
        Some(zone) if !zone.zone.is_empty() => zone.zone.clone(),
        _ => zones.label(id),
    }
}

fn category_label(feature: Categorical, key: (i64, i64), zones: Option<&ZoneLookup>) -> String {
    let column_name = format!("{}={}", feature.name(), feature.value_name(key));
    match (feature, zones) {
        (Categorical::PickupDropoffPair, Some(zones)) => format!(
            "{} {}→{}: {} → {}",
            feature.name(),
            key.0,
            key.1,
            zone_name(zones, key.0),
            zone_name(zones, key.1)
        ),
        (Categorical::PickupLocation | Categorical::DropoffLocation, Some(zones)) => {
            format!("{} {}: {}", feature.name(), key.0, zone_name(zones, key.0))
        }
        (Categorical::PickupWeekday, _) => match usize::try_from(key.0)
            .ok()
            .and_then(|day| WEEKDAYS.get(day))
        {
            Some(day) => format!("{column_name} ({day})"),
            None => column_name,
        },
        _ => column_name,
    }
}

/// A label per model column, in `Encoder::column_names()` order: zone names when a zone
/// table is given, DictVectorizer's names (`PU_DO=74_75`) otherwise; numbers by their name.
pub fn column_labels(encoder: &Encoder, zones: Option<&ZoneLookup>) -> Vec<String> {
    let mut labels = Vec::with_capacity(encoder.n_columns());
    for vocabulary in &encoder.vocabularies {
        labels.extend(
            vocabulary
                .keys
                .iter()
                .map(|&key| category_label(vocabulary.feature, key, zones)),
        );
    }
    labels.extend(encoder.spec.numerical.iter().cloned());
    labels
}

/// The `n` coefficients largest in absolute value, largest first; equal magnitudes keep
/// column order, so the list is the same on every run. NaN coefficients are left out.
pub fn largest_coefficients(
    model: &LinearModel,
    n: usize,
    zones: Option<&ZoneLookup>,
) -> Vec<Coefficient> {
    let mut columns: Vec<usize> = (0..model.coefficients.len())
        .filter(|&c| !model.coefficients[c].is_nan())
        .collect();
    // Stable sort: ties stay in column order.
    columns.sort_by(|&a, &b| {
        model.coefficients[b]
            .abs()
            .total_cmp(&model.coefficients[a].abs())
    });
    columns.truncate(n);
    let labels = column_labels(&model.encoder, zones);
    columns
        .into_iter()
        .map(|column| Coefficient {
            column,
            label: labels
                .get(column)
                .cloned()
                .unwrap_or_else(|| format!("column {column}")),
            value: model.coefficients[column],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made model: zone pairs 74→75 and 1→2, and the distance.
    fn model(coefficients: &[f64]) -> LinearModel {
        let json = format!(
            r#"{{"format_version":1,"kind":{{"model":"ols"}},"encoder":{{"spec":{{"categorical":["PU_DO"],"numerical":["trip_distance"]}},"vocabularies":[{{"feature":"PU_DO","keys":[[1,2],[74,75]]}}]}},"intercept":0.0,"coefficients":{coefficients:?},"train_sha256":""}}"#
        );
        LinearModel::from_json(&json).expect("model")
    }

    #[test]
    fn ties_keep_column_order_and_nan_is_left_out() {
        let m = model(&[-2.0, 2.0, 0.0]);
        let columns: Vec<usize> = largest_coefficients(&m, 5, None)
            .iter()
            .map(|c| c.column)
            .collect();
        assert_eq!(columns, [0, 1, 2]);
        let mut with_nan = m.clone();
        with_nan.coefficients[0] = f64::NAN;
        let top = largest_coefficients(&with_nan, 1, None);
        assert_eq!((top[0].column, top[0].label.as_str()), (1, "PU_DO=74_75"));
    }

    #[test]
    fn zone_pairs_are_named_and_unknown_zones_fall_back_to_their_id() {
        let mut zones = ZoneLookup::default();
        for (id, name) in [(74, "East Harlem North"), (75, "East Harlem South")] {
            zones.zones.insert(
                id,
                crate::data::Zone {
                    borough: "Manhattan".into(),
                    zone: name.into(),
                    service_zone: "Boro Zone".into(),
                },
            );
        }
        let labels = column_labels(&model(&[0.0, 0.0, 0.0]).encoder, Some(&zones));
        assert_eq!(
            labels,
            [
                "PU_DO 1→2: zone 1 → zone 2",
                "PU_DO 74→75: East Harlem North → East Harlem South",
                "trip_distance",
            ]
        );
    }
}
