//! The runs table: which columns exist, what each cell shows, and which rows a filter and
//! a sort leave, in what order. The app renders rows by the indices [`select`] returns.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};

use crate::tracking::{Run, PARENT_CLIENT_ID_TAG};

use super::filter::{Attribute, DatasetField, FilterError, FilterKey, RunFilter};
use super::{latest_metric, latest_metrics, StoredRun};

/// A table column is named by the same key a filter uses (`metrics.val_rmse`, `status`).
pub type Column = FilterKey;

/// The attribute columns, in the order the table shows them.
pub const ATTRIBUTE_COLUMNS: [Attribute; 5] = [
    Attribute::RunName,
    Attribute::Status,
    Attribute::StartTime,
    Attribute::EndTime,
    Attribute::RunId,
];

/// Attributes first, then every param, metric and tag key seen in `runs`, each group sorted.
pub fn columns<'a>(runs: impl IntoIterator<Item = &'a Run>) -> Vec<Column> {
    let (mut params, mut metrics, mut tags) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for run in runs {
        params.extend(run.params.keys().cloned());
        metrics.extend(run.metrics.iter().map(|point| point.key.clone()));
        tags.extend(run.tags.keys().cloned());
    }
    let attributes = ATTRIBUTE_COLUMNS.into_iter().map(Column::Attribute);
    attributes
        .chain(params.into_iter().map(Column::Param))
        .chain(metrics.into_iter().map(Column::Metric))
        .chain(tags.into_iter().map(Column::Tag))
        .collect()
}

/// A column's header, written so that [`FilterKey::parse`] reads it back.
pub fn column_label(column: &Column) -> String {
    let (prefix, key) = match column {
        Column::Attribute(attribute) => return attribute.name().to_string(),
        Column::Metric(key) => ("metrics", key),
        Column::Param(key) => ("params", key),
        Column::Tag(key) => ("tags", key),
        Column::Dataset(field) => return format!("datasets.{}", field.name()),
    };
    let plain = key
        .chars()
        .all(|c| c.is_alphanumeric() || "_-:/".contains(c));
    if plain {
        format!("{prefix}.{key}")
    } else {
        format!("{prefix}.`{key}`")
    }
}

/// What a cell holds. Metrics show their latest value, as in MLflow.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    Number(f64),
    Text(String),
    Missing,
}

/// A table row's cells, one per column: [`cell`], with the run's latest metrics read once.
pub fn row_cells(run: &Run, columns: &[Column]) -> Vec<CellValue> {
    let mut latest = None;
    columns
        .iter()
        .map(|column| match column {
            Column::Metric(key) => latest
                .get_or_insert_with(|| latest_metrics(run))
                .get(key.as_str())
                .map_or(CellValue::Missing, |&value| CellValue::Number(value)),
            other => cell(run, other),
        })
        .collect()
}

