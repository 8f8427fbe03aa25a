//! MLflow's run search syntax (`metrics.val_rmse < 6 and params.model = 'ridge'`): the
//! parsed form and its evaluation on runs. Parsing lives in `filter/parse.rs`.
//!
//! Syntax and semantics follow MLflow's `SearchUtils` (checked against it, live, by
//! `tests/oracle/test_filter.py`): clauses are joined by AND only; `IN`/`NOT IN` take a
//! list of quoted strings for `attributes.run_id` and `datasets.*`; `IS [NOT] NULL` is for
//! params and tags; a metric's value is its latest point ([`latest_metric`]); a run that
//! lacks the key a clause names does not match it, whatever the comparator (even `!=`);
//! a `datasets.` clause holds when one of the run's datasets satisfies it.

mod parse;
mod tokens;

use crate::tracking::Run;

use super::latest_metric;
use crate::tracking::USER_TAG;

/// A run attribute that can be filtered on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attribute {
    RunName,
    Status,
    StartTime,
    EndTime,
    /// Flowbook's client id (MLflow's `run_id` for runs searched locally).
    RunId,
    /// Who made the run: its `mlflow.user` tag ("" without one).
    UserId,
    /// Where the server keeps the run's files; local runs have none.
    ArtifactUri,
}

/// What a `datasets.` clause looks at in each of the run's datasets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DatasetField {
    Name,
    /// MLflow's digest: the first 32 hex digits of the file's SHA-256.
    Digest,
    /// `training`, `validation` or `other` (MLflow's `mlflow.data.context`).
    Context,
}

impl DatasetField {
    pub fn name(self) -> &'static str {
        match self {
            DatasetField::Name => "name",
            DatasetField::Digest => "digest",
            DatasetField::Context => "context",
        }
    }

    pub fn from_name(name: &str) -> Option<DatasetField> {
        match name {
            "name" => Some(DatasetField::Name),
            "digest" => Some(DatasetField::Digest),
            "context" => Some(DatasetField::Context),
            _ => None,
        }
    }
}

impl Attribute {
    /// Times compare as numbers (epoch milliseconds); the others as strings.
    pub fn is_numeric(self) -> bool {
        matches!(self, Attribute::StartTime | Attribute::EndTime)
    }

    pub fn name(self) -> &'static str {
        match self {
            Attribute::RunName => "run_name",
            Attribute::Status => "status",
            Attribute::StartTime => "start_time",
            Attribute::EndTime => "end_time",
            Attribute::RunId => "run_id",
            Attribute::UserId => "user_id",
            Attribute::ArtifactUri => "artifact_uri",
        }
    }

    /// MLflow's names, exactly (case matters), with its aliases `created`/`Created` for
    /// start_time and `run name`/`Run name`/`Run Name` for run_name.
    pub fn from_name(name: &str) -> Option<Attribute> {
        match name {
            "created" | "Created" => return Some(Attribute::StartTime),
            "run name" | "Run name" | "Run Name" => return Some(Attribute::RunName),
            _ => {}
        }
        [
            Attribute::RunName,
            Attribute::Status,
            Attribute::StartTime,
            Attribute::EndTime,
            Attribute::RunId,
            Attribute::UserId,
            Attribute::ArtifactUri,
        ]
        .into_iter()
        .find(|a| a.name() == name)
    }
}

/// What a clause (or a table column) looks at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FilterKey {
    Metric(String),
    Param(String),
    Tag(String),
    Attribute(Attribute),
    Dataset(DatasetField),
}

