//! Filter text → [`RunFilter`]: a small tokenizer and a clause-by-clause parser that says
//! what it expected and where. What it accepts is what MLflow's `SearchUtils` accepts
//! (sqlparse-based), including its leniencies: AND may repeat or dangle, and clauses
//! written one after another without AND are still joined by AND.

use super::tokens::{describe, tokenize, Token, TokenKind};
use super::{
    Attribute, Clause, Comparator, DatasetField, FilterError, FilterKey, FilterValue, RunFilter,
};

struct Parser {
    /// The filter's characters, for the text between tokens that MLflow keeps in a key.
    chars: Vec<char>,
    tokens: Vec<Token>,
    next: usize,
    /// Length of the text in characters, the position reported for "found the end".
    text_len: usize,
}

/// A key as MLflow reads it: the identifier's text split at its first dot.
struct Subject {
    key: FilterKey,
    /// The key as written, for messages (`params.model`).
    written: String,
}

fn is_quoted(text: &str, quote: char) -> bool {
    text.len() >= 2 && text.starts_with(quote) && text.ends_with(quote)
}

fn trim_backticks(text: &str) -> &str {
    if is_quoted(text, '`') {
        &text[1..text.len() - 1]
    } else {
        text
    }
}

fn strip_quotes(text: &str) -> &str {
    if is_quoted(text, '\'') || is_quoted(text, '"') {
        &text[1..text.len() - 1]
    } else {
        text
    }
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn advance(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        self.next += 1;
        token
    }

    fn expect_token(
        &mut self,
        missing: impl FnOnce(usize) -> FilterError,
    ) -> Result<Token, FilterError> {
        self.advance().ok_or_else(|| missing(self.text_len))
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        self.peek().is_some_and(|t| t.is_keyword(keyword))
    }

    /// The identifier starting at the next token: words and `` ` ``/`"` quoted parts
    /// written without space between them (``metrics.`val rmse` ``, `` `tags`.team ``).
    fn key(&mut self) -> Result<Subject, FilterError> {
        let first = self.expect_token(|position| FilterError::ExpectedKey {
            position,
            found: describe(None),
        })?;
        let position = first.start;
        let starts_key = match &first.kind {
            TokenKind::Word(_) => !first.is_keyword("and") && !first.is_keyword("or"),
            TokenKind::Quoted { quote, .. } => matches!(quote, '`' | '"'),
            _ => false,
        };
        if first.is_keyword("or") {
            return Err(FilterError::OrNotSupported { position });
        }
        if first.kind == TokenKind::Punct('(') {
            return Err(FilterError::Parentheses { position });
        }
        if !starts_key {
            let found = first.describe();
            return Err(FilterError::ExpectedKey { position, found });
        }
        let mut written = first.raw();
        let mut end = first.end;
        while let Some(next) = self.peek() {
            let part = matches!(
                &next.kind,
                TokenKind::Word(_)
                    | TokenKind::Quoted {
                        quote: '`' | '"',
                        ..
                    }
            );
            // sqlparse reads `metrics. val` as one name, the space part of the key.
            let after_dot = written.ends_with('.') && !next.is_keyword("and");
            if !part || !(next.start == end || after_dot) {
                break;
            }
            written.extend(&self.chars[end..next.start]);
            written.push_str(&next.raw());
            end = next.end;
            self.next += 1;
        }
        let key = match written.split_once('.') {
            None => {
                let name = trim_backticks(strip_quotes(&written));
                let attribute =
                    Attribute::from_name(name).ok_or_else(|| FilterError::UnknownAttribute {
                        position,
                        name: name.to_string(),
                    })?;
                FilterKey::Attribute(attribute)
            }
            Some((prefix, rest)) => {
                let entity = trim_backticks(prefix);
                let name = trim_backticks(strip_quotes(rest)).to_string();
                let known = matches!(
                    entity,
                    "metric"
                        | "metrics"
                        | "parameter"
                        | "parameters"
                        | "param"
                        | "params"
                        | "tag"
                        | "tags"
                        | "attribute"
                        | "attributes"
                        | "attr"
                        | "run"
                        | "dataset"
                        | "datasets"
                );
                if !known {
                    let prefix = prefix.to_string();
                    return Err(FilterError::UnknownPrefix { position, prefix });
                }
                if name.is_empty() {
                    let prefix = prefix.to_string();
                    return Err(FilterError::MissingKey { position, prefix });
                }
                match entity {
                    "metric" | "metrics" => FilterKey::Metric(name),
                    "tag" | "tags" => FilterKey::Tag(name),
                    "dataset" | "datasets" => {
                        let field = DatasetField::from_name(&name)
                            .ok_or(FilterError::UnknownDatasetField { position, name })?;
                        FilterKey::Dataset(field)
                    }
                    "attribute" | "attributes" | "attr" | "run" => {
                        let attribute = Attribute::from_name(&name)
                            .ok_or(FilterError::UnknownAttribute { position, name })?;
                        FilterKey::Attribute(attribute)
                    }
                    _ => FilterKey::Param(name),
                }
            }
        };
        Ok(Subject { key, written })
    }

    /// The comparator after a key: an operator, a keyword (LIKE, ILIKE, IN, NOT IN,
    /// IS NULL, IS NOT NULL), checked against what the key allows.
    fn comparator(&mut self, subject: &Subject) -> Result<(Comparator, String), FilterError> {
        let token = self.expect_token(|position| FilterError::ExpectedOperator {
            position,
            found: describe(None),
        })?;
        let position = token.start;
        let keyword = |parser: &mut Parser, word: &str| {
            let found = parser.peek_keyword(word);
            if found {
                parser.next += 1;
            }
            found
        };
        let comparator = match &token.kind {
            TokenKind::Operator(op) => match *op {
                "=" => Comparator::Equal,
                "!=" => Comparator::NotEqual,
                "<" => Comparator::Less,
                "<=" => Comparator::LessOrEqual,
                ">" => Comparator::Greater,
                _ => Comparator::GreaterOrEqual,
            },
            _ if token.is_keyword("like") => Comparator::Like,
            _ if token.is_keyword("ilike") => Comparator::ILike,
            _ if token.is_keyword("in") => Comparator::In,
            _ if token.is_keyword("not") && keyword(self, "in") => Comparator::NotIn,
            _ if token.is_keyword("is") && keyword(self, "null") => Comparator::IsNull,
            _ if token.is_keyword("is") && keyword(self, "not") && keyword(self, "null") => {
                Comparator::IsNotNull
            }
            _ => {
                let found = token.describe();
                return Err(FilterError::ExpectedOperator { position, found });
            }
        };
        let operator = match comparator {
            Comparator::Equal => "=",
            Comparator::NotEqual => "!=",
            Comparator::Less => "<",
            Comparator::LessOrEqual => "<=",
            Comparator::Greater => ">",
            Comparator::GreaterOrEqual => ">=",
            Comparator::Like => "LIKE",
            Comparator::ILike => "ILIKE",
            Comparator::In => "IN",
            Comparator::NotIn => "NOT IN",
            Comparator::IsNull => "IS NULL",
            Comparator::IsNotNull => "IS NOT NULL",
        };
        let written = subject.written.clone();
        let null = matches!(comparator, Comparator::IsNull | Comparator::IsNotNull);
        let list = matches!(comparator, Comparator::In | Comparator::NotIn);
        let text_key = matches!(subject.key, FilterKey::Param(_) | FilterKey::Tag(_));
        if null && !text_key {
            return Err(FilterError::NullNotAllowed {
                position,
                subject: written,
            });
        }
        let list_key = matches!(
            subject.key,
            FilterKey::Attribute(Attribute::RunId) | FilterKey::Dataset(_)
        );
        if list && !list_key {
            return Err(FilterError::ListNotAllowed {
                position,
                subject: written,
            });
        }
        let ordering = matches!(
            comparator,
            Comparator::Less
                | Comparator::LessOrEqual
                | Comparator::Greater
                | Comparator::GreaterOrEqual
        );
        let (allowed, ok) = if is_numeric(&subject.key) {
            (
                "=, !=, <, <=, > or >=",
                !matches!(comparator, Comparator::Like | Comparator::ILike),
            )
        } else if text_key {
            ("=, !=, LIKE, ILIKE, IS NULL or IS NOT NULL", !ordering)
        } else {
            ("=, !=, LIKE, ILIKE, IN or NOT IN", !ordering)
        };
        if !ok {
            return Err(FilterError::OperatorNotAllowed {
                position,
                subject: written,
                operator: format!("'{operator}'"),
                allowed,
            });
        }
        Ok((comparator, operator.to_string()))
    }

    /// `('a', "b", ...)`: at least one quoted string, an optional trailing comma.
    fn list(&mut self, operator: &str) -> Result<FilterValue, FilterError> {
        let bad = |token: Option<&Token>, end| FilterError::BadList {
            position: token.map_or(end, |t| t.start),
            found: describe(token),
        };
        let open = self.advance();
        if open.as_ref().map(|t| &t.kind) != Some(&TokenKind::Punct('(')) {
            return Err(match open {
                None => FilterError::ExpectedValue {
                    position: self.text_len,
                    operator: format!("'{operator}'"),
                    found: describe(None),
                },
                Some(token) => bad(Some(&token), self.text_len),
            });
        }
        let mut values = Vec::new();
        loop {
            let token = self.advance();
            match token.as_ref().map(|t| &t.kind) {
                Some(TokenKind::Quoted {
                    quote: '\'' | '"',
                    text,
                }) => values.push(text.clone()),
                Some(TokenKind::Punct(')')) if !values.is_empty() => {
                    return Ok(FilterValue::List(values))
                }
                _ => return Err(bad(token.as_ref(), self.text_len)),
            }
            let token = self.advance();
            match token.as_ref().map(|t| &t.kind) {
                Some(TokenKind::Punct(',')) => {
                    if self.peek().map(|t| &t.kind) == Some(&TokenKind::Punct(')')) {
                        self.next += 1;
                        return Ok(FilterValue::List(values));
                    }
                }
                Some(TokenKind::Punct(')')) => return Ok(FilterValue::List(values)),
                _ => return Err(bad(token.as_ref(), self.text_len)),
            }
        }
    }

    fn value(&mut self, subject: &Subject, operator: &str) -> Result<FilterValue, FilterError> {
        if matches!(operator, "IS NULL" | "IS NOT NULL") {
            return Ok(FilterValue::Nothing);
        }
        if matches!(operator, "IN" | "NOT IN") {
            return self.list(operator);
        }
        let expected_value = |position, found| FilterError::ExpectedValue {
            position,
            operator: format!("'{operator}'"),
            found,
        };
        let token = self.expect_token(|position| expected_value(position, describe(None)))?;
        let position = token.start;
        let (text, quoted) = match &token.kind {
            TokenKind::Word(w) => (w.clone(), None),
            TokenKind::Quoted { quote, text } => (text.clone(), Some(*quote)),
            TokenKind::Operator(_) | TokenKind::Punct(_) => {
                return Err(expected_value(position, token.describe()))
            }
        };
        let kind = match &subject.key {
            FilterKey::Metric(_) => "metrics".to_string(),
            FilterKey::Param(_) => "params".to_string(),
            FilterKey::Tag(_) => "tags".to_string(),
            FilterKey::Dataset(_) => "datasets".to_string(),
            FilterKey::Attribute(a) => a.name().to_string(),
        };
        if is_numeric(&subject.key) {
            // MLflow takes unquoted numbers only (sqlparse's integer and float tokens).
            let number = quoted
                .is_none()
                .then(|| {
                    text.strip_prefix('+')
                        .is_none()
                        .then(|| text.parse::<f64>().ok())
                })
                .flatten()
                .flatten();
            return match number {
                Some(number) if number.is_finite() => Ok(FilterValue::Number(number)),
                _ => Err(FilterError::NotANumber {
                    position,
                    subject: kind,
                    value: text,
                }),
            };
        }
        if !matches!(quoted, Some('\'' | '"')) {
            return Err(FilterError::NotQuoted {
                position,
                subject: kind,
                value: text,
            });
        }
        Ok(FilterValue::Text(text))
    }
}

