//! The PHP lexer: source bytes in, a `Vec<Token>` out.
//!
//! A hand-written byte loop over a stack of modes that follows PHP 8.2's scanner states
//! (`INITIAL`, `ST_IN_SCRIPTING`, `ST_DOUBLE_QUOTES`, `ST_BACKQUOTE`, `ST_HEREDOC`,
//! `ST_VAR_OFFSET`, `ST_LOOKING_FOR_PROPERTY`, `ST_LOOKING_FOR_VARNAME`), so interpolated
//! strings come out as the same token sequence PHP's parser sees. It works in PHP's "parser
//! mode": whitespace and comments are dropped, `?>` is returned as `;` and `<?=` as `echo`.
//!
//! Errors the PHP scanner raises itself (unclosed brackets, bad escapes, heredoc indentation)
//! become a `Tok::Error` token after which lexing stops; the parser reports it when it gets
//! there. The lexer never fails and never panics on any input.

use super::token::{Kw, Op, Tok, Token};

/// Tokenizes a whole source file. The last token is always `Eof` or `Error`.
pub fn tokenize(src: &[u8]) -> Vec<Token> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        line: 1,
        toks: Vec::with_capacity(src.len() / 4 + 4),
        modes: vec![Mode::Initial],
        nesting: Vec::new(),
        halt_countdown: None,
    };
    // A `#!` first line (shebang) is skipped; line numbers still count it.
    if src.starts_with(b"#!") {
        if let Some(nl) = src.iter().position(|&b| b == b'\n') {
            lexer.pos = nl + 1;
            lexer.line = 2;
        } else {
            lexer.pos = src.len();
        }
    }
    lexer.run();
    lexer.toks
}

/// Everything the heredoc body scanner needs, found by looking ahead for the closing marker
/// when `<<<` is read (PHP 7.3+ does the same to learn the indentation first).
#[derive(Debug, Clone)]
struct Heredoc {
    /// Position of the newline before the closing marker line (the body ends there), or the
    /// end of the source when the marker is missing.
    body_end: usize,
    /// Position just after the closing label, where scripting resumes.
    resume: usize,
    /// Whether the closing marker was found at all.
    closed: bool,
    /// Indentation of the closing marker, removed from every body line.
    indent: usize,
    /// Whether that indentation is made of spaces (else tabs).
    spaces: bool,
    /// Nowdoc bodies have no interpolation and no escapes.
    nowdoc: bool,
    /// Whether `body_end` marks a newline to drop (false for an empty body).
    has_body: bool,
    /// The label (to find the marker again after an interpolation ran past it).
    label: Vec<u8>,
}

#[derive(Debug, Clone)]
enum Mode {
    Initial,
    Scripting,
    DoubleQuotes,
    Backquote,
    Heredoc(Box<Heredoc>),
    VarOffset,
    LookingForProperty,
    LookingForVarname,
}

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    line: u32,
    toks: Vec<Token>,
    modes: Vec<Mode>,
    /// Open brackets with their lines, for PHP's `Unclosed '{'` / `Unmatched ')'` errors.
    nesting: Vec<(u8, u32)>,
    /// After `__halt_compiler`, PHP stops scanning once `( ) ;` has been read.
    halt_countdown: Option<u8>,
}

/// Whether `b` may start a label (`[a-zA-Z_\x80-\xff]`).
pub fn is_label_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// Whether `b` may continue a label.
pub fn is_label_char(b: u8) -> bool {
    is_label_start(b) || b.is_ascii_digit()
}

fn count_newlines(bytes: &[u8]) -> u32 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u32
}

impl<'a> Lexer<'a> {
    fn at(&self, offset: usize) -> u8 {
        self.src.get(self.pos + offset).copied().unwrap_or(0)
    }

    fn has(&self, offset: usize) -> bool {
        self.pos + offset < self.src.len()
    }

    fn starts_with_ci(&self, word: &[u8]) -> bool {
        self.src.len() >= self.pos + word.len()
            && self.src[self.pos..self.pos + word.len()].eq_ignore_ascii_case(word)
    }

    /// Pushes a token spanning `start..self.pos`; `line` is the line at `start`.
    fn push(&mut self, kind: Tok, start: usize, line: u32) {
        let end_line = line + count_newlines(&self.src[start..self.pos]);
        self.line = end_line;
        self.toks.push(Token {
            kind,
            line,
            end_line,
            start: start as u32,
            end: self.pos as u32,
        });
    }

    /// Consumes bytes up to `to` that are not a token (whitespace, comments), keeping the
    /// line count.
    fn skip_to(&mut self, to: usize) {
        self.line += count_newlines(&self.src[self.pos..to]);
        self.pos = to;
    }

    /// Ends lexing with an error reported at the current line.
    fn error(&mut self, message: String) {
        let pos = self.pos.min(self.src.len());
        self.toks.push(Token {
            kind: Tok::Error(message),
            line: self.line,
            end_line: self.line,
            start: pos as u32,
            end: pos as u32,
        });
    }

    fn mode(&self) -> &Mode {
        self.modes.last().unwrap_or(&Mode::Initial)
    }

    fn set_mode(&mut self, mode: Mode) {
        if let Some(top) = self.modes.last_mut() {
            *top = mode;
        } else {
            self.modes.push(mode);
        }
    }

    fn pop_mode(&mut self) {
        if self.modes.len() > 1 {
            self.modes.pop();
        }
    }

    fn run(&mut self) {
        loop {
            if matches!(
                self.toks.last(),
                Some(Token {
                    kind: Tok::Error(_),
                    ..
                })
            ) {
                return;
            }
            if self.halt_countdown == Some(0) {
                self.push_eof();
                return;
            }
            let more = match self.mode().clone() {
                Mode::Initial => self.lex_initial(),
                Mode::Scripting => self.lex_scripting(),
                Mode::DoubleQuotes => self.lex_encaps(b'"'),
                Mode::Backquote => self.lex_encaps(b'`'),
                Mode::Heredoc(doc) => self.lex_heredoc(&doc),
                Mode::VarOffset => self.lex_var_offset(),
                Mode::LookingForProperty => self.lex_property(),
                Mode::LookingForVarname => {
                    self.lex_varname();
                    true
                }
            };
            if !more {
                return;
            }
        }
    }

    fn push_eof(&mut self) {
        let pos = self.src.len();
        self.toks.push(Token {
            kind: Tok::Eof,
            line: self.line,
            end_line: self.line,
            start: pos as u32,
            end: pos as u32,
        });
    }

