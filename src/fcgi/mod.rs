//! The FastCGI codec: bytes in, events out; responses in, bytes out. Pure: no sockets,
//! no threads, no actor framework, nothing of the PHP engine (`tests/tidy.rs` checks).
//!
//! The connection (`actors/connection.rs`) owns the socket. It feeds what it read into a `ServerConn`,
//! acts on the `Event`s (start the request, pass STDIN on, write `Event::Reply` bytes back
//! as they are), and frames the response with `encode_stdout`, `encode_stderr` and
//! `encode_end_request`. The client half (`encode_request`, `ClientConn`,
//! `parse_cgi_response`) serves tests, the `fcgi_load` example and request replay.
//!
//! # Layout
//!
//! - `record.rs`: the 8-byte header, `RecordType`, `ProtocolStatus`, `encode_record`,
//!   and `RecordReader`, the incremental framer both sides use.
//! - `pairs.rs`: name-value pairs (PARAMS, GET_VALUES), `encode_pairs`/`decode_pairs`.
//! - `server.rs`: `ServerConn`, `Event`, `Limits`, response encoders.
//! - `client.rs`: request encoders (`RequestStyle` mimics Apache/nginx framing),
//!   `ClientConn`, `Response`, `parse_cgi_response`.
//! - `error.rs`: `ProtocolError`.
//!
//! # A connection's life (server side)
//!
//! ```text
//! BEGIN_REQUEST(id, RESPONDER, flags)  PARAMS*  PARAMS("")   -> Event::Request
//! STDIN*                                                     -> Event::Stdin (each record)
//! STDIN("")                                                  -> Event::StdinEnd
//!        ... server writes STDOUT*, STDOUT(""), END_REQUEST, calls request_done() ...
//! KEEP_CONN set: the next BEGIN_REQUEST may follow; otherwise the server closes.
//! ```
//!
//! Management records (request id 0) are answered by the codec (`Event::Reply`), and so
//! are requests it refuses (other roles, a second concurrent request). Everything else
//! that breaks the protocol is a `ProtocolError`, after which the connection is closed.
//!
//! Invariants: no input can make the codec panic, and it buffers at most one record's
//! content (65535 bytes) plus the current request's params (`Limits::max_params_bytes`).
//! Decoding does not depend on how the input was split into `feed` calls.

#![forbid(unsafe_code)]

pub mod client;
pub mod error;
pub mod pairs;
pub mod record;
pub mod server;

#[cfg(test)]
mod tests;

pub use client::{
    encode_abort_request, encode_begin_request, encode_begin_request_role, encode_get_values,
    encode_request, encode_request_styled, parse_cgi_response, CgiResponse, ClientConn,
    ClientEvent, RequestStyle, Response,
};
pub use error::ProtocolError;
pub use pairs::{decode_pairs, encode_pairs};
pub use record::{
    encode_record, ProtocolStatus, RecordType, FCGI_VERSION_1, HEADER_LEN, MAX_CONTENT_LEN,
};
pub use server::{
    encode_end_request, encode_stderr, encode_stdout, encode_unknown_type, Event, Limits,
    ServerConn,
};
