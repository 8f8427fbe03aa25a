//! Filter text → tokens: words, quoted text, comparison operators, with their positions.

use super::FilterError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum TokenKind {
    /// Names, prefixes, numbers and keywords: anything unquoted that is not an operator.
    Word(String),
    /// Text in `'…'`, `"…"` or `` `…` ``.
    Quoted {
        quote: char,
        text: String,
    },
    Operator(&'static str),
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub kind: TokenKind,
    /// Character offsets: first character, one past the last.
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn describe(&self) -> String {
        match &self.kind {
            TokenKind::Word(word) => format!("'{word}'"),
            TokenKind::Quoted { quote, text } => format!("{quote}{text}{quote}"),
            TokenKind::Operator(op) => format!("'{op}'"),
        }
    }

    pub fn is_keyword(&self, keyword: &str) -> bool {
        matches!(&self.kind, TokenKind::Word(w) if w.eq_ignore_ascii_case(keyword))
    }
}

pub(super) fn describe(token: Option<&Token>) -> String {
    token.map_or_else(|| "the end of the filter".to_string(), Token::describe)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || "_.-+:/".contains(c)
}

pub(super) fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let kind =
            if c.is_whitespace() {
                i += 1;
                continue;
            } else if matches!(c, '\'' | '"' | '`') {
                let close = chars[i + 1..].iter().position(|&x| x == c).ok_or(
                    FilterError::Unterminated {
                        position: start,
                        quote: c,
                    },
                )?;
                let text: String = chars[i + 1..i + 1 + close].iter().collect();
                i += close + 2;
                TokenKind::Quoted { quote: c, text }
            } else if matches!(c, '<' | '>' | '=' | '!') {
                let next_is_equal = chars.get(i + 1) == Some(&'=');
                let op = match (c, next_is_equal) {
                    ('<', true) => "<=",
                    ('>', true) => ">=",
                    ('!', true) => "!=",
                    ('<', false) => "<",
                    ('>', false) => ">",
                    ('=', _) => "=",
                    _ => {
                        return Err(FilterError::UnexpectedCharacter {
                            position: start,
                            character: c,
                        })
                    }
                };
                i += op.len();
                TokenKind::Operator(op)
            } else if is_word_char(c) {
                while i < chars.len() && is_word_char(chars[i]) {
                    i += 1;
                }
                TokenKind::Word(chars[start..i].iter().collect())
            } else if matches!(c, '(' | ')') {
                return Err(FilterError::Parentheses { position: start });
            } else {
                return Err(FilterError::UnexpectedCharacter {
                    position: start,
                    character: c,
                });
            };
        tokens.push(Token {
            kind,
            start,
            end: i,
        });
    }
    Ok(tokens)
}
