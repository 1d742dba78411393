//! The PHP engine: source text in, program output out.
//!
//! Pipeline: `lexer` (bytes -> tokens) -> `parser` (tokens -> `ast`) -> `compiler`
//! (AST -> `bytecode`) -> `interp` (runs bytecode over `value`s, calling `builtins`).
//! Values: `value` (the `Value` enum and `PhpStr`), `array` (ordered hash), `object`
//! (objects and classes), `convert` (casts, numeric strings, float printing), `ops`
//! (operators and comparison), `coerce` (type declarations and argument coercion).
//! Builtins reach the engine only through the `host::Host` trait.
//!
//! This module knows nothing of FastCGI, sockets, actors, SQLite or Cranelift.

// A VM that runs untrusted PHP has no business containing unsafe code.
#![forbid(unsafe_code)]

pub mod array;
pub mod ast;
pub mod builtins;
pub mod bytecode;
pub mod coerce;
pub mod convert;
pub mod error;
pub mod host;
pub mod interp;
pub mod lexer;
pub mod object;
pub mod ops;
pub mod parser;
pub mod token;
pub mod value;