    /// Reports unclosed brackets at end of file, or pushes `Eof`.
    fn finish(&mut self) -> bool {
        if let Some(&(bracket, line)) = self.nesting.last() {
            let message = if line != self.line {
                format!("Unclosed '{}' on line {}", bracket as char, line)
            } else {
                format!("Unclosed '{}'", bracket as char)
            };
            self.error(message);
        } else {
            self.push_eof();
        }
        false
    }

    /// Text outside PHP tags, up to the next open tag.
    fn lex_initial(&mut self) -> bool {
        let start = self.pos;
        let line = self.line;
        let mut i = self.pos;
        // `<?` is an open tag as well: short_open_tag defaults to On (and is On under `php -n`).
        while i < self.src.len() {
            if self.src[i] == b'<' && self.src.get(i + 1) == Some(&b'?') {
                break;
            }
            i += 1;
        }
        if i > start {
            self.pos = i;
            let html = self.src[start..i].to_vec();
            self.push(Tok::InlineHtml(html), start, line);
        }
        if self.pos >= self.src.len() {
            return self.finish();
        }
        let start = self.pos;
        let line = self.line;
        if self.starts_with_ci(b"<?php")
            && (!self.has(5) || matches!(self.at(5), b' ' | b'\t' | b'\n' | b'\r'))
        {
            let mut len = 5;
            if self.has(5) {
                len = if self.at(5) == b'\r' && self.at(6) == b'\n' {
                    7
                } else {
                    6
                };
            }
            self.skip_to(start + len);
        } else if self.at(2) == b'=' {
            self.pos += 3;
            self.push(Tok::Kw(Kw::Echo), start, line);
        } else {
            self.pos += 2;
        }
        self.set_mode(Mode::Scripting);
        true
    }

