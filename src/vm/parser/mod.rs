//! The PHP parser: tokens in, `ast::Program` out.
//!
//! Hand-written recursive descent over the lexer's token vector, with precedence climbing
//! for expressions following PHP 8.2's operator table (`zend_language_parser.y`). Statement
//! and declaration rules live in `stmt.rs`, expressions in `expr.rs`; this file holds the
//! token cursor and PHP-style error reporting.
//!
//! Errors carry PHP's exact wording (`syntax error, unexpected token "}", expecting ";"`) and
//! line: PHP reports the line the lexer stands on after reading the unexpected token, i.e.
//! the token's last line. The `expecting ...` suffix mirrors where PHP's LALR tables add it
//! for the common cases; it cannot match bison everywhere.
//!
//! Not done here: name resolution, constant folding, and checks PHP performs at compile
//! time (invalid assignment targets, modifier combinations, `break` outside loops).

mod expr;
mod stmt;

use super::ast::{NameKind, Program, QName};
use super::error::ParseError;
use super::lexer::tokenize;
use super::token::{describe, Kw, Op, Tok, Token};

/// Nesting deeper than this is rejected with a clear error instead of risking a stack
/// overflow; PHP itself only stops at memory exhaustion, but real code never nests past a
/// few dozen levels. Each level costs a handful of recursive frames.
pub const MAX_DEPTH: u32 = 2500;

/// Parses a whole PHP file.
///
/// # Errors
/// The first syntax error, with PHP's message and line.
pub fn parse(src: &[u8]) -> Result<Program, ParseError> {
    let mut parser = Parser::new(src);
    let stmts = parser.parse_top_statements()?;
    Ok(Program { stmts })
}

/// The token cursor shared by the statement and expression parsers.
pub(crate) struct Parser<'a> {
    src: &'a [u8],
    toks: Vec<Token>,
    pos: usize,
    depth: u32,
}

impl<'a> Parser<'a> {
    fn new(src: &'a [u8]) -> Self {
        Parser {
            src,
            toks: tokenize(src),
            pos: 0,
            depth: 0,
        }
    }

    /// The current token; the vector always ends with `Eof` or `Error`, which the cursor
    /// never moves past.
    fn tok(&self) -> &Token {
        let last = self.toks.len() - 1;
        &self.toks[self.pos.min(last)]
    }

    fn peek(&self) -> &Tok {
        &self.tok().kind
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        let last = self.toks.len() - 1;
        &self.toks[(self.pos + ahead).min(last)].kind
    }

    fn line(&self) -> u32 {
        self.tok().line
    }

    /// The last line of the previous token (for `end_line` fields).
    fn prev_end_line(&self) -> u32 {
        if self.pos == 0 {
            1
        } else {
            self.toks[(self.pos - 1).min(self.toks.len() - 1)].end_line
        }
    }

    fn bump(&mut self) -> Token {
        let tok = self.tok().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        tok
    }

    fn at_op(&self, op: Op) -> bool {
        self.peek().is_op(op)
    }

    fn at_kw(&self, kw: Kw) -> bool {
        self.peek().is_kw(kw)
    }

    fn eat_op(&mut self, op: Op) -> bool {
        if self.at_op(op) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn eat_kw(&mut self, kw: Kw) -> bool {
        if self.at_kw(kw) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// `syntax error, unexpected X` for the current token (or the lexer's own error).
    fn unexpected(&self) -> ParseError {
        self.unexpected_with(None)
    }

    /// `syntax error, unexpected X, expecting Y`.
    fn expecting(&self, what: &str) -> ParseError {
        self.unexpected_with(Some(what))
    }

    fn unexpected_with(&self, expecting: Option<&str>) -> ParseError {
        let tok = self.tok();
        if let Tok::Error(message) = &tok.kind {
            return ParseError {
                message: message.clone(),
                line: tok.line,
            };
        }
        let text = &self.src[tok.start as usize..tok.end as usize];
        let mut message = format!("syntax error, unexpected {}", describe(&tok.kind, text));
        if let Some(what) = expecting {
            message.push_str(", expecting ");
            message.push_str(what);
        }
        ParseError {
            message,
            line: tok.end_line,
        }
    }

    /// A non-syntax error PHP raises while parsing, at the current token's line.
    fn error_here(&self, message: impl Into<String>) -> ParseError {
        if let Tok::Error(lex_message) = self.peek() {
            return ParseError {
                message: lex_message.clone(),
                line: self.line(),
            };
        }
        ParseError {
            message: message.into(),
            line: self.line(),
        }
    }

    /// Consumes `op` or fails with `unexpected ..., expecting "op"`.
    fn expect_op(&mut self, op: Op) -> Result<(), ParseError> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(self.expecting(&format!("\"{}\"", op.text())))
        }
    }

    /// Consumes `op` or fails with a plain `unexpected ...` (where PHP's state accepts too
    /// many tokens to list them).
    fn expect_op_plain(&mut self, op: Op) -> Result<(), ParseError> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// Guards recursion: see `MAX_DEPTH`.
    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError {
                message: format!("maximum nesting depth of {MAX_DEPTH} exceeded"),
                line: self.line(),
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// The source text of the current token (keywords keep their written case).
    fn tok_text(&self) -> Vec<u8> {
        let tok = self.tok();
        self.src[tok.start as usize..tok.end as usize].to_vec()
    }

    /// A plain identifier (`T_STRING`).
    fn ident(&mut self) -> Option<Vec<u8>> {
        if let Tok::Ident(name) = self.peek() {
            let name = name.clone();
            self.bump();
            Some(name)
        } else {
            None
        }
    }

    /// An identifier or any keyword, as allowed for member names (`identifier` in PHP's
    /// grammar, which includes semi-reserved words).
    fn semi_reserved(&mut self) -> Option<Vec<u8>> {
        match self.peek() {
            Tok::Ident(name) => {
                let name = name.clone();
                self.bump();
                Some(name)
            }
            Tok::Kw(kw) if !is_cast(*kw) && *kw != Kw::YieldFrom => {
                let text = self.tok_text();
                self.bump();
                Some(text)
            }
            _ => None,
        }
    }

    /// A name in any form: `Foo`, `A\Foo`, `\A\Foo`, `namespace\Foo`.
    fn name(&mut self) -> Option<QName> {
        let (name, kind) = match self.peek() {
            Tok::Ident(n) => (n.clone(), NameKind::Unqualified),
            Tok::NameQualified(n) => (n.clone(), NameKind::Qualified),
            Tok::NameFullyQualified(n) => (n.clone(), NameKind::FullyQualified),
            Tok::NameRelative(n) => (n.clone(), NameKind::Relative),
            _ => return None,
        };
        self.bump();
        Some(QName { name, kind })
    }
}

fn is_cast(kw: Kw) -> bool {
    matches!(
        kw,
        Kw::IntCast
            | Kw::FloatCast
            | Kw::StringCast
            | Kw::ArrayCast
            | Kw::ObjectCast
            | Kw::BoolCast
            | Kw::UnsetCast
    )
}
