//! Tokens produced by the lexer and consumed by the parser.
//!
//! The token set mirrors PHP 8.2's own lexer (`zend_language_scanner.l`) closely enough that
//! parse errors can name the offending token exactly as PHP does (`unexpected token "}"`,
//! `unexpected variable "$x"`, ...). It is not a general-purpose PHP token API: whitespace and
//! comments are dropped, `?>` arrives as `;` and `<?=` as `echo`, as in PHP's parser mode.

/// One token with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: Tok,
    /// The 1-based line the token starts on (what the AST records).
    pub line: u32,
    /// The line the token ends on: PHP reports a parse error at the line where the lexer
    /// stands after reading the unexpected token, which differs for multi-line tokens.
    pub end_line: u32,
    /// Byte range in the source, used to quote the token text in error messages.
    pub start: u32,
    pub end: u32,
}

/// Token kinds. Literal-carrying variants hold already-decoded values (escapes processed,
/// numbers converted); the raw text stays available through the token's byte range.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// Text outside PHP tags.
    InlineHtml(Vec<u8>),
    /// `$name` (the name without `$`).
    Variable(Vec<u8>),
    /// A plain identifier (PHP's `T_STRING`), including `true`, `self`, `int`, ...
    Ident(Vec<u8>),
    /// `A\B` (`T_NAME_QUALIFIED`).
    NameQualified(Vec<u8>),
    /// `\A\B`, stored without the leading backslash (`T_NAME_FULLY_QUALIFIED`).
    NameFullyQualified(Vec<u8>),
    /// `namespace\A`, stored without the `namespace\` prefix (`T_NAME_RELATIVE`).
    NameRelative(Vec<u8>),
    /// An integer literal that fits in `i64`.
    Int(i64),
    /// A float literal, or an integer literal too large for `i64`.
    Float(f64),
    /// A string literal without interpolation (`T_CONSTANT_ENCAPSED_STRING`).
    ConstString(Vec<u8>),
    /// Literal text inside an interpolated string or heredoc (`T_ENCAPSED_AND_WHITESPACE`).
    EncapsedAndWhitespace(Vec<u8>),
    /// `name` in `"${name}"` / `"${name[...]}"` (`T_STRING_VARNAME`).
    StringVarname(Vec<u8>),
    /// A numeric offset in `"$a[12]"` (`T_NUM_STRING`), as written.
    NumString(Vec<u8>),
    /// A `"` opening or closing an interpolated string.
    DoubleQuote,
    /// A backtick opening or closing a shell command.
    Backtick,
    /// `<<<EOT` (or `<<<"EOT"`) opening an interpolated heredoc.
    StartHeredoc,
    /// The closing heredoc marker.
    EndHeredoc,
    /// `${` inside an interpolated string.
    DollarOpenCurly,
    /// `{` directly followed by `$` inside an interpolated string.
    CurlyOpen,
    /// A lexer error (bad bracket nesting, bad escape, ...): the parser reports it when it
    /// reaches this token, which keeps PHP's error ordering (earlier syntax errors win).
    Error(String),
    /// A byte that starts no token (`T_BAD_CHARACTER`).
    BadChar(u8),
    Eof,
    /// A keyword.
    Kw(Kw),
    /// An operator or punctuation.
    Op(Op),
}

macro_rules! keywords {
    ($($variant:ident = $text:literal,)*) => {
        /// Reserved words (case-insensitive in source).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kw { $($variant,)* }

        impl Kw {
            /// The keyword's lowercase spelling, which is also how PHP names it in errors.
            pub fn text(self) -> &'static str {
                match self { $(Kw::$variant => $text,)* }
            }

            /// Looks up a lowercase word.
            pub fn from_lower(word: &[u8]) -> Option<Kw> {
                match word { $(w if w == $text.as_bytes() => Some(Kw::$variant),)* _ => None }
            }
        }
    };
}

