//! Filter text → [`RunFilter`]: a small tokenizer and a clause-by-clause parser that says
//! what it expected and where.

use super::tokens::{describe, tokenize, Token, TokenKind};
use super::{Attribute, Clause, Comparator, FilterError, FilterKey, FilterValue, RunFilter};

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// Length of the text in characters, the position reported for "found the end".
    text_len: usize,
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

    /// The next token, or `missing` (given the end's position) if the text ended.
    fn expect_token(
        &mut self,
        missing: impl FnOnce(usize) -> FilterError,
    ) -> Result<Token, FilterError> {
        self.advance().ok_or_else(|| missing(self.text_len))
    }

    fn key(&mut self) -> Result<(FilterKey, String), FilterError> {
        let token = self.expect_token(|position| FilterError::ExpectedKey {
            position,
            found: describe(None),
        })?;
        let position = token.start;
        let word = match &token.kind {
            TokenKind::Word(_) if token.is_keyword("or") => {
                return Err(FilterError::OrNotSupported { position })
            }
            TokenKind::Word(word) if !token.is_keyword("and") => word.clone(),
            _ => {
                let found = token.describe();
                return Err(FilterError::ExpectedKey { position, found });
            }
        };
        let Some((prefix, rest)) = word.split_once('.') else {
            let attribute = Attribute::from_name(&word).ok_or(FilterError::UnknownAttribute {
                position,
                name: word.clone(),
            })?;
            return Ok((FilterKey::Attribute(attribute), word));
        };
        // ``metrics.`val.rmse` ``: the quoted part must follow the dot with no space.
        let key = match self.peek() {
            Some(Token {
                kind: TokenKind::Quoted { quote, text },
                start,
                ..
            }) if rest.is_empty() && *start == token.end && matches!(quote, '`' | '"') => {
                let key = text.clone();
                self.next += 1;
                key
            }
            _ => rest.to_string(),
        };
        let lowered = prefix.to_ascii_lowercase();
        let known_prefix = matches!(
            lowered.as_str(),
            "metric"
                | "metrics"
                | "param"
                | "params"
                | "parameter"
                | "parameters"
                | "tag"
                | "tags"
                | "attribute"
                | "attributes"
                | "attr"
                | "run"
        );
        if !known_prefix {
            let prefix = prefix.to_string();
            return Err(FilterError::UnknownPrefix { position, prefix });
        }
        if key.is_empty() {
            let prefix = prefix.to_string();
            return Err(FilterError::MissingKey { position, prefix });
        }
        let subject = format!("{prefix}.{key}");
        let key = match lowered.as_str() {
            "metric" | "metrics" => FilterKey::Metric(key),
            "tag" | "tags" => FilterKey::Tag(key),
            "attribute" | "attributes" | "attr" | "run" => {
                let attribute =
                    Attribute::from_name(&key).ok_or(FilterError::UnknownAttribute {
                        position,
                        name: key,
                    })?;
                FilterKey::Attribute(attribute)
            }
            _ => FilterKey::Param(key),
        };
        Ok((key, subject))
    }

    fn comparator(
        &mut self,
        key: &FilterKey,
        subject: &str,
    ) -> Result<(Comparator, String), FilterError> {
        let token = self.expect_token(|position| FilterError::ExpectedOperator {
            position,
            found: describe(None),
        })?;
        let position = token.start;
        let (comparator, operator) = match &token.kind {
            TokenKind::Operator(op) => {
                let comparator = match *op {
                    "=" => Comparator::Equal,
                    "!=" => Comparator::NotEqual,
                    "<" => Comparator::Less,
                    "<=" => Comparator::LessOrEqual,
                    ">" => Comparator::Greater,
                    _ => Comparator::GreaterOrEqual,
                };
                (comparator, op.to_string())
            }
            TokenKind::Word(w) if token.is_keyword("like") => {
                (Comparator::Like, w.to_ascii_uppercase())
            }
            TokenKind::Word(w) if token.is_keyword("ilike") => {
                (Comparator::ILike, w.to_ascii_uppercase())
            }
            _ => {
                let found = token.describe();
                return Err(FilterError::ExpectedOperator { position, found });
            }
        };
        let ordering = !matches!(comparator, Comparator::Equal | Comparator::NotEqual);
        let textual = matches!(comparator, Comparator::Like | Comparator::ILike);
        let (allowed, ok) = if is_numeric(key) {
            ("=, !=, <, <=, > or >=", !textual)
        } else {
            ("=, !=, LIKE or ILIKE", !ordering || textual)
        };
        if !ok {
            let subject = subject.to_string();
            let operator = format!("'{operator}'");
            return Err(FilterError::OperatorNotAllowed {
                position,
                subject,
                operator,
                allowed,
            });
        }
        Ok((comparator, operator))
    }

    fn value(&mut self, key: &FilterKey, operator: &str) -> Result<FilterValue, FilterError> {
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
            TokenKind::Operator(_) => return Err(expected_value(position, token.describe())),
        };
        let subject = match key {
            FilterKey::Metric(_) => "metrics".to_string(),
            FilterKey::Param(_) => "params".to_string(),
            FilterKey::Tag(_) => "tags".to_string(),
            FilterKey::Attribute(a) => a.name().to_string(),
        };
        if is_numeric(key) {
            // A quoted number is accepted: its meaning is unambiguous.
            return match text.trim().parse::<f64>() {
                Ok(number) if number.is_finite() => Ok(FilterValue::Number(number)),
                _ => Err(FilterError::NotANumber {
                    position,
                    subject,
                    value: text,
                }),
            };
        }
        if !matches!(quoted, Some('\'' | '"')) {
            return Err(FilterError::NotQuoted {
                position,
                subject,
                value: text,
            });
        }
        let known_status = ["RUNNING", "FINISHED", "FAILED", "KILLED"]
            .iter()
            .any(|s| s.eq_ignore_ascii_case(&text));
        let exact = matches!(operator, "=" | "!=");
        if *key == FilterKey::Attribute(Attribute::Status) && exact && !known_status {
            return Err(FilterError::UnknownStatus {
                position,
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
        FilterKey::Param(_) | FilterKey::Tag(_) => false,
    }
}

pub(super) fn parse_filter(text: &str) -> Result<RunFilter, FilterError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        next: 0,
        text_len: text.chars().count(),
    };
    let mut clauses = Vec::new();
    if parser.peek().is_none() {
        return Ok(RunFilter { clauses });
    }
    loop {
        let (key, subject) = parser.key()?;
        let (comparator, operator) = parser.comparator(&key, &subject)?;
        let value = parser.value(&key, &operator)?;
        clauses.push(Clause {
            key,
            comparator,
            value,
        });
        let Some(token) = parser.advance() else {
            return Ok(RunFilter { clauses });
        };
        if token.is_keyword("or") {
            return Err(FilterError::OrNotSupported {
                position: token.start,
            });
        }
        if !token.is_keyword("and") {
            let found = token.describe();
            return Err(FilterError::ExpectedAnd {
                position: token.start,
                found,
            });
        }
    }
}

/// One key and nothing else, for naming table columns the way filters do.
pub(super) fn parse_key_only(text: &str) -> Result<FilterKey, FilterError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        next: 0,
        text_len: text.chars().count(),
    };
    let (key, _) = parser.key()?;
    match parser.advance() {
        None => Ok(key),
        Some(extra) => Err(FilterError::UnexpectedCharacter {
            position: extra.start,
            character: text.chars().nth(extra.start).unwrap_or(' '),
        }),
    }
}
