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

pub mod apc;
pub mod array;
pub mod ast;
pub mod builtins;
pub mod bytecode;
pub mod coerce;
pub mod compiler;
pub mod convert;
pub mod disasm;
pub mod error;
pub mod host;
pub mod interp;
pub mod jit_hook;
pub mod lexer;
pub mod limits;
pub mod object;
pub mod ops;
pub mod parser;
pub mod process;
pub mod props;
pub mod stats;
pub mod token;
pub mod unit_codec;
pub mod value;
pub mod web;

use std::rc::Rc;

/// Parses and compiles one file's source into a unit (`path` is what `__FILE__` reports).
///
/// # Errors
///
/// A parse error or a compile-time fatal error, with PHP's message and line.
pub fn compile_source(src: &[u8], path: &[u8]) -> Result<Rc<bytecode::Unit>, interp::LoadError> {
    let program = parser::parse(src).map_err(|e| {
        if e.fatal {
            interp::LoadError::Compile {
                message: e.message,
                line: e.line,
            }
        } else {
            interp::LoadError::Parse {
                message: e.message,
                line: e.line,
            }
        }
    })?;
    let unit = compiler::compile(&program, path).map_err(|e| interp::LoadError::Compile {
        message: e.message,
        line: e.line,
    })?;
    stats::count_unit(
        unit.functions.len() + unit.classes.iter().map(|c| c.methods.len()).sum::<usize>(),
    );
    Ok(Rc::new(unit))
}
