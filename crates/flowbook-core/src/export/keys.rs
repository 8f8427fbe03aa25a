//! Category keys inside the graph: each categorical feature becomes one int64 key per row
//! that a LabelEncoder looks up, computed exactly as Flowbook's `category_key` does.

use super::builder::GraphBuilder;
use super::inputs::{DROPOFF_LOCATION_INPUT, PICKUP_LOCATION_INPUT, PICKUP_TIME_INPUT};
use super::onnx_proto::Attribute;
use super::ExportError;
use crate::features::{Categorical, Vocabulary};

/// A zone pair `(PU, DO)` becomes the key `PU * PAIR_KEY_BASE + DO`. TLC zone IDs run
/// from 1 to 265, so the key stays readable (`74_75` → 74075) and is one-to-one for IDs
/// in `0..PAIR_KEY_BASE`; pairs outside that range get [`UNSEEN_PAIR_KEY`].
pub const PAIR_KEY_BASE: i64 = 1000;

/// Key of a zone pair that cannot be in the vocabulary; the lookup finds nothing, as in
/// Flowbook, where such a pair was never seen in training.
const UNSEEN_PAIR_KEY: i64 = -1;

const MICROS_PER_HOUR: i64 = 3_600_000_000;
const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

/// The graph's key for each vocabulary entry, in vocabulary order.
pub fn vocabulary_keys(vocabulary: &Vocabulary) -> Result<Vec<i64>, ExportError> {
    let feature = vocabulary.feature;
    let mut keys = Vec::with_capacity(vocabulary.keys.len());
    for &(first, second) in &vocabulary.keys {
        let key = match feature {
            Categorical::PickupDropoffPair => {
                let zone_range = 0..PAIR_KEY_BASE;
                if !zone_range.contains(&first) || !zone_range.contains(&second) {
                    return Err(ExportError::ZonePairOutOfRange {
                        pickup: first,
                        dropoff: second,
                    });
                }
                first * PAIR_KEY_BASE + second
            }
            _ if second != 0 => {
                return Err(ExportError::Inconsistent(format!(
                    "the {feature} vocabulary holds the pair ({first}, {second})"
                )))
            }
            _ => first,
        };
        keys.push(key);
    }
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    if let Some(pair) = sorted.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(ExportError::Inconsistent(format!(
            "the {feature} vocabulary lists the category with key {} twice",
            pair[0]
        )));
    }
    if keys.is_empty() {
        return Err(ExportError::Inconsistent(format!(
            "the {feature} vocabulary is empty"
        )));
    }
    Ok(keys)
}

/// Adds the nodes computing the key of `feature` for every row and returns its name.
/// `column` maps an input name to the 1-D tensor holding that column.
pub fn key_tensor(
    b: &mut GraphBuilder,
    feature: Categorical,
    block: usize,
    column: &dyn Fn(&str) -> String,
) -> String {
    let label = |what: &str| format!("{}{block}.{what}", feature.name());
    match feature {
        Categorical::PickupLocation => column(PICKUP_LOCATION_INPUT),
        Categorical::DropoffLocation => column(DROPOFF_LOCATION_INPUT),
        Categorical::PickupDropoffPair => {
            let pickup = column(PICKUP_LOCATION_INPUT);
            let dropoff = column(DROPOFF_LOCATION_INPUT);
            let zero = b.int64_scalar("zero", 0);
            let base = b.int64_scalar("pair_key_base", PAIR_KEY_BASE);
            let unseen = b.int64_scalar("unseen_pair_key", UNSEEN_PAIR_KEY);
            let mut in_range = |id: &str, which: &str| {
                let low = b.node(
                    "GreaterOrEqual",
                    &[id, &zero],
                    &label(&format!("{which}_ge_0")),
                    vec![],
                );
                let high = b.node(
                    "Less",
                    &[id, &base],
                    &label(&format!("{which}_lt_base")),
                    vec![],
                );
                b.node(
                    "And",
                    &[&low, &high],
                    &label(&format!("{which}_in_range")),
                    vec![],
                )
            };
            let pickup_ok = in_range(&pickup, "pu");
            let dropoff_ok = in_range(&dropoff, "do");
            let both_ok = b.node(
                "And",
                &[&pickup_ok, &dropoff_ok],
                &label("in_range"),
                vec![],
            );
            let scaled = b.node("Mul", &[&pickup, &base], &label("pu_scaled"), vec![]);
            let combined = b.node("Add", &[&scaled, &dropoff], &label("combined"), vec![]);
            b.node(
                "Where",
                &[&both_ok, &combined, &unseen],
                &label("key"),
                vec![],
            )
        }
        // Integer Mod takes the sign of the divisor (Python's %), so the time of day is in
        // 0..MICROS_PER_DAY even before 1970, and Div of a non-negative number floors:
        // together they are Flowbook's div_euclid/rem_euclid.
        Categorical::PickupHour => {
            let time = column(PICKUP_TIME_INPUT);
            let day = b.int64_scalar("micros_per_day", MICROS_PER_DAY);
            let hour = b.int64_scalar("micros_per_hour", MICROS_PER_HOUR);
            let time_of_day = b.node(
                "Mod",
                &[&time, &day],
                &label("time_of_day"),
                vec![Attribute::Int("fmod".into(), 0)],
            );
            b.node("Div", &[&time_of_day, &hour], &label("key"), vec![])
        }
        // Days since 1970-01-01 (a Thursday, weekday 3 when Monday is 0), floored by
        // removing the time of day first so that Div divides exactly.
        Categorical::PickupWeekday => {
            let time = column(PICKUP_TIME_INPUT);
            let day = b.int64_scalar("micros_per_day", MICROS_PER_DAY);
            let thursday = b.int64_scalar("weekday_of_epoch", 3);
            let week = b.int64_scalar("days_per_week", 7);
            let time_of_day = b.node(
                "Mod",
                &[&time, &day],
                &label("time_of_day"),
                vec![Attribute::Int("fmod".into(), 0)],
            );
            let midnight = b.node("Sub", &[&time, &time_of_day], &label("midnight"), vec![]);
            let days = b.node("Div", &[&midnight, &day], &label("days"), vec![]);
            let shifted = b.node(
                "Add",
                &[&days, &thursday],
                &label("days_from_monday"),
                vec![],
            );
            b.node(
                "Mod",
                &[&shifted, &week],
                &label("key"),
                vec![Attribute::Int("fmod".into(), 0)],
            )
        }
    }
}