impl FilterKey {
    /// Parses one key as the filter does (`metrics.rmse`, ``params.`a b` ``, `status`).
    pub fn parse(text: &str) -> Result<FilterKey, FilterError> {
        parse::parse_key_only(text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Like,
    ILike,
    In,
    NotIn,
    IsNull,
    IsNotNull,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    Number(f64),
    Text(String),
    /// The quoted strings of `IN (...)`.
    List(Vec<String>),
    /// `IS NULL` and `IS NOT NULL` compare to nothing.
    Nothing,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub key: FilterKey,
    pub comparator: Comparator,
    pub value: FilterValue,
}

/// A parsed filter: all clauses must hold. No clauses matches every run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunFilter {
    pub clauses: Vec<Clause>,
}

/// Why a filter text was rejected. Positions count characters from 0, so the app can
/// underline the spot.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FilterError {
    #[error(
        "at position {position}: OR is not supported — MLflow filters join clauses with AND only"
    )]
    OrNotSupported { position: usize },
    #[error("at position {position}: parentheses are not supported — a filter is a flat list of clauses joined by AND")]
    Parentheses { position: usize },
    #[error("at position {position}: unknown prefix '{prefix}.' — use metrics., params., tags., attributes. or datasets. (lower case)")]
    UnknownPrefix { position: usize, prefix: String },
    #[error("at position {position}: unknown attribute '{name}' — use run_name, status, start_time, end_time, run_id, user_id or artifact_uri (for a metric write metrics.{name})")]
    UnknownAttribute { position: usize, name: String },
    #[error("at position {position}: unknown dataset field '{name}' — use datasets.name, datasets.digest or datasets.context")]
    UnknownDatasetField { position: usize, name: String },
    #[error("at position {position}: {subject} cannot be compared with a list — IN and NOT IN are for attributes.run_id and datasets.name, .digest or .context")]
    ListNotAllowed { position: usize, subject: String },
    #[error("at position {position}: IN needs a list of quoted strings in parentheses, as in ('a', 'b'), found {found}")]
    BadList { position: usize, found: String },
    #[error(
        "at position {position}: IS NULL and IS NOT NULL are for params and tags, not {subject}"
    )]
    NullNotAllowed { position: usize, subject: String },
    #[error("at position {position}: '{prefix}.' needs a key name after the dot, as in {prefix}.val_rmse or {prefix}.`key with spaces`")]
    MissingKey { position: usize, prefix: String },
    #[error("at position {position}: expected a key such as metrics.val_rmse or params.model, found {found}")]
    ExpectedKey { position: usize, found: String },
    #[error(
        "at position {position}: expected a comparison operator such as < or =, found {found}"
    )]
    ExpectedOperator { position: usize, found: String },
    #[error(
        "at position {position}: {subject} cannot be compared with {operator} — use {allowed}"
    )]
    OperatorNotAllowed {
        position: usize,
        subject: String,
        operator: String,
        allowed: &'static str,
    },
    #[error("at position {position}: expected a value after {operator}, found {found}")]
    ExpectedValue {
        position: usize,
        operator: String,
        found: String,
    },
    #[error("at position {position}: {subject} compare to numbers: '{value}' is not a number")]
    NotANumber {
        position: usize,
        subject: String,
        value: String,
    },
    #[error(
        "at position {position}: {subject} compare to quoted strings: write '{value}' with quotes"
    )]
    NotQuoted {
        position: usize,
        subject: String,
        value: String,
    },
    #[error("at position {position}: expected AND between clauses, found {found}")]
    ExpectedAnd { position: usize, found: String },
    #[error("at position {position}: the {quote} opened here is never closed")]
    Unterminated { position: usize, quote: char },
    #[error("at position {position}: unexpected character '{character}'")]
    UnexpectedCharacter { position: usize, character: char },
}

impl FilterError {
    /// Character offset of the problem in the filter text.
    pub fn position(&self) -> usize {
        use FilterError::*;
        match self {
            OrNotSupported { position }
            | Parentheses { position }
            | UnknownPrefix { position, .. }
            | UnknownAttribute { position, .. }
            | UnknownDatasetField { position, .. }
            | ListNotAllowed { position, .. }
            | BadList { position, .. }
            | NullNotAllowed { position, .. }
            | MissingKey { position, .. }
            | ExpectedKey { position, .. }
            | ExpectedOperator { position, .. }
            | OperatorNotAllowed { position, .. }
            | ExpectedValue { position, .. }
            | NotANumber { position, .. }
            | NotQuoted { position, .. }
            | ExpectedAnd { position, .. }
            | Unterminated { position, .. }
            | UnexpectedCharacter { position, .. } => *position,
        }
    }
}

