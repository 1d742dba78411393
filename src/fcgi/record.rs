//! FastCGI records: the 8-byte header, record types, encoding of whole records, and
//! `RecordReader`, the incremental framer that turns arbitrary byte chunks into records.
//!
//! This layer knows framing only (version, lengths, padding). What a record means for a
//! connection is decided by `server::ServerConn` and `client::ClientConn`.
//!
//! Wire layout (FastCGI 1.0, section 3.3):
//!
//! ```text
//! version(1) type(1) request_id(2, BE) content_length(2, BE) padding_length(1) reserved(1)
//! content[content_length] padding[padding_length]
//! ```

use super::error::ProtocolError;

/// The only protocol version (`FCGI_VERSION_1`).
pub const FCGI_VERSION_1: u8 = 1;

/// Size of a record header in bytes.
pub const HEADER_LEN: usize = 8;

/// Largest content a single record can carry (the length field is 16 bits).
pub const MAX_CONTENT_LEN: usize = 65535;

/// The request id reserved for management records (GET_VALUES and friends).
pub const MANAGEMENT_ID: u16 = 0;

/// Role value for a Responder (the only role rhvm plays).
pub const ROLE_RESPONDER: u16 = 1;

/// BEGIN_REQUEST flag bit: keep the connection open after this request.
pub const FLAG_KEEP_CONN: u8 = 1;

/// FastCGI record types (`FCGI_BEGIN_REQUEST` = 1 ... `FCGI_UNKNOWN_TYPE` = 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RecordType {
    /// Web server to application: starts a request (role and flags).
    BeginRequest = 1,
    /// Web server to application: abort the running request.
    AbortRequest = 2,
    /// Application to web server: the request is finished (app and protocol status).
    EndRequest = 3,
    /// Web server to application: CGI params as name-value pairs; empty record ends them.
    Params = 4,
    /// Web server to application: the request body; empty record ends it.
    Stdin = 5,
    /// Application to web server: response bytes (CGI headers then body).
    Stdout = 6,
    /// Application to web server: error-log bytes.
    Stderr = 7,
    /// Web server to application: extra data stream of the Filter role (unused by us).
    Data = 8,
    /// Management query for variables such as `FCGI_MPXS_CONNS`.
    GetValues = 9,
    /// Management answer to `GetValues`.
    GetValuesResult = 10,
    /// Management answer to a management record type the application does not know.
    UnknownType = 11,
}

impl RecordType {
    /// The record type for a wire byte, or `None` for a value the spec does not define.
    pub fn from_u8(byte: u8) -> Option<RecordType> {
        Some(match byte {
            1 => RecordType::BeginRequest,
            2 => RecordType::AbortRequest,
            3 => RecordType::EndRequest,
            4 => RecordType::Params,
            5 => RecordType::Stdin,
            6 => RecordType::Stdout,
            7 => RecordType::Stderr,
            8 => RecordType::Data,
            9 => RecordType::GetValues,
            10 => RecordType::GetValuesResult,
            11 => RecordType::UnknownType,
            _ => return None,
        })
    }
}

/// The `protocolStatus` of an END_REQUEST record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ProtocolStatus {
    /// Normal end of the request.
    RequestComplete = 0,
    /// Rejected: a second concurrent request on a connection that does not multiplex.
    CantMpxConn = 1,
    /// Rejected: the application is out of some resource.
    Overloaded = 2,
    /// Rejected: the role asked for (Authorizer, Filter) is not played.
    UnknownRole = 3,
}

impl ProtocolStatus {
    /// The status for a wire byte, or `None` for a value the spec does not define.
    pub fn from_u8(byte: u8) -> Option<ProtocolStatus> {
        Some(match byte {
            0 => ProtocolStatus::RequestComplete,
            1 => ProtocolStatus::CantMpxConn,
            2 => ProtocolStatus::Overloaded,
            3 => ProtocolStatus::UnknownRole,
            _ => return None,
        })
    }
}

/// A decoded record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The raw type byte; may be a value `RecordType` does not name.
    pub record_type: u8,
    /// The request the record belongs to (0 = management record).
    pub request_id: u16,
    /// Bytes of content following the header.
    pub content_len: u16,
    /// Bytes of padding following the content (ignored).
    pub padding_len: u8,
}

impl Header {
    /// Parses an 8-byte header.
    ///
    /// # Errors
    ///
    /// `BadVersion` when the version byte is not 1.
    pub fn parse(bytes: &[u8; HEADER_LEN]) -> Result<Header, ProtocolError> {
        if bytes[0] != FCGI_VERSION_1 {
            return Err(ProtocolError::BadVersion(bytes[0]));
        }
        Ok(Header {
            record_type: bytes[1],
            request_id: u16::from_be_bytes([bytes[2], bytes[3]]),
            content_len: u16::from_be_bytes([bytes[4], bytes[5]]),
            padding_len: bytes[6],
        })
    }

    /// The record type, if it is one the spec defines.
    pub fn kind(&self) -> Option<RecordType> {
        RecordType::from_u8(self.record_type)
    }
}

