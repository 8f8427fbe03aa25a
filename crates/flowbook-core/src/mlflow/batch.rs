//! Splitting a run's params, tags and metric points into `runs/log-batch` requests that
//! stay within the server's limits.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Value};

use crate::tracking::MetricPoint;

pub const MAX_PARAMS_PER_BATCH: usize = 100;
pub const MAX_TAGS_PER_BATCH: usize = 100;
pub const MAX_METRICS_PER_BATCH: usize = 1000;
pub const MAX_ITEMS_PER_BATCH: usize = 1000;
/// The server silently cuts longer values. Cutting them here keeps a replayed param
/// identical to the stored one (a different value would be rejected).
pub const MAX_PARAM_VALUE_CHARS: usize = 6000;
pub const MAX_TAG_VALUE_CHARS: usize = 8000;

/// One `runs/log-batch` body, before the run id is added.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogBatch {
    pub params: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    pub metrics: Vec<MetricPoint>,
}

impl LogBatch {
    pub fn len(&self) -> usize {
        self.params.len() + self.tags.len() + self.metrics.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn to_json(&self, run_id: &str) -> Value {
        let pairs = |items: &[(String, String)]| -> Vec<Value> {
            items
                .iter()
                .map(|(k, v)| json!({ "key": k, "value": v }))
                .collect()
        };
        let metrics: Vec<Value> = self
            .metrics
            .iter()
            .map(|m| json!({ "key": m.key, "value": metric_value(m.value), "timestamp": m.timestamp_ms, "step": m.step }))
            .collect();
        json!({ "run_id": run_id, "params": pairs(&self.params), "tags": pairs(&self.tags), "metrics": metrics })
    }
}

/// JSON has no NaN or infinities; MLflow's protobuf JSON reader takes them as strings.
pub(crate) fn metric_value(value: f64) -> Value {
    if value.is_nan() {
        json!("NaN")
    } else if value.is_infinite() {
        json!(if value > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        json!(value)
    }
}

pub(crate) fn cut(value: &str, max_chars: usize) -> String {
    value.chars().take(max_chars).collect()
}

/// Plans the batches. Params and tags come from maps, so each key appears once in all
/// batches together; identical metric points are sent once. A metric key may appear with
/// several steps in one batch (that is its history), never the same point twice.
pub fn plan_batches(
    params: &BTreeMap<String, String>,
    tags: &BTreeMap<String, String>,
    metrics: &[MetricPoint],
) -> Vec<LogBatch> {
    let mut params = params
        .iter()
        .map(|(k, v)| (k.clone(), cut(v, MAX_PARAM_VALUE_CHARS)))
        .peekable();
    let mut tags = tags
        .iter()
        .map(|(k, v)| (k.clone(), cut(v, MAX_TAG_VALUE_CHARS)))
        .peekable();
    let mut seen = HashSet::new();
    let mut metrics = metrics
        .iter()
        .filter(|m| seen.insert((m.key.clone(), m.step, m.timestamp_ms, m.value.to_bits())))
        .cloned()
        .peekable();
    let mut batches = Vec::new();
    while params.peek().is_some() || tags.peek().is_some() || metrics.peek().is_some() {
        let mut batch = LogBatch::default();
        batch
            .params
            .extend(params.by_ref().take(MAX_PARAMS_PER_BATCH));
        batch.tags.extend(
            tags.by_ref()
                .take(MAX_TAGS_PER_BATCH.min(MAX_ITEMS_PER_BATCH - batch.len())),
        );
        let room = MAX_METRICS_PER_BATCH.min(MAX_ITEMS_PER_BATCH - batch.len());
        batch.metrics.extend(metrics.by_ref().take(room));
        batches.push(batch);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(key: &str, step: i64) -> MetricPoint {
        MetricPoint {
            key: key.to_string(),
            value: step as f64 * 0.5,
            timestamp_ms: 1_000 + step,
            step,
        }
    }

    fn map(prefix: &str, n: usize) -> BTreeMap<String, String> {
        (0..n)
            .map(|i| (format!("{prefix}{i:04}"), format!("value {i}")))
            .collect()
    }

    #[test]
    fn batches_stay_within_the_server_limits_and_lose_nothing() {
        for (n_params, n_tags, n_metrics) in [
            (0, 0, 0),
            (1, 1, 1),
            (100, 100, 800),
            (101, 250, 2500),
            (350, 20, 999),
            (0, 0, 3001),
        ] {
            let params = map("p", n_params);
            let tags = map("t", n_tags);
            let metrics: Vec<MetricPoint> = (0..n_metrics)
                .map(|i| point(&format!("m{}", i % 7), i as i64))
                .collect();
            let batches = plan_batches(&params, &tags, &metrics);
            for batch in &batches {
                assert!(!batch.is_empty());
                assert!(batch.params.len() <= MAX_PARAMS_PER_BATCH);
                assert!(batch.tags.len() <= MAX_TAGS_PER_BATCH);
                assert!(batch.metrics.len() <= MAX_METRICS_PER_BATCH);
                assert!(batch.len() <= MAX_ITEMS_PER_BATCH);
                let param_keys: HashSet<_> = batch.params.iter().map(|(k, _)| k).collect();
                let tag_keys: HashSet<_> = batch.tags.iter().map(|(k, _)| k).collect();
                let points: HashSet<_> = batch
                    .metrics
                    .iter()
                    .map(|m| (&m.key, m.step, m.timestamp_ms))
                    .collect();
                assert_eq!(param_keys.len(), batch.params.len());
                assert_eq!(tag_keys.len(), batch.tags.len());
                assert_eq!(points.len(), batch.metrics.len());
            }
            assert_eq!(
                batches.iter().map(|b| b.params.len()).sum::<usize>(),
                n_params
            );
            assert_eq!(batches.iter().map(|b| b.tags.len()).sum::<usize>(), n_tags);
            assert_eq!(
                batches.iter().map(|b| b.metrics.len()).sum::<usize>(),
                n_metrics
            );
            let minimum = n_params
                .div_ceil(100)
                .max(n_tags.div_ceil(100))
                .max((n_params + n_tags + n_metrics).div_ceil(1000));
            assert!(
                batches.len() <= minimum + 1,
                "{} batches for {n_params}/{n_tags}/{n_metrics}",
                batches.len()
            );
        }
    }

    #[test]
    fn identical_points_are_sent_once_and_long_values_are_cut() {
        let metrics = vec![point("rmse", 0), point("rmse", 0), point("rmse", 1)];
        let params = BTreeMap::from([("long".to_string(), "x".repeat(7000))]);
        let batches = plan_batches(&params, &BTreeMap::new(), &metrics);
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].metrics.len(), 2);
        assert_eq!(batches[0].params[0].1.len(), MAX_PARAM_VALUE_CHARS);
    }

    #[test]
    fn non_finite_values_are_sent_as_strings() {
        let mut batch = LogBatch::default();
        batch.metrics.push(MetricPoint {
            key: "r2".into(),
            value: f64::NAN,
            timestamp_ms: 1,
            step: 0,
        });
        assert_eq!(batch.to_json("r")["metrics"][0]["value"], "NaN");
    }
}
