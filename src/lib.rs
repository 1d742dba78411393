//! rhvm: a PHP 8.2 runtime server in Rust, in the line of HHVM.
//!
//! # Layout
//!
//! - `vm`: the PHP engine (lexer, parser, compiler, bytecode, interpreter, values,
//!   builtins). Knows nothing of servers.
//! - `cli`: the `rhvm` command line (php-cli compatible `run`, and `serve`).
//! - `fcgi`: the pure FastCGI codec (records, params, server and client sides). Knows
//!   nothing of sockets, actors or the engine.
//! - `server`: `rhvm serve`'s command line, configuration (php.ini syntax) and logging.
//! - `actors`: the server itself on actix: listeners, connections, executor pool, dev HTTP.
//!
//! - `repo`: the translation cache (compiled units in SQLite), behind the engine's
//!   `UnitStore` trait.
//! - `lightproc`: light processes, helpers forked at start-up that start children for the
//!   engine so the threaded server never forks (`vm::process::Spawner` over a pool).
//!
//! - `record`: request recordings (format, capture tee, comparison) and `rhvm replay`.
//! - `alloc`: the global allocator (mimalloc, installed by `main.rs`), counting each thread's bytes for the
//!   engine's `memory_limit`.
//! - `rcbytes`: the one-block reference-counted byte buffer behind `vm::value::PhpStr`.
//! - `fuzzing`: the fuzz targets' entry functions (FastCGI, parser, unserialize,
//!   json_decode), shared by `fuzz/` (cargo fuzz) and `tests/fuzz.rs`.
//!
//! - `jit`: the machine-code tier (Cranelift): hot loops compiled, installed on engines
//!   through `vm::jit_hook`.

pub mod actors;
pub mod alloc;
pub mod cli;
pub mod fcgi;
pub mod fuzzing;
pub mod jit;
pub mod lightproc;
pub mod pcre_ffi;
pub mod rcbytes;
pub mod record;
pub mod repo;
pub mod server;
pub mod vm;
