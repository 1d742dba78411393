//! rhvm: a PHP 8.2 runtime server in Rust, in the line of HHVM.
//!
//! # Layout
//!
//! - `vm`: the PHP engine (lexer, parser, compiler, bytecode, interpreter, values,
//!   builtins). Knows nothing of servers.
//! - `cli`: the `rhvm` command line (php-cli compatible `run`).
//! - `fcgi`: the pure FastCGI codec (records, params, server and client sides). Knows
//!   nothing of sockets, actors or the engine.
//!
//! - `lightproc`: light processes, helpers forked at start-up that start children for the
//!   engine so the threaded server never forks (`vm::process::Spawner` over a pool).
//!
//! `actors` (server), `jit` (Cranelift) arrive with their issues.

pub mod cli;
pub mod fcgi;
pub mod lightproc;
pub mod pcre_ffi;
pub mod vm;