keywords! {
    Abstract = "abstract", And = "and", Array = "array", As = "as", Break = "break",
    Callable = "callable", Case = "case", Catch = "catch", Class = "class", Clone = "clone",
    Const = "const", Continue = "continue", Declare = "declare", Default = "default",
    Do = "do", Echo = "echo", Else = "else", Elseif = "elseif", Empty = "empty",
    Enddeclare = "enddeclare", Endfor = "endfor", Endforeach = "endforeach", Endif = "endif",
    Endswitch = "endswitch", Endwhile = "endwhile", Enum = "enum", Eval = "eval",
    Exit = "exit", Extends = "extends", Final = "final", Finally = "finally", Fn = "fn",
    For = "for", Foreach = "foreach", Function = "function", Global = "global", Goto = "goto",
    If = "if", Implements = "implements", Include = "include", IncludeOnce = "include_once",
    Instanceof = "instanceof", Insteadof = "insteadof", Interface = "interface",
    Isset = "isset", List = "list", Match = "match", Namespace = "namespace", New = "new",
    Or = "or", Print = "print", Private = "private", Protected = "protected",
    Public = "public", Readonly = "readonly", Require = "require",
    RequireOnce = "require_once", Return = "return", Static = "static", Switch = "switch",
    Throw = "throw", Trait = "trait", Try = "try", Unset = "unset", Use = "use", Var = "var",
    While = "while", Xor = "xor", Yield = "yield", YieldFrom = "yield from",
    HaltCompiler = "__halt_compiler", LineC = "__LINE__", FileC = "__FILE__",
    DirC = "__DIR__", ClassC = "__CLASS__", TraitC = "__TRAIT__", MethodC = "__METHOD__",
    FunctionC = "__FUNCTION__", NamespaceC = "__NAMESPACE__",
    // Casts: PHP names them by their canonical spelling in errors.
    IntCast = "(int)", FloatCast = "(double)", StringCast = "(string)",
    ArrayCast = "(array)", ObjectCast = "(object)", BoolCast = "(bool)",
    UnsetCast = "(unset)",
}

impl Kw {
    /// Looks up a word in any case (`die` is `exit`, magic constants are case-insensitive).
    pub fn lookup(word: &[u8]) -> Option<Kw> {
        if word.len() > 15 || word.is_empty() {
            return None;
        }
        let lower = word.to_ascii_lowercase();
        match lower.as_slice() {
            b"die" => return Some(Kw::Exit),
            b"__line__" => return Some(Kw::LineC),
            b"__file__" => return Some(Kw::FileC),
            b"__dir__" => return Some(Kw::DirC),
            b"__class__" => return Some(Kw::ClassC),
            b"__trait__" => return Some(Kw::TraitC),
            b"__method__" => return Some(Kw::MethodC),
            b"__function__" => return Some(Kw::FunctionC),
            b"__namespace__" => return Some(Kw::NamespaceC),
            b"enum" | b"yield from" => return None,
            _ => {}
        }
        if lower.starts_with(b"(") {
            return None;
        }
        Kw::from_lower(&lower)
    }
}

macro_rules! operators {
    ($($variant:ident = $text:literal,)*) => {
        /// Operators and punctuation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Op { $($variant,)* }

        impl Op {
            /// The operator as written, which is how PHP names it in errors.
            pub fn text(self) -> &'static str {
                match self { $(Op::$variant => $text,)* }
            }
        }
    };
}

operators! {
    Semi = ";", Comma = ",", LParen = "(", RParen = ")", LBracket = "[", RBracket = "]",
    LBrace = "{", RBrace = "}", Dollar = "$", Question = "?", Colon = ":",
    DoubleColon = "::", Arrow = "->", NullsafeArrow = "?->", DoubleArrow = "=>",
    Ellipsis = "...", Backslash = "\\", Attribute = "#[",
    Assign = "=", PlusEq = "+=", MinusEq = "-=", MulEq = "*=", DivEq = "/=",
    ConcatEq = ".=", ModEq = "%=", PowEq = "**=", AndEq = "&=", OrEq = "|=", XorEq = "^=",
    ShlEq = "<<=", ShrEq = ">>=", CoalesceEq = "??=",
    Coalesce = "??", BoolOr = "||", BoolAnd = "&&", Pipe = "|", Caret = "^", Amp = "&",
    EqEq = "==", NotEq = "!=", Identical = "===", NotIdentical = "!==", Spaceship = "<=>",
    Lt = "<", Le = "<=", Gt = ">", Ge = ">=", Dot = ".", Shl = "<<", Shr = ">>",
    Plus = "+", Minus = "-", Star = "*", Slash = "/", Percent = "%", Bang = "!",
    Tilde = "~", Pow = "**", At = "@", Inc = "++", Dec = "--",
}