    fn skip_whitespace_and_comments(&mut self) -> bool {
        loop {
            let b = self.at(0);
            if !self.has(0) {
                return true;
            }
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => {
                    if b == b'\n' {
                        self.line += 1;
                    }
                    self.pos += 1;
                }
                b'#' if self.at(1) != b'[' => self.skip_line_comment(),
                b'/' if self.at(1) == b'/' => self.skip_line_comment(),
                b'/' if self.at(1) == b'*' => {
                    let start_line = self.line;
                    let body = self.pos + 2;
                    match find(self.src, body, b"*/") {
                        Some(end) => self.skip_to(end + 2),
                        None => {
                            self.skip_to(self.src.len());
                            self.error(format!("Unterminated comment starting line {start_line}"));
                            return false;
                        }
                    }
                }
                _ => return true,
            }
        }
    }

    /// `//` and `#` comments end at a newline or just before `?>`.
    fn skip_line_comment(&mut self) {
        let mut i = self.pos;
        while i < self.src.len() {
            match self.src[i] {
                b'\n' | b'\r' => break,
                b'?' if self.src.get(i + 1) == Some(&b'>') => break,
                _ => i += 1,
            }
        }
        self.pos = i;
    }

    fn lex_scripting(&mut self) -> bool {
        if !self.skip_whitespace_and_comments() {
            return false;
        }
        if !self.has(0) {
            return self.finish();
        }
        let start = self.pos;
        let line = self.line;
        let b = self.at(0);
        let after_arrow = matches!(
            self.toks.last(),
            Some(Token {
                kind: Tok::Op(Op::Arrow | Op::NullsafeArrow),
                ..
            })
        );
        if let Some(count) = self.halt_countdown.as_mut() {
            *count -= 1;
        }
        // `b"..."`, `b'...'` and `b<<<` are binary string literals: the prefix is ignored.
        if (b == b'b' || b == b'B')
            && !after_arrow
            && (matches!(self.at(1), b'\'' | b'"') || self.src[self.pos + 1..].starts_with(b"<<<"))
        {
            self.pos += 1;
            return self.lex_scripting();
        }
        if is_label_start(b) {
            self.lex_label(start, line, after_arrow);
            return true;
        }
        if b.is_ascii_digit() || (b == b'.' && self.at(1).is_ascii_digit()) {
            self.lex_number(start, line);
            return true;
        }
        match b {
            b'$' if is_label_start(self.at(1)) => {
                self.pos += 1;
                let name = self.take_label();
                self.push(Tok::Variable(name), start, line);
            }
            b'\'' => self.lex_single_quoted(start, line),
            b'"' => self.lex_double_quoted(start, line),
            b'`' => {
                self.pos += 1;
                self.push(Tok::Backtick, start, line);
                self.modes.push(Mode::Backquote);
            }
            b'<' if self.src[self.pos..].starts_with(b"<<<") && self.try_heredoc(start, line) => {}
            b'?' if self.at(1) == b'>' => {
                self.pos += 2;
                if self.at(0) == b'\n' {
                    self.pos += 1;
                } else if self.at(0) == b'\r' {
                    self.pos += if self.at(1) == b'\n' { 2 } else { 1 };
                }
                self.push(Tok::Op(Op::Semi), start, line);
                self.set_mode(Mode::Initial);
            }
            b'(' => {
                if let Some((len, cast)) = self.cast_at() {
                    self.pos += len;
                    match cast {
                        Some(kw) => self.push(Tok::Kw(kw), start, line),
                        None => {
                            self.error(
                                "The (real) cast has been removed, use (float) instead".to_string(),
                            );
                            return false;
                        }
                    }
                } else {
                    self.pos += 1;
                    self.nesting.push((b'(', line));
                    self.push(Tok::Op(Op::LParen), start, line);
                }
            }
            b'[' | b'{' => {
                self.pos += 1;
                self.nesting.push((b, line));
                if b == b'{' {
                    self.modes.push(Mode::Scripting);
                }
                let op = if b == b'[' { Op::LBracket } else { Op::LBrace };
                self.push(Tok::Op(op), start, line);
            }
            b')' | b']' | b'}' => {
                let open = match b {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match self.nesting.pop() {
                    None => {
                        self.error(format!("Unmatched '{}'", b as char));
                        return false;
                    }
                    Some((got, open_line)) if got != open => {
                        let message = if open_line != self.line {
                            format!(
                                "Unclosed '{}' on line {} does not match '{}'",
                                got as char, open_line, b as char
                            )
                        } else {
                            format!("Unclosed '{}' does not match '{}'", got as char, b as char)
                        };
                        self.error(message);
                        return false;
                    }
                    Some(_) => {}
                }
                self.pos += 1;
                let op = match b {
                    b')' => Op::RParen,
                    b']' => Op::RBracket,
                    _ => Op::RBrace,
                };
                if b == b'}' {
                    // `}` closes a `{`, `{$` or `${` and returns to the mode it was opened in.
                    self.pop_mode();
                }
                self.push(Tok::Op(op), start, line);
            }
            b'\\' if is_label_start(self.at(1)) => {
                self.pos += 1;
                let name = self.take_qualified_tail(Vec::new());
                self.push(Tok::NameFullyQualified(name), start, line);
            }
            _ => match self.operator_at() {
                Some((op, len)) => {
                    if op == Op::Attribute {
                        self.nesting.push((b'[', line));
                    }
                    self.pos += len;
                    self.push(Tok::Op(op), start, line);
                }
                None => {
                    self.pos += 1;
                    self.push(Tok::BadChar(b), start, line);
                }
            },
        }
        true
    }

    /// Recognises `( int )` style casts: returns the length and the cast, `None` for the
    /// removed `(real)`.
    fn cast_at(&self) -> Option<(usize, Option<Kw>)> {
        let rest = &self.src[self.pos + 1..];
        let mut i = 0;
        while i < rest.len() && (rest[i] == b' ' || rest[i] == b'\t') {
            i += 1;
        }
        let word_start = i;
        while i < rest.len() && rest[i].is_ascii_alphabetic() {
            i += 1;
        }
        let word = rest[word_start..i].to_ascii_lowercase();
        while i < rest.len() && (rest[i] == b' ' || rest[i] == b'\t') {
            i += 1;
        }
        if rest.get(i) != Some(&b')') {
            return None;
        }
        let cast = match word.as_slice() {
            b"int" | b"integer" => Some(Kw::IntCast),
            b"bool" | b"boolean" => Some(Kw::BoolCast),
            b"float" | b"double" => Some(Kw::FloatCast),
            b"real" => None,
            b"string" | b"binary" => Some(Kw::StringCast),
            b"array" => Some(Kw::ArrayCast),
            b"object" => Some(Kw::ObjectCast),
            b"unset" => Some(Kw::UnsetCast),
            _ => return None,
        };
        Some((i + 2, cast))
    }

    fn operator_at(&self) -> Option<(Op, usize)> {
        const OPS: &[(&[u8], Op)] = &[
            (b"<<=", Op::ShlEq),
            (b">>=", Op::ShrEq),
            (b"**=", Op::PowEq),
            (b"...", Op::Ellipsis),
            (b"??=", Op::CoalesceEq),
            (b"===", Op::Identical),
            (b"!==", Op::NotIdentical),
            (b"<=>", Op::Spaceship),
            (b"?->", Op::NullsafeArrow),
            (b"::", Op::DoubleColon),
            (b"->", Op::Arrow),
            (b"=>", Op::DoubleArrow),
            (b"+=", Op::PlusEq),
            (b"-=", Op::MinusEq),
            (b"*=", Op::MulEq),
            (b"/=", Op::DivEq),
            (b".=", Op::ConcatEq),
            (b"%=", Op::ModEq),
            (b"&=", Op::AndEq),
            (b"|=", Op::OrEq),
            (b"^=", Op::XorEq),
            (b"??", Op::Coalesce),
            (b"||", Op::BoolOr),
            (b"&&", Op::BoolAnd),
            (b"==", Op::EqEq),
            (b"!=", Op::NotEq),
            (b"<>", Op::NotEq),
            (b"<=", Op::Le),
            (b">=", Op::Ge),
            (b"<<", Op::Shl),
            (b">>", Op::Shr),
            (b"**", Op::Pow),
            (b"++", Op::Inc),
            (b"--", Op::Dec),
            (b"#[", Op::Attribute),
            (b";", Op::Semi),
            (b",", Op::Comma),
            (b"$", Op::Dollar),
            (b"?", Op::Question),
            (b":", Op::Colon),
            (b"\\", Op::Backslash),
            (b"=", Op::Assign),
            (b"|", Op::Pipe),
            (b"^", Op::Caret),
            (b"&", Op::Amp),
            (b"<", Op::Lt),
            (b">", Op::Gt),
            (b".", Op::Dot),
            (b"+", Op::Plus),
            (b"-", Op::Minus),
            (b"*", Op::Star),
            (b"/", Op::Slash),
            (b"%", Op::Percent),
            (b"!", Op::Bang),
            (b"~", Op::Tilde),
            (b"@", Op::At),
        ];
        let rest = &self.src[self.pos..];
        OPS.iter()
            .find(|(text, _)| rest.starts_with(text))
            .map(|(text, op)| (*op, text.len()))
    }

    fn take_label(&mut self) -> Vec<u8> {
        let start = self.pos;
        while self.has(0) && is_label_char(self.at(0)) {
            self.pos += 1;
        }
        self.src[start..self.pos].to_vec()
    }

    /// Reads `Label(\Label)*` starting at a label, appending to `name`.
    fn take_qualified_tail(&mut self, mut name: Vec<u8>) -> Vec<u8> {
        loop {
            name.extend_from_slice(&self.take_label());
            if self.at(0) == b'\\' && is_label_start(self.at(1)) {
                name.push(b'\\');
                self.pos += 1;
            } else {
                return name;
            }
        }
    }

    /// The position after whitespace and comments starting at `from`.
    fn skip_ws_comments_from(&self, mut i: usize) -> usize {
        loop {
            match self.src.get(i) {
                Some(b' ' | b'\t' | b'\n' | b'\r') => i += 1,
                Some(b'/') if self.src.get(i + 1) == Some(&b'*') => {
                    match find(self.src, i + 2, b"*/") {
                        Some(end) => i = end + 2,
                        None => return i,
                    }
                }
                Some(b'/') if self.src.get(i + 1) == Some(&b'/') => {
                    while i < self.src.len() && self.src[i] != b'\n' {
                        i += 1;
                    }
                }
                Some(b'#') if self.src.get(i + 1) != Some(&b'[') => {
                    while i < self.src.len() && self.src[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => return i,
            }
        }
    }

    fn lex_label(&mut self, start: usize, line: u32, after_arrow: bool) {
        let word = self.take_label();
        if self.at(0) == b'\\' && is_label_start(self.at(1)) {
            self.pos += 1;
            if word.eq_ignore_ascii_case(b"namespace") {
                let name = self.take_qualified_tail(Vec::new());
                self.push(Tok::NameRelative(name), start, line);
            } else {
                let mut name = word;
                name.push(b'\\');
                let name = self.take_qualified_tail(name);
                self.push(Tok::NameQualified(name), start, line);
            }
            return;
        }
        if after_arrow {
            self.push(Tok::Ident(word), start, line);
            return;
        }
        let lower = word.to_ascii_lowercase();
        match lower.as_slice() {
            b"yield" => {
                let next = self.skip_ws_comments_from(self.pos);
                if next > self.pos
                    && self.src.len() >= next + 4
                    && self.src[next..next + 4].eq_ignore_ascii_case(b"from")
                    && !is_label_char(self.src.get(next + 4).copied().unwrap_or(0))
                {
                    self.pos = next + 4;
                    self.push(Tok::Kw(Kw::YieldFrom), start, line);
                    return;
                }
            }
            b"enum" => {
                // `enum` is a keyword only where a declaration can follow: `enum Name`.
                let next = self.skip_ws_comments_from(self.pos);
                let rest = &self.src[next..];
                let word_at = |w: &[u8]| {
                    rest.len() >= w.len()
                        && rest[..w.len()].eq_ignore_ascii_case(w)
                        && !is_label_char(rest.get(w.len()).copied().unwrap_or(0))
                };
                let is_kw = next > self.pos
                    && is_label_start(rest.first().copied().unwrap_or(0))
                    && !word_at(b"extends")
                    && !word_at(b"implements");
                let kind = if is_kw {
                    Tok::Kw(Kw::Enum)
                } else {
                    Tok::Ident(word)
                };
                self.push(kind, start, line);
                return;
            }
            b"readonly" => {
                // PHP 8.2 lets `readonly(...)` be a function call.
                let next = self.skip_ws_comments_from(self.pos);
                if self.src.get(next) == Some(&b'(') {
                    self.push(Tok::Ident(word), start, line);
                    return;
                }
            }
            _ => {}
        }
        match Kw::lookup(&word) {
            Some(kw) => {
                if kw == Kw::HaltCompiler {
                    self.halt_countdown = Some(3);
                }
                self.push(Tok::Kw(kw), start, line);
            }
            None => self.push(Tok::Ident(word), start, line),
        }
    }

    fn lex_number(&mut self, start: usize, line: u32) {
        let src = self.src;
        let digits = |mut i: usize, ok: fn(u8) -> bool| -> usize {
            // `[d]+(_[d]+)*`: returns the end.
            while i < src.len() {
                let separator = src[i] == b'_'
                    && i + 1 < src.len()
                    && ok(src[i + 1])
                    && i > 0
                    && ok(src[i - 1]);
                if !ok(src[i]) && !separator {
                    break;
                }
                i += 1;
            }
            i
        };
        let b1 = self.at(1) | 0x20;
        if self.at(0) == b'0' && matches!(b1, b'x' | b'b' | b'o') {
            let (radix, ok): (u32, fn(u8) -> bool) = match b1 {
                b'x' => (16, |b: u8| b.is_ascii_hexdigit()),
                b'b' => (2, |b: u8| b == b'0' || b == b'1'),
                _ => (8, |b: u8| (b'0'..=b'7').contains(&b)),
            };
            if self.has(2) && ok(self.at(2)) {
                let end = digits(self.pos + 2, ok);
                let text: Vec<u8> = src[self.pos + 2..end]
                    .iter()
                    .copied()
                    .filter(|&b| b != b'_')
                    .collect();
                self.pos = end;
                self.push(radix_value(&text, radix), start, line);
                return;
            }
        }
        let dec = |b: u8| b.is_ascii_digit();
        let mut i = digits(self.pos, dec);
        let mut is_float = false;
        if src.get(i) == Some(&b'.')
            && (i > self.pos || src.get(i + 1).is_some_and(|b| b.is_ascii_digit()))
        {
            is_float = true;
            i += 1;
            if src.get(i).is_some_and(|b| b.is_ascii_digit()) {
                i = digits(i, dec);
            }
        }
        if matches!(src.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(src.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            if src.get(j).is_some_and(|b| b.is_ascii_digit()) {
                is_float = true;
                i = digits(j, dec);
            }
        }
        let text: Vec<u8> = src[self.pos..i]
            .iter()
            .copied()
            .filter(|&b| b != b'_')
            .collect();
        self.pos = i;
        if is_float {
            let value = std::str::from_utf8(&text)
                .ok()
                .and_then(|s| s.parse::<f64>().ok())
                .unwrap_or(0.0);
            self.push(Tok::Float(value), start, line);
            return;
        }
        if text.len() > 1 && text[0] == b'0' {
            // Legacy octal: a digit 8 or 9 makes the whole literal invalid.
            if text.iter().any(|&b| b == b'8' || b == b'9') {
                self.error("Invalid numeric literal".to_string());
                return;
            }
            self.push(radix_value(&text[1..], 8), start, line);
            return;
        }
        let kind = match std::str::from_utf8(&text)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
        {
            Some(value) => Tok::Int(value),
            None => Tok::Float(
                std::str::from_utf8(&text)
                    .ok()
                    .and_then(|s| s.parse::<f64>().ok())
                    .unwrap_or(f64::INFINITY),
            ),
        };
        self.push(kind, start, line);
    }

    fn lex_single_quoted(&mut self, start: usize, line: u32) {
        let mut i = self.pos + 1;
        let mut value = Vec::new();
        while i < self.src.len() {
            match self.src[i] {
                b'\'' => {
                    self.pos = i + 1;
                    self.push(Tok::ConstString(value), start, line);
                    return;
                }
                b'\\' if matches!(self.src.get(i + 1), Some(b'\\' | b'\'')) => {
                    value.push(self.src[i + 1]);
                    i += 2;
                }
                b => {
                    value.push(b);
                    i += 1;
                }
            }
        }
        // PHP returns an unterminated single-quoted string as string content, and reports
        // it on the line where the string starts.
        self.pos = self.src.len();
        self.push(Tok::EncapsedAndWhitespace(value), start, line);
        if let Some(last) = self.toks.last_mut() {
            last.end_line = line;
        }
    }

    fn lex_double_quoted(&mut self, start: usize, line: u32) {
        // A string without interpolation is one constant token; otherwise PHP emits `"`, the
        // parts and `"`.
        let mut i = self.pos + 1;
        while i < self.src.len() {
            match self.src[i] {
                b'"' => {
                    let raw = &self.src[self.pos + 1..i];
                    let unescaped = unescape(raw, b'"');
                    super::error::fix_diagnostic_lines(line);
                    match unescaped {
                        Ok(value) => {
                            self.pos = i + 1;
                            self.push(Tok::ConstString(value), start, line);
                        }
                        Err(message) => self.error(message),
                    }
                    return;
                }
                b'\\' => i += 2,
                b'$' if is_label_start(self.src.get(i + 1).copied().unwrap_or(0))
                    || self.src.get(i + 1) == Some(&b'{') =>
                {
                    break
                }
                b'{' if self.src.get(i + 1) == Some(&b'$') => break,
                _ => i += 1,
            }
        }
        self.pos += 1;
        self.push(Tok::DoubleQuote, start, line);
        self.modes.push(Mode::DoubleQuotes);
    }

    /// Recognises `<<<LABEL`, `<<<"LABEL"` and `<<<'LABEL'` followed by a newline.
    fn try_heredoc(&mut self, start: usize, line: u32) -> bool {
        let mut i = self.pos + 3;
        while matches!(self.src.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        let quote = match self.src.get(i) {
            Some(&q @ (b'\'' | b'"')) => {
                i += 1;
                Some(q)
            }
            _ => None,
        };
        let label_start = i;
        if !is_label_start(self.src.get(i).copied().unwrap_or(0)) {
            return false;
        }
        while i < self.src.len() && is_label_char(self.src[i]) {
            i += 1;
        }
        let label = self.src[label_start..i].to_vec();
        if let Some(q) = quote {
            if self.src.get(i) != Some(&q) {
                return false;
            }
            i += 1;
        }
        match self.src.get(i) {
            Some(b'\n') => i += 1,
            Some(b'\r') => {
                i += if self.src.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                }
            }
            _ => return false,
        }
        let body_start = i;
        let mut doc = Heredoc {
            body_end: self.src.len(),
            resume: self.src.len(),
            closed: false,
            indent: 0,
            spaces: true,
            nowdoc: quote == Some(b'\''),
            has_body: false,
            label: Vec::new(),
        };
        let mixed = self.find_closing_marker(&mut doc, &label, body_start, body_start);
        doc.label = label;
        self.pos = body_start;
        self.push(Tok::StartHeredoc, start, line);
        if mixed {
            // PHP reports this at the closing marker's line.
            self.line += count_newlines(&self.src[body_start..doc.body_end]) + 1;
            self.error("Invalid indentation - tabs and spaces cannot be mixed".to_string());
            return true;
        }
        if doc.nowdoc {
            let body_line = self.line;
            if doc.closed && doc.has_body || !doc.closed && body_start < self.src.len() {
                let raw = &self.src[body_start..doc.body_end];
                match strip_indent(raw, doc.indent, doc.spaces, true, true) {
                    Ok(value) => {
                        self.pos = doc.body_end;
                        self.push(Tok::EncapsedAndWhitespace(value), body_start, body_line);
                    }
                    Err((message, extra_lines)) => {
                        self.line += extra_lines;
                        self.error(message);
                        return true;
                    }
                }
            }
            if !doc.closed {
                // The body ran to the end of the file: the scripting loop reports the end.
                self.pos = self.src.len();
                return true;
            }
            self.end_heredoc(&doc);
            return true;
        }
        self.modes.push(Mode::Heredoc(Box::new(doc)));
        true
    }

    /// Finds the closing marker of `doc` (labelled `label`, body from `body_start`) on the
    /// first line starting at or after `line_start` that holds optional indentation and the
    /// label, not followed by a label character; fills in `doc`'s end fields. Returns
    /// whether the marker's indentation mixes tabs and spaces.
    fn find_closing_marker(
        &self,
        doc: &mut Heredoc,
        label: &[u8],
        body_start: usize,
        mut line_start: usize,
    ) -> bool {
        doc.closed = false;
        doc.body_end = self.src.len();
        doc.resume = self.src.len();
        loop {
            let mut j = line_start;
            while matches!(self.src.get(j), Some(b' ' | b'\t')) {
                j += 1;
            }
            let indent = &self.src[line_start..j];
            if self.src[j..].starts_with(label)
                && !is_label_char(self.src.get(j + label.len()).copied().unwrap_or(0))
            {
                doc.closed = true;
                doc.indent = indent.len();
                doc.spaces = !indent.contains(&b'\t');
                doc.resume = j + label.len();
                if line_start > body_start {
                    doc.has_body = true;
                    // The body ends before the newline that precedes the marker line.
                    let mut end = line_start - 1;
                    if end > body_start && self.src[end] == b'\n' && self.src[end - 1] == b'\r' {
                        end -= 1;
                    }
                    doc.body_end = end;
                } else {
                    doc.body_end = body_start;
                }
                return indent.contains(&b'\t') && indent.contains(&b' ');
            }
            match self.src[line_start..].iter().position(|&b| b == b'\n') {
                Some(nl) => line_start += nl + 1,
                None => return false,
            }
        }
    }

    /// Skips the newline before the closing marker and the marker, pushing `EndHeredoc`.
    fn end_heredoc(&mut self, doc: &Heredoc) {
        let marker_line_start = if doc.has_body {
            let mut p = doc.body_end;
            if self.src.get(p) == Some(&b'\r') {
                p += 1;
            }
            p + 1
        } else {
            doc.body_end
        };
        self.skip_to(marker_line_start.min(self.src.len()));
        let start = self.pos;
        let line = self.line;
        self.pos = doc.resume;
        self.push(Tok::EndHeredoc, start, line);
    }

    /// Literal text and variables inside `"..."` or backticks.
    fn lex_encaps(&mut self, quote: u8) -> bool {
        if !self.has(0) {
            return self.finish();
        }
        let start = self.pos;
        let line = self.line;
        if self.at(0) == quote {
            self.pos += 1;
            self.modes.pop();
            let kind = if quote == b'"' {
                Tok::DoubleQuote
            } else {
                Tok::Backtick
            };
            self.push(kind, start, line);
            return true;
        }
        if self.lex_encaps_var(start, line) {
            return true;
        }
        let mut i = self.pos;
        while i < self.src.len() {
            let b = self.src[i];
            if b == quote || self.var_starts_at(i) {
                break;
            }
            i += if b == b'\\' { 2 } else { 1 };
        }
        let i = i.min(self.src.len());
        let unescaped = unescape(&self.src[start..i], quote);
        super::error::fix_diagnostic_lines(line);
        match unescaped {
            Ok(value) => {
                self.pos = i;
                self.push(Tok::EncapsedAndWhitespace(value), start, line);
            }
            Err(message) => {
                self.error(message);
                return false;
            }
        }
        true
    }

    fn var_starts_at(&self, i: usize) -> bool {
        let next = self.src.get(i + 1).copied().unwrap_or(0);
        match self.src[i] {
            b'$' => is_label_start(next) || next == b'{',
            b'{' => next == b'$',
            _ => false,
        }
    }

    /// `$var`, `${`, `{$` at the current position inside a string.
    fn lex_encaps_var(&mut self, start: usize, line: u32) -> bool {
        if !self.var_starts_at(self.pos) {
            return false;
        }
        if self.at(0) == b'{' {
            self.pos += 1;
            self.nesting.push((b'{', line));
            self.modes.push(Mode::Scripting);
            self.push(Tok::CurlyOpen, start, line);
        } else if self.at(1) == b'{' {
            self.pos += 2;
            self.nesting.push((b'{', line));
            self.modes.push(Mode::LookingForVarname);
            self.push(Tok::DollarOpenCurly, start, line);
        } else {
            self.pos += 1;
            let name = self.take_label();
            self.push(Tok::Variable(name), start, line);
            if self.at(0) == b'[' {
                self.modes.push(Mode::VarOffset);
            } else if (self.at(0) == b'-' && self.at(1) == b'>' && is_label_start(self.at(2)))
                || (self.at(0) == b'?'
                    && self.at(1) == b'-'
                    && self.at(2) == b'>'
                    && is_label_start(self.at(3)))
            {
                self.modes.push(Mode::LookingForProperty);
            }
        }
        true
    }

    fn lex_heredoc(&mut self, doc: &Heredoc) -> bool {
        let start = self.pos;
        let line = self.line;
        if self.pos > doc.body_end {
            // An interpolated expression (`{$a['...`) ran past the marker found when the
            // heredoc began: as PHP, the heredoc goes on and ends at the next marker line
            // after it (the newline before the marker must follow the expression).
            let mut again = doc.clone();
            let from = match self.src[self.pos..].iter().position(|&b| b == b'\n') {
                Some(nl) => self.pos + nl + 1,
                None => self.src.len(),
            };
            self.find_closing_marker(&mut again, &doc.label, self.pos, from);
            if let Some(Mode::Heredoc(current)) = self.modes.last_mut() {
                **current = again.clone();
            }
            return self.lex_heredoc(&again);
        }
        if self.pos >= doc.body_end {
            if !doc.closed {
                return self.finish();
            }
            self.modes.pop();
            self.end_heredoc(doc);
            return true;
        }
        if self.lex_encaps_var(start, line) {
            return true;
        }
        let mut i = self.pos;
        while i < doc.body_end && !self.var_starts_at(i) {
            i += if self.src[i] == b'\\' { 2 } else { 1 };
        }
        let i = i.min(doc.body_end);
        let at_line_start = start == 0 || matches!(self.src[start - 1], b'\n' | b'\r');
        let at_end = i == doc.body_end;
        let stripped = match strip_indent(
            &self.src[start..i],
            doc.indent,
            doc.spaces,
            at_line_start,
            at_end && doc.closed,
        ) {
            Ok(stripped) => stripped,
            Err((message, extra_lines)) => {
                self.line += extra_lines;
                self.error(message);
                return false;
            }
        };
        let unescaped = unescape(&stripped, 0);
        super::error::fix_diagnostic_lines(line);
        match unescaped {
            Ok(value) => {
                self.pos = i;
                self.push(Tok::EncapsedAndWhitespace(value), start, line);
            }
            Err(message) => {
                self.error(message);
                return false;
            }
        }
        true
    }

    /// Inside `"$a[...]"`: one offset token, then `]` returns to the string.
    fn lex_var_offset(&mut self) -> bool {
        let start = self.pos;
        let line = self.line;
        let b = self.at(0);
        if !self.has(0) {
            return self.finish();
        }
        if b.is_ascii_digit() {
            // `[0]|[1-9][0-9]*` or a hex/binary/octal literal, kept as written.
            let mut i = self.pos + 1;
            let radix_digit: Option<fn(u8) -> bool> = match (b, self.at(1) | 0x20) {
                (b'0', b'x') => Some(|c: u8| c.is_ascii_hexdigit()),
                (b'0', b'b') => Some(|c: u8| c == b'0' || c == b'1'),
                (b'0', b'o') => Some(|c: u8| (b'0'..=b'7').contains(&c)),
                _ => None,
            };
            match radix_digit {
                Some(ok) if self.has(2) && ok(self.at(2)) => {
                    i += 1;
                    while i < self.src.len() && (ok(self.src[i]) || self.src[i] == b'_') {
                        i += 1;
                    }
                }
                _ => {
                    while i < self.src.len()
                        && (self.src[i].is_ascii_digit() || self.src[i] == b'_')
                    {
                        i += 1;
                    }
                }
            }
            self.pos = i;
            self.push(Tok::NumString(self.src[start..i].to_vec()), start, line);
        } else if b == b'$' && is_label_start(self.at(1)) {
            self.pos += 1;
            let name = self.take_label();
            self.push(Tok::Variable(name), start, line);
        } else if is_label_start(b) {
            let name = self.take_label();
            self.push(Tok::Ident(name), start, line);
        } else if b == b']' {
            self.pos += 1;
            self.modes.pop();
            self.push(Tok::Op(Op::RBracket), start, line);
        } else if b == b'[' {
            self.pos += 1;
            self.push(Tok::Op(Op::LBracket), start, line);
        } else if matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\\' | b'\'' | b'#') {
            // PHP returns an empty string-content token here, which no rule accepts.
            self.push(Tok::EncapsedAndWhitespace(Vec::new()), start, line);
            self.halt_countdown = Some(0);
        } else {
            self.pos += 1;
            let kind = match b {
                b'-' => Tok::Op(Op::Minus),
                _ => Tok::BadChar(b),
            };
            self.push(kind, start, line);
        }
        true
    }

    /// Inside `"$a->b"`: the arrow and the property name.
    fn lex_property(&mut self) -> bool {
        let start = self.pos;
        let line = self.line;
        if self.at(0) == b'-' {
            self.pos += 2;
            self.push(Tok::Op(Op::Arrow), start, line);
        } else if self.at(0) == b'?' {
            self.pos += 3;
            self.push(Tok::Op(Op::NullsafeArrow), start, line);
        } else {
            let name = self.take_label();
            self.modes.pop();
            self.push(Tok::Ident(name), start, line);
        }
        true
    }

    /// After `${`: a plain name followed by `[` or `}` is a variable name, anything else is
    /// an expression.
    fn lex_varname(&mut self) {
        let mut i = self.pos;
        if is_label_start(self.at(0)) {
            while i < self.src.len() && is_label_char(self.src[i]) {
                i += 1;
            }
            if matches!(self.src.get(i), Some(b'[' | b'}')) {
                let start = self.pos;
                let line = self.line;
                self.pos = i;
                self.set_mode(Mode::Scripting);
                self.push(Tok::StringVarname(self.src[start..i].to_vec()), start, line);
                return;
            }
        }
        self.set_mode(Mode::Scripting);
    }
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The value of hex/octal/binary digits; too large for `i64` becomes a float, as in PHP.
fn radix_value(digits: &[u8], radix: u32) -> Tok {
    let mut value: i64 = 0;
    let mut overflow = false;
    for &d in digits {
        let digit = (d as char).to_digit(radix).unwrap_or(0) as i64;
        match value
            .checked_mul(radix as i64)
            .and_then(|v| v.checked_add(digit))
        {
            Some(v) => value = v,
            None => {
                overflow = true;
                break;
            }
        }
    }
    if !overflow {
        return Tok::Int(value);
    }
    // PHP's zend_oct_strtod and zend_bin_strtod evaluate `value * radix + c - '0'` left to
    // right in doubles, so the intermediate sums round differently from an exact
    // conversion; zend_hex_strtod adds the digit value. Literals must match PHP's value.
    let mut float = 0.0f64;
    for &d in digits {
        if radix == 16 {
            float = float * 16.0 + f64::from((d as char).to_digit(16).unwrap_or(0));
        } else {
            float = float * f64::from(radix) + f64::from(d);
            float -= 48.0;
        }
    }
    Tok::Float(float)
}

/// Removes heredoc indentation from one literal chunk, as `strip_multiline_string_indentation`
/// does: the first line is stripped only if the chunk starts a line; lines made only of
/// less whitespace are allowed. On error, returns the message and how many lines into the
/// chunk the bad line is.
fn strip_indent(
    raw: &[u8],
    indent: usize,
    spaces: bool,
    newline_at_start: bool,
    newline_at_end: bool,
) -> Result<Vec<u8>, (String, u32)> {
    if indent == 0 {
        return Ok(raw.to_vec());
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut lines = raw.split_inclusive(|&b| b == b'\n').peekable();
    let mut newline_count = 0u32;
    if !newline_at_start {
        match lines.next() {
            Some(first) => {
                out.extend_from_slice(first);
                newline_count += 1;
            }
            None => return Ok(out),
        }
    }
    while let Some(line) = lines.next() {
        let is_last = lines.peek().is_none();
        let ends_with_newline = line.last() == Some(&b'\n');
        // The last partial line before an interpolation is not a full line: PHP only
        // strips it when the chunk reaches the end of the body.
        // A partial line cut short by an interpolation must carry the full indentation;
        // only complete lines may be shorter (whitespace-only lines).
        let partial = is_last && !ends_with_newline && !newline_at_end;
        let content_end = if ends_with_newline {
            let mut e = line.len() - 1;
            if e > 0 && line[e - 1] == b'\r' {
                e -= 1;
            }
            e
        } else {
            line.len()
        };
        let mut skip = 0;
        while skip < indent {
            if skip == content_end && !partial {
                break;
            }
            let Some(&b) = line.get(skip) else {
                return Err((
                    format!(
                        "Invalid body indentation level (expecting an indentation level of at least {indent})"
                    ),
                    newline_count,
                ));
            };
            if b != b' ' && b != b'\t' {
                return Err((
                    format!(
                        "Invalid body indentation level (expecting an indentation level of at least {indent})"
                    ),
                    newline_count,
                ));
            }
            if (b == b' ') != spaces {
                return Err((
                    "Invalid indentation - tabs and spaces cannot be mixed".to_string(),
                    newline_count,
                ));
            }
            skip += 1;
        }
        out.extend_from_slice(&line[skip..]);
        newline_count += 1;
    }
    Ok(out)
}

/// Processes escapes of a double-quoted string (`quote` = `"`), backtick string (`` ` ``) or
/// heredoc (`0`). Unknown escapes are kept with their backslash.
///
/// # Errors
/// PHP's parse errors for a malformed `\u{...}`.
pub fn unescape(raw: &[u8], quote: u8) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' || i + 1 >= raw.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let e = raw[i + 1];
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'v' => out.push(0x0b),
            b'e' => out.push(0x1b),
            b'f' => out.push(0x0c),
            b'\\' => out.push(b'\\'),
            b'$' => out.push(b'$'),
            b'"' | b'`' if e == quote => out.push(e),
            b'0'..=b'7' => {
                let mut value = (e - b'0') as u32;
                let mut n = 1;
                while n < 3 && i < raw.len() && (b'0'..=b'7').contains(&raw[i]) {
                    value = value * 8 + (raw[i] - b'0') as u32;
                    i += 1;
                    n += 1;
                }
                // PHP warns "Octal escape sequence overflow" above \377 and keeps the low byte.
                if value > 0o377 {
                    let digits = String::from_utf8_lossy(&raw[i - n..i]).into_owned();
                    super::error::push_diagnostic(
                        super::error::ErrorLevel::CompileWarning,
                        format!("Octal escape sequence overflow \\{digits} is greater than \\377"),
                        0,
                    );
                }
                out.push(value as u8);
            }
            b'x' if i < raw.len() && raw[i].is_ascii_hexdigit() => {
                let mut value = (raw[i] as char).to_digit(16).unwrap_or(0);
                i += 1;
                if i < raw.len() && raw[i].is_ascii_hexdigit() {
                    value = value * 16 + (raw[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                }
                out.push(value as u8);
            }
            b'u' if raw.get(i) == Some(&b'{') => {
                let digits_start = i + 1;
                let mut j = digits_start;
                while j < raw.len() && raw[j].is_ascii_hexdigit() {
                    j += 1;
                }
                if j == digits_start || raw.get(j) != Some(&b'}') {
                    return Err("Invalid UTF-8 codepoint escape sequence".to_string());
                }
                let mut hex = &raw[digits_start..j];
                // Leading zeros are allowed (`\u{0000001F602}`).
                while hex.len() > 1 && hex[0] == b'0' {
                    hex = &hex[1..];
                }
                let code = if hex.len() > 8 {
                    u32::MAX
                } else {
                    u32::from_str_radix(std::str::from_utf8(hex).unwrap_or("0"), 16)
                        .unwrap_or(u32::MAX)
                };
                if code > 0x10FFFF {
                    return Err(
                        "Invalid UTF-8 codepoint escape sequence: Codepoint too large".to_string(),
                    );
                }
                push_utf8(&mut out, code);
                i = j + 1;
            }
            _ => {
                out.push(b'\\');
                out.push(e);
            }
        }
    }
    Ok(out)
}

/// Encodes a code point as UTF-8 the way PHP does, surrogates included.
fn push_utf8(out: &mut Vec<u8>, code: u32) {
    if code < 0x80 {
        out.push(code as u8);
    } else if code < 0x800 {
        out.push(0xC0 | (code >> 6) as u8);
        out.push(0x80 | (code & 0x3F) as u8);
    } else if code < 0x10000 {
        out.push(0xE0 | (code >> 12) as u8);
        out.push(0x80 | ((code >> 6) & 0x3F) as u8);
        out.push(0x80 | (code & 0x3F) as u8);
    } else {
        out.push(0xF0 | (code >> 18) as u8);
        out.push(0x80 | ((code >> 12) & 0x3F) as u8);
        out.push(0x80 | ((code >> 6) & 0x3F) as u8);
        out.push(0x80 | (code & 0x3F) as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PHP's token names (as `token_name()` prints them), or the character for
    /// single-character tokens, so streams can be compared with `token_get_all`.
    fn php_name(tok: &Tok) -> String {
        let name = match tok {
            Tok::InlineHtml(_) => "T_INLINE_HTML",
            Tok::Variable(_) => "T_VARIABLE",
            Tok::Ident(_) => "T_STRING",
            Tok::NameQualified(_) => "T_NAME_QUALIFIED",
            Tok::NameFullyQualified(_) => "T_NAME_FULLY_QUALIFIED",
            Tok::NameRelative(_) => "T_NAME_RELATIVE",
            Tok::Int(_) => "T_LNUMBER",
            Tok::Float(_) => "T_DNUMBER",
            Tok::ConstString(_) => "T_CONSTANT_ENCAPSED_STRING",
            Tok::EncapsedAndWhitespace(_) => "T_ENCAPSED_AND_WHITESPACE",
            Tok::StringVarname(_) => "T_STRING_VARNAME",
            Tok::NumString(_) => "T_NUM_STRING",
            Tok::DoubleQuote => "\"",
            Tok::Backtick => "`",
            Tok::StartHeredoc => "T_START_HEREDOC",
            Tok::EndHeredoc => "T_END_HEREDOC",
            Tok::DollarOpenCurly => "T_DOLLAR_OPEN_CURLY_BRACES",
            Tok::CurlyOpen => "T_CURLY_OPEN",
            Tok::Error(m) => return format!("ERROR({m})"),
            Tok::BadChar(_) => "T_BAD_CHARACTER",
            Tok::Eof => "EOF",
            Tok::Kw(Kw::IntCast) => "T_INT_CAST",
            Tok::Kw(Kw::StringCast) => "T_STRING_CAST",
            Tok::Kw(Kw::YieldFrom) => "T_YIELD_FROM",
            Tok::Kw(Kw::Enum) => "T_ENUM",
            Tok::Kw(Kw::Class) => "T_CLASS",
            Tok::Kw(kw) => return format!("T_{}", kw.text().to_uppercase()),
            Tok::Op(Op::Arrow) => "T_OBJECT_OPERATOR",
            Tok::Op(Op::NullsafeArrow) => "T_NULLSAFE_OBJECT_OPERATOR",
            Tok::Op(Op::DoubleColon) => "T_DOUBLE_COLON",
            Tok::Op(Op::Attribute) => "T_ATTRIBUTE",
            Tok::Op(op) => op.text(),
        };
        name.to_string()
    }

    fn stream(src: &str) -> String {
        tokenize(src.as_bytes())
            .iter()
            .map(|t| php_name(&t.kind))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn token_streams_match_php() {
        // Expected streams from `php tok.php` (token_get_all without whitespace, comments and
        // the open tag), plus EOF; `?>` is `;` in parser mode.
        for (src, expected) in [
            ("<?php $a = (int) $b . ( string )$c . ($d);", "T_VARIABLE = T_INT_CAST T_VARIABLE . T_STRING_CAST T_VARIABLE . ( T_VARIABLE ) ; EOF"),
            ("<?php \"a $b[1] {$c->d} ${e}\" ?>", "\" T_ENCAPSED_AND_WHITESPACE T_VARIABLE [ T_NUM_STRING ] T_ENCAPSED_AND_WHITESPACE T_CURLY_OPEN T_VARIABLE T_OBJECT_OPERATOR T_STRING } T_ENCAPSED_AND_WHITESPACE T_DOLLAR_OPEN_CURLY_BRACES T_STRING_VARNAME } \" ; EOF"),
            // PHP also emits an empty T_ENCAPSED_AND_WHITESPACE before T_END_HEREDOC here.
            ("<?php <<<EOT\n  x $y\n  EOT;\n", "T_START_HEREDOC T_ENCAPSED_AND_WHITESPACE T_VARIABLE T_END_HEREDOC ; EOF"),
            ("<?php 0x1F 1_0 1.5e3 017 0b1 .5 1..2;", "T_LNUMBER T_LNUMBER T_DNUMBER T_LNUMBER T_LNUMBER T_DNUMBER T_DNUMBER T_DNUMBER ; EOF"),
            ("<?php $a?->b; #[A] # c\nyield from $x; enum Foo {}", "T_VARIABLE T_NULLSAFE_OBJECT_OPERATOR T_STRING ; T_ATTRIBUTE T_STRING ] T_YIELD_FROM T_VARIABLE ; T_ENUM T_STRING { } EOF"),
            ("<?php $o->class; A::class; namespace\\F; \\A\\B; A\\B;", "T_VARIABLE T_OBJECT_OPERATOR T_STRING ; T_STRING T_DOUBLE_COLON T_CLASS ; T_NAME_RELATIVE ; T_NAME_FULLY_QUALIFIED ; T_NAME_QUALIFIED ; EOF"),
            ("a<?= 1 ?>\nb", "T_INLINE_HTML T_ECHO T_LNUMBER ; T_INLINE_HTML EOF"),
            ("<?php (real)", "ERROR(The (real) cast has been removed, use (float) instead)"),
            ("<?php (unset) $a; (int2)", "T_(UNSET) T_VARIABLE ; ( T_STRING ) EOF"),
        ] {
            assert_eq!(stream(src), expected, "source: {src:?}");
        }
    }

    #[test]
    fn values_and_lines() {
        let toks = tokenize(b"<?php\n'a\nb' \"x\\ty\" 0x10\n$v");
        let kinds: Vec<(Tok, u32, u32)> = toks
            .into_iter()
            .map(|t| (t.kind, t.line, t.end_line))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Tok::ConstString(b"a\nb".to_vec()), 2, 3),
                (Tok::ConstString(b"x\ty".to_vec()), 3, 3),
                (Tok::Int(16), 3, 3),
                (Tok::Variable(b"v".to_vec()), 4, 4),
                (Tok::Eof, 4, 4),
            ]
        );
    }

    #[test]
    fn escapes() {
        // php -n -r 'var_dump("\400", "\u{1F600}", "\x4", "\xg", "\8", "\u");'
        for (raw, expected) in [
            (&b"\\400"[..], &b"\x00"[..]),
            (b"\\u{1F600}", "\u{1F600}".as_bytes()),
            (b"\\x4", b"\x04"),
            (b"\\xg", b"\\xg"),
            (b"\\8", b"\\8"),
            (b"\\u", b"\\u"),
            (b"\\u{D800}", b"\xED\xA0\x80"),
        ] {
            assert_eq!(
                unescape(raw, b'"').as_deref(),
                Ok(expected),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
        assert!(unescape(b"\\u{", b'"').is_err());
        assert!(unescape(b"\\u{}", b'"').is_err());
    }
}