fn is_numeric(key: &FilterKey) -> bool {
    match key {
        FilterKey::Metric(_) => true,
        FilterKey::Attribute(a) => a.is_numeric(),
        FilterKey::Param(_) | FilterKey::Tag(_) | FilterKey::Dataset(_) => false,
    }
}

pub(super) fn parse_filter(text: &str) -> Result<RunFilter, FilterError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        chars: text.chars().collect(),
        tokens,
        next: 0,
        text_len: text.chars().count(),
    };
    let mut clauses = Vec::new();
    loop {
        while parser.peek_keyword("and") {
            parser.next += 1;
        }
        let Some(token) = parser.peek() else {
            return Ok(RunFilter { clauses });
        };
        if token.is_keyword("or") {
            return Err(FilterError::OrNotSupported {
                position: token.start,
            });
        }
        let subject = parser.key()?;
        let (comparator, operator) = parser.comparator(&subject)?;
        let value = parser.value(&subject, &operator)?;
        clauses.push(Clause {
            key: subject.key,
            comparator,
            value,
        });
    }
}

/// One key and nothing else, for naming table columns the way filters do.
pub(super) fn parse_key_only(text: &str) -> Result<FilterKey, FilterError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        chars: text.chars().collect(),
        tokens,
        next: 0,
        text_len: text.chars().count(),
    };
    let subject = parser.key()?;
    match parser.advance() {
        None => Ok(subject.key),
        Some(extra) => Err(FilterError::UnexpectedCharacter {
            position: extra.start,
            character: text.chars().nth(extra.start).unwrap_or(' '),
        }),
    }
}