/// Appends one record: header, `content`, and `padding_len` zero bytes.
///
/// # Panics
///
/// When `content` is longer than `MAX_CONTENT_LEN`; callers split streams first (see
/// `encode_stream`). This is a programming error, never caused by peer input.
pub fn encode_record(
    record_type: RecordType,
    request_id: u16,
    content: &[u8],
    padding_len: u8,
    out: &mut Vec<u8>,
) {
    let len = u16::try_from(content.len()).expect("a record carries at most 65535 bytes");
    let id = request_id.to_be_bytes();
    let len_bytes = len.to_be_bytes();
    out.reserve(HEADER_LEN + content.len() + usize::from(padding_len));
    out.extend_from_slice(&[
        FCGI_VERSION_1,
        record_type as u8,
        id[0],
        id[1],
        len_bytes[0],
        len_bytes[1],
        padding_len,
        0,
    ]);
    out.extend_from_slice(content);
    out.resize(out.len() + usize::from(padding_len), 0);
}

/// The padding that brings `content_len` to a multiple of 8 (what nginx and php-fpm send).
pub fn padding_to_8(content_len: usize) -> u8 {
    // The result is in 0..=7, so the cast cannot truncate.
    ((8 - content_len % 8) % 8) as u8
}

/// Appends `data` as records of type `record_type`, each carrying at most `max_chunk`
/// bytes (clamped to 1..=`MAX_CONTENT_LEN`), padded to 8 when `pad` is set. Empty `data`
/// appends nothing: the empty end-of-stream record is the caller's decision.
pub fn encode_stream(
    record_type: RecordType,
    request_id: u16,
    data: &[u8],
    max_chunk: usize,
    pad: bool,
    out: &mut Vec<u8>,
) {
    let max_chunk = max_chunk.clamp(1, MAX_CONTENT_LEN);
    for chunk in data.chunks(max_chunk) {
        let padding = if pad { padding_to_8(chunk.len()) } else { 0 };
        encode_record(record_type, request_id, chunk, padding, out);
    }
}

/// One complete record as `RecordReader` hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The record's header.
    pub header: Header,
    /// The record's content (padding already dropped).
    pub content: Vec<u8>,
}

/// What `RecordReader::poll` found in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll {
    /// A header was just completed; its content has not been read yet. This is the hook for
    /// checks that must happen before content is buffered (size limits). Always followed,
    /// once enough bytes arrived, by `Record` with the same header.
    Header(Header),
    /// A record's content is complete (its padding may still be pending; it is skipped).
    Record(Record),
    /// The input is used up; feed more bytes.
    NeedMore,
}

/// Where the reader is inside the current record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Collecting the 8 header bytes; `filled` of them are in `header_buf`.
    Header { filled: usize },
    /// The header is complete and was reported; collecting its content.
    Content(Header),
    /// Skipping this many padding bytes of the previous record.
    Padding(usize),
}

/// Incremental record framer. Feed it byte slices of any size (one byte at a time works);
/// it buffers a partial header and the content of at most one record (at most 65535 bytes),
/// so a peer cannot make it hold more than that.
#[derive(Debug)]
pub struct RecordReader {
    /// Position in the current record.
    state: State,
    /// The header bytes collected so far.
    header_buf: [u8; HEADER_LEN],
    /// The content collected so far for the record in `State::Content`.
    content: Vec<u8>,
}

impl Default for RecordReader {
    fn default() -> Self {
        RecordReader::new()
    }
}

impl RecordReader {
    /// A reader positioned at the start of a record.
    pub fn new() -> RecordReader {
        RecordReader {
            state: State::Header { filled: 0 },
            header_buf: [0; HEADER_LEN],
            content: Vec::new(),
        }
    }

    /// Whether the reader is between records (no partial record buffered). A peer that
    /// closes while this is false closed mid-record.
    pub fn at_record_boundary(&self) -> bool {
        self.state == State::Header { filled: 0 }
    }