pub fn cell(run: &Run, column: &Column) -> CellValue {
    let text =
        |value: Option<&String>| value.map_or(CellValue::Missing, |v| CellValue::Text(v.clone()));
    match column {
        Column::Metric(key) => {
            latest_metric(run, key).map_or(CellValue::Missing, CellValue::Number)
        }
        Column::Param(key) => text(run.params.get(key)),
        Column::Tag(key) => text(run.tags.get(key)),
        Column::Attribute(Attribute::RunName) => CellValue::Text(run.name.clone()),
        Column::Attribute(Attribute::Status) => CellValue::Text(run.status.mlflow_name().into()),
        Column::Attribute(Attribute::RunId) => CellValue::Text(run.client_id.clone()),
        Column::Attribute(Attribute::StartTime) => CellValue::Number(run.start_time_ms as f64),
        Column::Attribute(Attribute::EndTime) => run
            .end_time_ms
            .map_or(CellValue::Missing, |t| CellValue::Number(t as f64)),
        Column::Attribute(Attribute::UserId) => text(run.tags.get(crate::tracking::USER_TAG)),
        Column::Attribute(Attribute::ArtifactUri) => CellValue::Missing,
        // A run may have several datasets: the column shows them all.
        Column::Dataset(_) if run.inputs.is_empty() => CellValue::Missing,
        Column::Dataset(field) => {
            let values: Vec<String> = run
                .inputs
                .iter()
                .map(|input| match field {
                    DatasetField::Name => input.name.clone(),
                    DatasetField::Digest => input.digest.chars().take(32).collect(),
                    DatasetField::Context => input.role.context().to_string(),
                })
                .collect();
            CellValue::Text(values.join(", "))
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortSpec {
    pub column: Column,
    pub descending: bool,
}

impl SortSpec {
    /// MLflow's `order_by` form: a key, optionally followed by `ASC` or `DESC`.
    pub fn parse(text: &str) -> Result<SortSpec, FilterError> {
        let trimmed = text.trim_end();
        let (key, descending) = match trimmed.rsplit_once(char::is_whitespace) {
            Some((key, word)) if word.eq_ignore_ascii_case("desc") => (key, true),
            Some((key, word)) if word.eq_ignore_ascii_case("asc") => (key, false),
            _ => (trimmed, false),
        };
        Ok(SortSpec {
            column: FilterKey::parse(key)?,
            descending,
        })
    }
}

/// MLflow's `order_by` list: keys with an optional `ASC`/`DESC` each, separated by
/// commas (`metrics.val_rmse ASC, attributes.start_time DESC`). Blank text sorts nothing.
pub fn parse_order_by(text: &str) -> Result<Vec<SortSpec>, FilterError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    // Commas inside backtick-quoted keys belong to the key.
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in text.char_indices() {
        match c {
            '`' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
        .into_iter()
        .map(|part| SortSpec::parse(part.trim()))
        .collect()
}

/// How a cell sorts: numbers (including param and tag text that reads as a number)
/// before other text; NaN and missing cells after everything, whatever the direction.
#[derive(Debug, Clone, PartialEq)]
enum SortKey {
    Number(f64),
    Text(String),
    NotANumber,
    Missing,
}

impl SortKey {
    fn of(value: CellValue) -> SortKey {
        match value {
            CellValue::Number(n) if n.is_nan() => SortKey::NotANumber,
            CellValue::Number(n) => SortKey::Number(n),
            CellValue::Text(text) => match text.trim().parse::<f64>() {
                Ok(n) if n.is_finite() => SortKey::Number(n),
                _ => SortKey::Text(text),
            },
            CellValue::Missing => SortKey::Missing,
        }
    }

    /// Position in the always-last tail: 0 for real values.
    fn tail_rank(&self) -> u8 {
        match self {
            SortKey::Number(_) | SortKey::Text(_) => 0,
            SortKey::NotANumber => 1,
            SortKey::Missing => 2,
        }
    }

    fn compare_values(&self, other: &SortKey) -> Ordering {
        match (self, other) {
            (SortKey::Number(a), SortKey::Number(b)) => a.total_cmp(b),
            (SortKey::Text(a), SortKey::Text(b)) => a.cmp(b),
            (SortKey::Number(_), _) => Ordering::Less,
            (_, SortKey::Number(_)) => Ordering::Greater,
            _ => Ordering::Equal,
        }
    }
}

/// Sorts row indices in place by one column; equal cells keep their relative order.
pub fn sort_rows(runs: &[StoredRun], rows: &mut Vec<usize>, sort: &SortSpec) {
    sort_rows_by(runs, rows, std::slice::from_ref(sort));
}

/// Sorts row indices in place by several columns, the first deciding first; rows equal
/// in every column keep their relative order.
pub fn sort_rows_by(runs: &[StoredRun], rows: &mut Vec<usize>, sorts: &[SortSpec]) {
    let mut keyed: Vec<(usize, Vec<SortKey>)> = rows
        .iter()
        .map(|&i| {
            let keys = sorts
                .iter()
                .map(|sort| SortKey::of(cell(&runs[i].run, &sort.column)))
                .collect();
            (i, keys)
        })
        .collect();
    keyed.sort_by(|(_, a), (_, b)| {
        sorts
            .iter()
            .zip(a.iter().zip(b))
            .map(|(sort, (a, b))| {
                a.tail_rank().cmp(&b.tail_rank()).then_with(|| {
                    let order = a.compare_values(b);
                    if sort.descending {
                        order.reverse()
                    } else {
                        order
                    }
                })
            })
            .find(|order| order.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    *rows = keyed.into_iter().map(|(i, _)| i).collect();
}

/// Indices into `runs` of the rows to show: soft-deleted runs only when asked, those the
/// filter keeps, sorted by `sort` or, without one, newest first as MLflow lists runs.
pub fn select(
    runs: &[StoredRun],
    filter_text: &str,
    sort: Option<&SortSpec>,
    include_deleted: bool,
) -> Result<Vec<usize>, FilterError> {
    let filter = RunFilter::parse(filter_text)?;
    let mut rows: Vec<usize> = runs
        .iter()
        .enumerate()
        .filter(|(_, stored)| include_deleted || !stored.is_deleted())
        .filter(|(_, stored)| filter.matches(&stored.run))
        .map(|(i, _)| i)
        .collect();
    let newest_first = SortSpec {
        column: Column::Attribute(Attribute::StartTime),
        descending: true,
    };
    sort_rows(runs, &mut rows, sort.unwrap_or(&newest_first));
    Ok(rows)
}

/// Like [`select`], over the runs of one experiment only (see
/// [`experiment_of`](super::experiment_of): records without one are in "Default").
pub fn select_in_experiment(
    runs: &[StoredRun],
    experiment: &str,
    filter_text: &str,
    sort: Option<&SortSpec>,
    include_deleted: bool,
) -> Result<Vec<usize>, FilterError> {
    let mut rows = select(runs, filter_text, sort, include_deleted)?;
    rows.retain(|&i| super::experiment_of(&runs[i]) == experiment);
    Ok(rows)
}

/// The shown runs in order, each search's trials under it: a run whose parent (tag
/// `flowbook.parent_client_id`) is shown too goes under the parent, in the parent's place
/// and in the order shown; one whose parent is not shown stands on its own.
pub fn nest_trials<'a>(shown: &[&'a StoredRun]) -> Vec<(&'a StoredRun, Vec<&'a StoredRun>)> {
    let present: HashSet<&str> = shown.iter().map(|s| s.run.client_id.as_str()).collect();
    let parent_of = |s: &'a StoredRun| {
        s.run
            .tags
            .get(PARENT_CLIENT_ID_TAG)
            .map(String::as_str)
            .filter(|p| present.contains(p))
    };
    let mut groups: Vec<(&StoredRun, Vec<&StoredRun>)> = Vec::new();
    let mut position: HashMap<&str, usize> = HashMap::new();
    for &stored in shown.iter().filter(|s| parent_of(s).is_none()) {
        position.insert(stored.run.client_id.as_str(), groups.len());
        groups.push((stored, Vec::new()));
    }
    for &stored in shown {
        if let Some(&i) = parent_of(stored).and_then(|p| position.get(p)) {
            groups[i].1.push(stored);
        }
    }
    groups
}

/// How many rows an experiment's table lists with no filter and deleted runs hidden: its
/// live runs, a search's trials counted in their search ([`nest_trials`]). The runs tab's
/// badge shows it; counting needs no sort, so it stays cheap with thousands of trials.
pub fn listed_count(runs: &[StoredRun], experiment: &str) -> usize {
    let live: Vec<&StoredRun> = runs
        .iter()
        .filter(|s| !s.is_deleted() && super::experiment_of(s) == experiment)
        .collect();
    nest_trials(&live).len()
}

#[cfg(test)]
mod tests;
