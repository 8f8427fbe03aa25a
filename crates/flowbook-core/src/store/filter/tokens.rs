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
    /// `(`, `)` or `,`: only an `IN` list uses them.
    Punct(char),
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
            TokenKind::Punct(c) => format!("'{c}'"),
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

impl Token {
    /// The token as written, quotes included (MLflow reads keys from that text).
    pub fn raw(&self) -> String {
        match &self.kind {
            TokenKind::Word(w) => w.clone(),
            TokenKind::Quoted { quote, text } => format!("{quote}{text}{quote}"),
            TokenKind::Operator(op) => op.to_string(),
            TokenKind::Punct(c) => c.to_string(),
        }
    }
}

pub(super) fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let kind = if c.is_whitespace() {
            i += 1;
            continue;
        } else if matches!(c, '\'' | '"' | '`') {
            // A doubled quote stays inside the text, as sqlparse reads it; MLflow keeps
            // both characters in the value (it does not unescape).
            let mut close = i + 1;
            loop {
                match chars.get(close) {
                    None => {
                        return Err(FilterError::Unterminated {
                            position: start,
                            quote: c,
                        })
                    }
                    Some(&x) if x == c && chars.get(close + 1) == Some(&c) => close += 2,
                    Some(&x) if x == c => break,
                    Some(_) => close += 1,
                }
            }
            let text: String = chars[i + 1..close].iter().collect();
            i = close + 1;
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
        } else if matches!(c, '(' | ')' | ',') {
            i += 1;
            TokenKind::Punct(c)
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