impl RunFilter {
    /// Parses a filter; blank text gives the filter that keeps every run.
    pub fn parse(text: &str) -> Result<RunFilter, FilterError> {
        parse::parse_filter(text)
    }

    pub fn matches(&self, run: &Run) -> bool {
        self.clauses.iter().all(|clause| clause.matches(run))
    }
}

impl Clause {
    pub fn matches(&self, run: &Run) -> bool {
        let text = |value: Option<&str>| self.holds_for_text(value);
        let number = |value: Option<f64>| value.is_some_and(|v| self.compare_number(v));
        match &self.key {
            FilterKey::Metric(key) => number(latest_metric(run, key)),
            FilterKey::Param(key) => text(run.params.get(key).map(String::as_str)),
            FilterKey::Tag(key) => text(run.tags.get(key).map(String::as_str)),
            FilterKey::Attribute(Attribute::RunName) => text(Some(&run.name)),
            FilterKey::Attribute(Attribute::Status) => text(Some(run.status.mlflow_name())),
            FilterKey::Attribute(Attribute::RunId) => text(Some(&run.client_id)),
            // As on a server, a run without a user has the empty one.
            FilterKey::Attribute(Attribute::UserId) => {
                text(Some(run.tags.get(USER_TAG).map_or("", String::as_str)))
            }
            FilterKey::Attribute(Attribute::ArtifactUri) => text(None),
            FilterKey::Attribute(Attribute::StartTime) => number(Some(run.start_time_ms as f64)),
            FilterKey::Attribute(Attribute::EndTime) => number(run.end_time_ms.map(|t| t as f64)),
            FilterKey::Dataset(field) => run.inputs.iter().any(|input| {
                let digest: String = input.digest.chars().take(32).collect();
                match field {
                    DatasetField::Name => text(Some(&input.name)),
                    DatasetField::Digest => text(Some(&digest)),
                    DatasetField::Context => text(Some(input.role.context())),
                }
            }),
        }
    }

    fn compare_number(&self, actual: f64) -> bool {
        let FilterValue::Number(wanted) = self.value else {
            return false;
        };
        match self.comparator {
            Comparator::Equal => actual == wanted,
            Comparator::NotEqual => actual != wanted,
            Comparator::Less => actual < wanted,
            Comparator::LessOrEqual => actual <= wanted,
            Comparator::Greater => actual > wanted,
            Comparator::GreaterOrEqual => actual >= wanted,
            _ => false,
        }
    }

    /// A text clause on `actual`, `None` when the run lacks the key.
    fn holds_for_text(&self, actual: Option<&str>) -> bool {
        match (self.comparator, actual) {
            (Comparator::IsNull, actual) => actual.is_none(),
            (Comparator::IsNotNull, actual) => actual.is_some(),
            (_, None) => false,
            (_, Some(actual)) => self.compare_text(actual),
        }
    }

    fn compare_text(&self, actual: &str) -> bool {
        match (&self.value, self.comparator) {
            (FilterValue::List(list), Comparator::In) => list.iter().any(|v| v == actual),
            (FilterValue::List(list), Comparator::NotIn) => list.iter().all(|v| v != actual),
            (FilterValue::Text(wanted), Comparator::Equal) => actual == wanted,
            (FilterValue::Text(wanted), Comparator::NotEqual) => actual != wanted,
            (FilterValue::Text(wanted), Comparator::Like) => like(wanted, actual, false),
            (FilterValue::Text(wanted), Comparator::ILike) => like(wanted, actual, true),
            _ => false,
        }
    }
}

/// SQL LIKE: `%` is any run of characters, `_` exactly one; the whole text must match.
pub fn like(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let chars = |s: &str| -> Vec<char> {
        if ignore_case {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let (p, t) = (chars(pattern), chars(text));
    let (mut pi, mut ti) = (0, 0);
    // Where the last `%` was and how much text it swallows so far, to backtrack to.
    let mut last_percent: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '%' {
            last_percent = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '_' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((percent, swallowed)) = last_percent {
            pi = percent + 1;
            ti = swallowed + 1;
            last_percent = Some((percent, swallowed + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '%')
}

#[cfg(test)]
mod tests;
