//! MLflow's run search syntax (`metrics.val_rmse < 6 and params.model = 'ridge'`): the
//! parsed form and its evaluation on runs. Parsing lives in `filter/parse.rs`.
//!
//! Semantics follow MLflow: clauses are joined by AND only; a metric's value is its latest
//! point ([`latest_metric`]); a run that lacks the key a clause names does not match it,
//! whatever the comparator (even `!=`).

mod parse;
mod tokens;

use crate::tracking::Run;

use super::latest_metric;

/// A run attribute that can be filtered on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attribute {
    RunName,
    Status,
    StartTime,
    EndTime,
    /// Flowbook's client id (MLflow's `run_id` for runs searched locally).
    RunId,
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
        }
    }

    pub fn from_name(name: &str) -> Option<Attribute> {
        [
            Attribute::RunName,
            Attribute::Status,
            Attribute::StartTime,
            Attribute::EndTime,
            Attribute::RunId,
        ]
        .into_iter()
        .find(|a| a.name().eq_ignore_ascii_case(name))
    }
}

/// What a clause (or a table column) looks at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FilterKey {
    Metric(String),
    Param(String),
    Tag(String),
    Attribute(Attribute),
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
}

#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    Number(f64),
    Text(String),
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
    #[error("at position {position}: unknown prefix '{prefix}.' — use metrics., params., tags. or attributes.")]
    UnknownPrefix { position: usize, prefix: String },
    #[error("at position {position}: unknown attribute '{name}' — use run_name, status, start_time, end_time or run_id (for a metric write metrics.{name})")]
    UnknownAttribute { position: usize, name: String },
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
    #[error("at position {position}: unknown status '{value}' — use RUNNING, FINISHED, FAILED or KILLED")]
    UnknownStatus { position: usize, value: String },
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
            | MissingKey { position, .. }
            | ExpectedKey { position, .. }
            | ExpectedOperator { position, .. }
            | OperatorNotAllowed { position, .. }
            | ExpectedValue { position, .. }
            | NotANumber { position, .. }
            | NotQuoted { position, .. }
            | UnknownStatus { position, .. }
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
        let text = |value: Option<&str>| value.is_some_and(|v| self.compare_text(v));
        let number = |value: Option<f64>| value.is_some_and(|v| self.compare_number(v));
        match &self.key {
            FilterKey::Metric(key) => number(latest_metric(run, key)),
            FilterKey::Param(key) => text(run.params.get(key).map(String::as_str)),
            FilterKey::Tag(key) => text(run.tags.get(key).map(String::as_str)),
            FilterKey::Attribute(Attribute::RunName) => text(Some(&run.name)),
            FilterKey::Attribute(Attribute::Status) => text(Some(run.status.mlflow_name())),
            FilterKey::Attribute(Attribute::RunId) => text(Some(&run.client_id)),
            FilterKey::Attribute(Attribute::StartTime) => number(Some(run.start_time_ms as f64)),
            FilterKey::Attribute(Attribute::EndTime) => number(run.end_time_ms.map(|t| t as f64)),
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
            Comparator::Like | Comparator::ILike => false,
        }
    }

    fn compare_text(&self, actual: &str) -> bool {
        let FilterValue::Text(wanted) = &self.value else {
            return false;
        };
        // Statuses are stored upper-case; `status = 'finished'` means the same thing.
        let fold = self.key == FilterKey::Attribute(Attribute::Status);
        match self.comparator {
            Comparator::Equal if fold => actual.eq_ignore_ascii_case(wanted),
            Comparator::NotEqual if fold => !actual.eq_ignore_ascii_case(wanted),
            Comparator::Equal => actual == wanted,
            Comparator::NotEqual => actual != wanted,
            Comparator::Like => like(wanted, actual, false),
            Comparator::ILike => like(wanted, actual, true),
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