    /// Consumes bytes from the front of `input` until something is found or `input` is
    /// empty. Call it in a loop until it returns `Poll::NeedMore`.
    ///
    /// # Errors
    ///
    /// `BadVersion` for a header whose version byte is not 1. The reader must not be used
    /// afterwards.
    pub fn poll(&mut self, input: &mut &[u8]) -> Result<Poll, ProtocolError> {
        loop {
            match self.state {
                State::Padding(left) => {
                    let skip = left.min(input.len());
                    *input = &input[skip..];
                    if skip < left {
                        self.state = State::Padding(left - skip);
                        return Ok(Poll::NeedMore);
                    }
                    self.state = State::Header { filled: 0 };
                }
                State::Header { filled } => {
                    let take = (HEADER_LEN - filled).min(input.len());
                    self.header_buf[filled..filled + take].copy_from_slice(&input[..take]);
                    *input = &input[take..];
                    if filled + take < HEADER_LEN {
                        self.state = State::Header {
                            filled: filled + take,
                        };
                        return Ok(Poll::NeedMore);
                    }
                    let header = Header::parse(&self.header_buf)?;
                    self.state = State::Content(header);
                    self.content = Vec::with_capacity(usize::from(header.content_len));
                    return Ok(Poll::Header(header));
                }
                State::Content(header) => {
                    let want = usize::from(header.content_len) - self.content.len();
                    let take = want.min(input.len());
                    self.content.extend_from_slice(&input[..take]);
                    *input = &input[take..];
                    if take < want {
                        return Ok(Poll::NeedMore);
                    }
                    self.state = if header.padding_len == 0 {
                        State::Header { filled: 0 }
                    } else {
                        State::Padding(usize::from(header.padding_len))
                    };
                    let content = std::mem::take(&mut self.content);
                    return Ok(Poll::Record(Record { header, content }));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the reader over `chunks` and lists what it reported, `NeedMore` excluded.
    fn read_all(chunks: &[&[u8]]) -> Result<Vec<Poll>, ProtocolError> {
        let mut reader = RecordReader::new();
        let mut seen = Vec::new();
        for chunk in chunks {
            let mut input = *chunk;
            loop {
                match reader.poll(&mut input)? {
                    Poll::NeedMore => break,
                    other => seen.push(other),
                }
            }
            assert!(input.is_empty(), "NeedMore must mean the input is used up");
        }
        Ok(seen)
    }

    #[test]
    fn encodes_headers_as_the_spec_lays_them_out() {
        let mut out = Vec::new();
        encode_record(RecordType::Stdout, 0x0102, b"abc", 5, &mut out);
        assert_eq!(out, b"\x01\x06\x01\x02\x00\x03\x05\x00abc\0\0\0\0\0");
    }

    #[test]
    fn padding_rounds_up_to_eight() {
        let cases = [(0, 0), (1, 7), (7, 1), (8, 0), (9, 7), (65535, 1)];
        for (len, pad) in cases {
            assert_eq!(padding_to_8(len), pad, "len {len}");
        }
    }

    #[test]
    fn streams_split_at_the_chunk_size() {
        let data = vec![7u8; 20];
        let mut out = Vec::new();
        encode_stream(RecordType::Stdin, 1, &data, 8, true, &mut out);
        // 8 + 8 + 4 (padded by 4): three records.
        assert_eq!(out.len(), 3 * HEADER_LEN + 8 + 8 + 4 + 4);
        let seen = read_all(&[&out]).unwrap();
        let sizes: Vec<usize> = seen
            .iter()
            .filter_map(|p| match p {
                Poll::Record(r) => Some(r.content.len()),
                _ => None,
            })
            .collect();
        assert_eq!(sizes, [8, 8, 4]);
        let mut empty = Vec::new();
        encode_stream(RecordType::Stdin, 1, b"", 8, true, &mut empty);
        assert!(empty.is_empty());
    }

    #[test]
    fn reports_header_then_record_and_skips_padding() {
        let mut out = Vec::new();
        encode_record(RecordType::Params, 1, b"xy", 6, &mut out);
        encode_record(RecordType::Params, 1, b"", 0, &mut out);
        // Every split point, including byte by byte, gives the same result.
        let whole = read_all(&[&out]).unwrap();
        assert_eq!(whole.len(), 4);
        for at in 0..=out.len() {
            assert_eq!(
                read_all(&[&out[..at], &out[at..]]).unwrap(),
                whole,
                "at {at}"
            );
        }
        let bytes: Vec<&[u8]> = out.chunks(1).collect();
        assert_eq!(read_all(&bytes).unwrap(), whole);
        match &whole[1] {
            Poll::Record(r) => assert_eq!(r.content, b"xy"),
            other => panic!("expected a record, got {other:?}"),
        }
    }

    #[test]
    fn rejects_a_bad_version() {
        let err = read_all(&[b"\x02\x01\x00\x01\x00\x08\x00\x00"]).unwrap_err();
        assert_eq!(err, ProtocolError::BadVersion(2));
    }

    #[test]
    fn knows_where_records_end() {
        let mut reader = RecordReader::new();
        assert!(reader.at_record_boundary());
        let mut input: &[u8] = b"\x01\x05\x00\x01\x00\x02\x01\x00a";
        while reader.poll(&mut input).unwrap() != Poll::NeedMore {}
        assert!(!reader.at_record_boundary());
        let mut rest: &[u8] = b"b\x00";
        while reader.poll(&mut rest).unwrap() != Poll::NeedMore {}
        assert!(reader.at_record_boundary());
    }

    #[test]
    fn type_and_status_bytes_round_trip() {
        for byte in 0..=255u8 {
            if let Some(t) = RecordType::from_u8(byte) {
                assert_eq!(t as u8, byte);
            }
            if let Some(s) = ProtocolStatus::from_u8(byte) {
                assert_eq!(s as u8, byte);
            }
        }
        assert_eq!(RecordType::from_u8(12), None);
        assert_eq!(ProtocolStatus::from_u8(4), None);
    }
}