impl Tok {
    /// PHP's description of the token kind in `unexpected ...` messages, when it does not
    /// depend on the token text: `token "X"` for fixed tokens. `None` means "kind + text".
    pub fn fixed_desc(&self) -> Option<String> {
        match self {
            Tok::Kw(kw) => Some(format!("token \"{}\"", kw.text())),
            Tok::Op(op) => Some(format!("token \"{}\"", op.text())),
            Tok::DoubleQuote => Some("double-quote mark".to_string()),
            Tok::Backtick => Some("token \"`\"".to_string()),
            Tok::DollarOpenCurly => Some("token \"${\"".to_string()),
            Tok::CurlyOpen => Some("token \"{$\"".to_string()),
            Tok::Eof => Some("end of file".to_string()),
            _ => None,
        }
    }

    /// PHP's kind name for text-carrying tokens (`identifier`, `variable`, ...).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Tok::InlineHtml(_) => "inline html",
            Tok::Variable(_) => "variable",
            Tok::Ident(_) => "identifier",
            Tok::NameQualified(_) => "namespaced name",
            Tok::NameFullyQualified(_) => "fully qualified name",
            Tok::NameRelative(_) => "namespace-relative name",
            Tok::Int(_) => "integer",
            Tok::Float(_) => "floating-point number",
            Tok::ConstString(_) => "quoted string",
            Tok::EncapsedAndWhitespace(_) => "string content",
            Tok::StringVarname(_) => "variable name",
            Tok::NumString(_) => "number",
            Tok::StartHeredoc => "heredoc start",
            Tok::EndHeredoc => "heredoc end",
            Tok::BadChar(_) => "invalid character",
            _ => "token",
        }
    }

    /// Whether this is the given operator.
    pub fn is_op(&self, op: Op) -> bool {
        matches!(self, Tok::Op(o) if *o == op)
    }

    /// Whether this is the given keyword.
    pub fn is_kw(&self, kw: Kw) -> bool {
        matches!(self, Tok::Kw(k) if *k == kw)
    }
}

/// Formats the "unexpected X" part of a PHP syntax error for `tok`, whose source text is
/// `text`, following `zend_yytnamerr`: the text is cut at the first newline, one layer of
/// quotes is stripped, and anything longer than 33 bytes is cut to 30 plus `...`.
pub fn describe(tok: &Tok, text: &[u8]) -> String {
    if let Some(fixed) = tok.fixed_desc() {
        return fixed;
    }
    if let Tok::BadChar(byte) = tok {
        return format!("character 0x{byte:02X}");
    }
    let mut content = text;
    if let Some(nl) = content.iter().position(|&b| b == b'\n') {
        content = &content[..nl];
    }
    let mut kind = tok.kind_name();
    if matches!(tok, Tok::ConstString(_)) && !content.is_empty() {
        if content[0] == b'"' {
            kind = "double-quoted string";
        } else if content[0] == b'\'' {
            kind = "single-quoted string";
        }
    }
    if let Some(first) = content.first() {
        if *first == b'\'' || *first == b'"' {
            content = &content[1..];
        }
    }
    if let Some(last) = content.last() {
        if *last == b'\'' || *last == b'"' {
            content = &content[..content.len() - 1];
        }
    }
    if content.len() > 33 {
        format!("{kind} \"{}...\"", String::from_utf8_lossy(&content[..30]))
    } else {
        format!("{kind} \"{}\"", String::from_utf8_lossy(content))
    }
}
