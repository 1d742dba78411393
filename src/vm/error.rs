//! Engine errors: parse errors, PHP diagnostics levels, and `Fault`, the non-local exits
//! (exceptions, fatal errors, `exit`) that unwind through the interpreter and builtins.
//!
//! Three kinds of failure are kept apart (STYLE.md §4): a PHP-visible throwable
//! (`Fault::Throw`, or `Fault::Error` which the interpreter turns into one at the current
//! position), an engine fault that PHP code cannot catch (`Fault::Fatal`, limits), and
//! internal bugs (Rust panics, contained at the executor boundary).

use super::value::Value;

/// A PHP parse error: PHP prints it as `Parse error: {message} in {file} on line {line}`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message} on line {line}")]
pub struct ParseError {
    /// The message exactly as PHP words it, e.g. `syntax error, unexpected token "}"`.
    pub message: String,
    pub line: u32,
    /// PHP reports this as a compile-time `Fatal error` rather than a `Parse error`
    /// (e.g. "The (unset) cast is no longer supported").
    pub fatal: bool,
}

/// A compile-time error that PHP reports as a fatal error, e.g.
/// `Cannot re-assign $this` or `Cannot use [] for reading`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message} on line {line}")]
pub struct CompileError {
    pub message: String,
    pub line: u32,
}

/// A compile-time diagnostic that does not stop compilation (PHP prints these before
/// running the file), e.g. `Deprecated: Using ${var} in strings is deprecated, ...`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub level: ErrorLevel,
    pub message: String,
    pub line: u32,
}

thread_local! {
    static PENDING_DIAGNOSTICS: std::cell::RefCell<Vec<Diagnostic>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Records a compile-time diagnostic from the lexer, parser or compiler (collected per
/// thread and taken by `take_diagnostics` when a file is done). A `line` of 0 means "the
/// line of the token being scanned", filled in by `fix_diagnostic_lines`.
pub fn push_diagnostic(level: ErrorLevel, message: String, line: u32) {
    PENDING_DIAGNOSTICS.with(|d| {
        d.borrow_mut().push(Diagnostic {
            level,
            message,
            line,
        })
    });
}

/// Gives diagnostics recorded without a line (`line` 0) the line `line`.
pub fn fix_diagnostic_lines(line: u32) {
    PENDING_DIAGNOSTICS.with(|d| {
        for diag in d.borrow_mut().iter_mut().filter(|x| x.line == 0) {
            diag.line = line;
        }
    });
}

/// Takes every diagnostic recorded since the last call.
pub fn take_diagnostics() -> Vec<Diagnostic> {
    PENDING_DIAGNOSTICS.with(|d| std::mem::take(&mut *d.borrow_mut()))
}

/// PHP's error levels (`E_*` constants), with their numeric values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[repr(i64)]
pub enum ErrorLevel {
    Error = 1,
    Warning = 2,
    Parse = 4,
    Notice = 8,
    CoreError = 16,
    CoreWarning = 32,
    CompileError = 64,
    CompileWarning = 128,
    UserError = 256,
    UserWarning = 512,
    UserNotice = 1024,
    Strict = 2048,
    RecoverableError = 4096,
    Deprecated = 8192,
    UserDeprecated = 16384,
}

impl ErrorLevel {
    /// The label PHP prints before the message: `Warning`, `Notice`, `Deprecated`,
    /// `Fatal error`, ...
    pub fn label(self) -> &'static str {
        match self {
            ErrorLevel::Error | ErrorLevel::CoreError | ErrorLevel::CompileError => "Fatal error",
            ErrorLevel::UserError => "Fatal error",
            ErrorLevel::RecoverableError => "Recoverable fatal error",
            ErrorLevel::Warning
            | ErrorLevel::CoreWarning
            | ErrorLevel::CompileWarning
            | ErrorLevel::UserWarning => "Warning",
            ErrorLevel::Parse => "Parse error",
            ErrorLevel::Notice | ErrorLevel::UserNotice => "Notice",
            ErrorLevel::Strict => "Strict Standards",
            ErrorLevel::Deprecated | ErrorLevel::UserDeprecated => "Deprecated",
        }
    }

    /// The numeric `E_*` value.
    pub fn bits(self) -> i64 {
        self as i64
    }
}

/// A non-local exit from running PHP code.
///
/// Kept two words wide (the error details are boxed) so that `PhpResult<Value>`, returned
/// by almost every engine function, stays small enough to travel in registers.
#[derive(Debug, Clone)]
pub enum Fault {
    /// A PHP exception object in flight.
    Throw(Value),
    /// A built-in throwable to be created at the current position, e.g.
    /// `Fault::error("TypeError", "strlen(): Argument #1 ($string) must be of type string, array given")`.
    Error(Box<ErrorFault>),
    /// An uncatchable fatal error: printed as `PHP Fatal error:  {0}` and the script ends
    /// with status 255 (shutdown functions still run). Boxed to keep `Fault` small.
    Fatal(Box<str>),
    /// `exit`/`die`: the script ends with this status (the message, if any, is already
    /// printed).
    Exit(i32),
}

/// The details of `Fault::Error`.
#[derive(Debug, Clone)]
pub struct ErrorFault {
    /// The exact class name (`TypeError`, `ValueError`, `ArgumentCountError`,
    /// `DivisionByZeroError`, `ArithmeticError`, `Error`, `JsonException`, ...).
    pub class: &'static str,
    pub message: String,
    pub code: i64,
}

impl Fault {
    /// An uncatchable fatal error with `message`.
    pub fn fatal(message: impl Into<String>) -> Fault {
        Fault::Fatal(message.into().into_boxed_str())
    }

    /// A built-in throwable of class `class` with `message` and code 0.
    pub fn error(class: &'static str, message: impl Into<String>) -> Fault {
        Fault::error_with_code(class, message, 0)
    }

    /// A built-in throwable of class `class` with `message` and `code`.
    pub fn error_with_code(class: &'static str, message: impl Into<String>, code: i64) -> Fault {
        Fault::Error(Box::new(ErrorFault {
            class,
            message: message.into(),
            code,
        }))
    }

    /// `TypeError` with `message`.
    pub fn type_error(message: impl Into<String>) -> Fault {
        Fault::error("TypeError", message)
    }

    /// `ValueError` with `message`.
    pub fn value_error(message: impl Into<String>) -> Fault {
        Fault::error("ValueError", message)
    }
}

/// Shorthand for results that may unwind with a `Fault`.
pub type PhpResult<T> = Result<T, Fault>;
