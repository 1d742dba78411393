//! `ProtocolError`: everything that can be wrong with FastCGI bytes from a peer.
//!
//! Any of these means the connection can no longer be trusted and must be closed; the codec
//! never tries to resynchronise a byte stream after a framing error. Conditions the
//! protocol itself answers (an unknown management record, a role we do not play, a second
//! request on a non-multiplexed connection) are not errors: they become `Event::Reply`.

use thiserror::Error;

/// A violation of the FastCGI protocol by the peer. The connection must be closed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The record header's version byte is not `FCGI_VERSION_1`.
    #[error("unsupported fastcgi version {0}")]
    BadVersion(u8),

    /// The PARAMS stream of one request grew beyond `Limits::max_params_bytes`. Detected
    /// from the record header, before the oversized record's content is buffered.
    #[error("fastcgi params exceed the limit of {limit} bytes")]
    ParamsTooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },

    /// A name-value pair block is truncated or a length points past its end.
    #[error("malformed fastcgi name-value pairs: {reason}")]
    MalformedPairs {
        /// What exactly was wrong, for the log.
        reason: &'static str,
    },

    /// A BEGIN_REQUEST record whose body is not the 8 bytes the spec defines.
    #[error("fastcgi begin_request body must be 8 bytes, got {len}")]
    BadBeginBody {
        /// The record's content length.
        len: usize,
    },

    /// A record with a fixed-size body (END_REQUEST, UNKNOWN_TYPE) has the wrong length.
    #[error("fastcgi record type {record_type} must have a body of {expected} bytes, got {len}")]
    BadBodyLength {
        /// The record type byte.
        record_type: u8,
        /// The length the spec requires.
        expected: usize,
        /// The record's content length.
        len: usize,
    },

    /// A record that makes no sense at this point: a type this side never receives, a
    /// PARAMS record after the params ended, STDIN before them, a duplicate BEGIN_REQUEST...
    #[error("unexpected fastcgi record type {record_type} for request {request_id}: {reason}")]
    UnexpectedRecord {
        /// The record type byte (possibly a value the spec does not define).
        record_type: u8,
        /// The record's request id.
        request_id: u16,
        /// Why it was unexpected, for the log.
        reason: &'static str,
    },

    /// A record for a request id that was never started on this connection (no
    /// BEGIN_REQUEST), or that the peer keeps using after it ended.
    #[error("fastcgi record type {record_type} for inactive request {request_id}")]
    InactiveRequest {
        /// The record type byte.
        record_type: u8,
        /// The request id that is not active.
        request_id: u16,
    },

    /// An END_REQUEST carrying a protocol status the spec does not define (client side).
    #[error("unknown fastcgi protocol status {0}")]
    BadProtocolStatus(u8),
}
