//! The web-server (client) side: encoding requests the way Apache and nginx frame them,
//! decoding responses with `ClientConn`, and reading the CGI head of the STDOUT stream.
//!
//! Used by the tests, the `fcgi_load` load generator and request replay; the server never
//! needs it. Like the rest of `fcgi` it works on bytes only.

use super::error::ProtocolError;
use super::pairs::{decode_pairs, encode_pairs};
use super::record::{
    encode_record, encode_stream, padding_to_8, Poll, ProtocolStatus, RecordReader, RecordType,
    FLAG_KEEP_CONN, MANAGEMENT_ID, MAX_CONTENT_LEN, ROLE_RESPONDER,
};

/// How a front end frames a request: padding and record sizes, as measured in
/// `recipes/README.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestStyle {
    /// Pad every record's content to a multiple of 8 bytes.
    pub pad: bool,
    /// Largest PARAMS record content (a params block longer than this is split).
    pub params_chunk: usize,
    /// Largest STDIN record content.
    pub stdin_chunk: usize,
}

impl RequestStyle {
    /// Unpadded records of up to 65535 bytes (what `encode_request` uses).
    pub const PLAIN: RequestStyle = RequestStyle {
        pad: false,
        params_chunk: MAX_CONTENT_LEN,
        stdin_chunk: MAX_CONTENT_LEN,
    };
    /// Apache 2.4 mod_proxy_fcgi: no padding, one PARAMS record, STDIN in 8192-byte records.
    pub const APACHE: RequestStyle = RequestStyle {
        pad: false,
        params_chunk: MAX_CONTENT_LEN,
        stdin_chunk: 8192,
    };
    /// nginx 1.22: every record padded to 8, STDIN in 32768-byte records.
    pub const NGINX: RequestStyle = RequestStyle {
        pad: true,
        params_chunk: MAX_CONTENT_LEN,
        stdin_chunk: 32768,
    };
}

/// Appends a BEGIN_REQUEST record for the Responder role.
pub fn encode_begin_request(request_id: u16, keep_conn: bool, out: &mut Vec<u8>) {
    encode_begin_request_role(request_id, ROLE_RESPONDER, keep_conn, out);
}

/// Appends a BEGIN_REQUEST record for any role (2 = Authorizer, 3 = Filter), for tests
/// of how a server refuses roles it does not play.
pub fn encode_begin_request_role(request_id: u16, role: u16, keep_conn: bool, out: &mut Vec<u8>) {
    let role = role.to_be_bytes();
    let flags = if keep_conn { FLAG_KEEP_CONN } else { 0 };
    let body = [role[0], role[1], flags, 0, 0, 0, 0, 0];
    encode_record(RecordType::BeginRequest, request_id, &body, 0, out);
}

/// Appends a whole request as `style` frames it: BEGIN_REQUEST, the params in PARAMS
/// records then an empty PARAMS record, the body in STDIN records then an empty STDIN
/// record (always sent, even without a body, as Apache and nginx do).
pub fn encode_request_styled(
    style: &RequestStyle,
    request_id: u16,
    keep_conn: bool,
    params: &[(&[u8], &[u8])],
    body: &[u8],
    out: &mut Vec<u8>,
) {
    encode_begin_request(request_id, keep_conn, out);
    let mut pairs = Vec::new();
    encode_pairs(params, &mut pairs);
    encode_stream(
        RecordType::Params,
        request_id,
        &pairs,
        style.params_chunk,
        style.pad,
        out,
    );
    encode_record(RecordType::Params, request_id, b"", 0, out);
    encode_stream(
        RecordType::Stdin,
        request_id,
        body,
        style.stdin_chunk,
        style.pad,
        out,
    );
    encode_record(RecordType::Stdin, request_id, b"", 0, out);
}

/// Appends a whole request in unpadded records of up to 65535 bytes
/// (`RequestStyle::PLAIN`).
pub fn encode_request(
    request_id: u16,
    keep_conn: bool,
    params: &[(&[u8], &[u8])],
    body: &[u8],
    out: &mut Vec<u8>,
) {
    encode_request_styled(
        &RequestStyle::PLAIN,
        request_id,
        keep_conn,
        params,
        body,
        out,
    );
}

/// Appends an ABORT_REQUEST record.
pub fn encode_abort_request(request_id: u16, out: &mut Vec<u8>) {
    encode_record(RecordType::AbortRequest, request_id, b"", 0, out);
}

/// Appends a GET_VALUES management record asking for `names` (for example
/// `FCGI_MPXS_CONNS`).
pub fn encode_get_values(names: &[&[u8]], out: &mut Vec<u8>) {
    let pairs: Vec<(&[u8], &[u8])> = names.iter().map(|n| (*n, &b""[..])).collect();
    let mut body = Vec::new();
    encode_pairs(&pairs, &mut body);
    body.truncate(MAX_CONTENT_LEN);
    encode_record(
        RecordType::GetValues,
        MANAGEMENT_ID,
        &body,
        padding_to_8(body.len()),
        out,
    );
}

/// What the application sent, record by record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// A STDOUT chunk (never empty).
    Stdout {
        /// The request it belongs to.
        request_id: u16,
        /// The record's content.
        data: Vec<u8>,
    },
    /// The empty STDOUT record (php-fpm does not send it; rhvm does).
    StdoutEnd {
        /// The request it belongs to.
        request_id: u16,
    },
    /// A STDERR chunk (never empty).
    Stderr {
        /// The request it belongs to.
        request_id: u16,
        /// The record's content.
        data: Vec<u8>,
    },
    /// The empty STDERR record.
    StderrEnd {
        /// The request it belongs to.
        request_id: u16,
    },
    /// END_REQUEST: the response is complete.
    End {
        /// The request it ends.
        request_id: u16,
        /// The application's exit status.
        app_status: u32,
        /// Completed, or why it was refused.
        protocol_status: ProtocolStatus,
    },
    /// GET_VALUES_RESULT: the values the application reported.
    Values(Vec<(Vec<u8>, Vec<u8>)>),
    /// UNKNOWN_TYPE: the application did not understand a management record of this type.
    UnknownType(u8),
}

/// Client side of one connection: feed it the application's bytes, get `ClientEvent`s.
/// Stateless beyond framing: it does not check which request ids are running.
#[derive(Debug, Default)]
pub struct ClientConn {
    /// The record framer.
    reader: RecordReader,
    /// Set by the first error; every later `feed` returns it again.
    failed: Option<ProtocolError>,
}

impl ClientConn {
    /// A fresh connection.
    pub fn new() -> ClientConn {
        ClientConn::default()
    }

    /// Whether no partial record is buffered (the peer closing now is a clean close).
    pub fn at_record_boundary(&self) -> bool {
        self.reader.at_record_boundary()
    }

    /// Consumes all of `bytes`, pushing an event for every complete record. A response
    /// is complete once `ClientEvent::End` was pushed; until then, feed more bytes.
    ///
    /// # Errors
    ///
    /// A `ProtocolError` for a bad version, a record type an application never sends,
    /// a wrong END_REQUEST/UNKNOWN_TYPE length, an unknown protocol status or malformed
    /// GET_VALUES_RESULT pairs. This and every later call return it.
    pub fn feed(
        &mut self,
        bytes: &[u8],
        events: &mut Vec<ClientEvent>,
    ) -> Result<(), ProtocolError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let result = self.feed_inner(bytes, events);
        if let Err(err) = &result {
            self.failed = Some(err.clone());
        }
        result
    }

    /// The body of `feed`, without the poisoning.
    fn feed_inner(
        &mut self,
        bytes: &[u8],
        events: &mut Vec<ClientEvent>,
    ) -> Result<(), ProtocolError> {
        let mut input = bytes;
        loop {
            let record = match self.reader.poll(&mut input)? {
                Poll::NeedMore => return Ok(()),
                Poll::Header(_) => continue,
                Poll::Record(record) => record,
            };
            let request_id = record.header.request_id;
            let record_type = record.header.record_type;
            let data = record.content;
            let fixed_len = |expected: usize| {
                if data.len() == expected {
                    Ok(())
                } else {
                    Err(ProtocolError::BadBodyLength {
                        record_type,
                        expected,
                        len: data.len(),
                    })
                }
            };
            let event = match record.header.kind() {
                Some(RecordType::Stdout) if data.is_empty() => {
                    ClientEvent::StdoutEnd { request_id }
                }
                Some(RecordType::Stdout) => ClientEvent::Stdout { request_id, data },
                Some(RecordType::Stderr) if data.is_empty() => {
                    ClientEvent::StderrEnd { request_id }
                }
                Some(RecordType::Stderr) => ClientEvent::Stderr { request_id, data },
                Some(RecordType::EndRequest) => {
                    fixed_len(8)?;
                    let app_status = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
                    let protocol_status = ProtocolStatus::from_u8(data[4])
                        .ok_or(ProtocolError::BadProtocolStatus(data[4]))?;
                    ClientEvent::End {
                        request_id,
                        app_status,
                        protocol_status,
                    }
                }
                Some(RecordType::GetValuesResult) => ClientEvent::Values(decode_pairs(&data)?),
                Some(RecordType::UnknownType) => {
                    fixed_len(8)?;
                    ClientEvent::UnknownType(data[0])
                }
                _ => {
                    return Err(ProtocolError::UnexpectedRecord {
                        record_type,
                        request_id,
                        reason: "record type only a web server sends",
                    })
                }
            };
            events.push(event);
        }
    }
}

/// A response collected from `ClientEvent`s of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    /// All STDOUT content: the CGI head, a blank line, the body.
    pub stdout: Vec<u8>,
    /// All STDERR content.
    pub stderr: Vec<u8>,
    /// Whether the empty STDOUT record was seen.
    pub stdout_ended: bool,
    /// `(app_status, protocol_status)` from END_REQUEST, once it arrived.
    pub end: Option<(u32, ProtocolStatus)>,
}

impl Response {
    /// Adds one event; events of other requests and management events are ignored.
    /// Returns true once END_REQUEST for `request_id` was added.
    pub fn add(&mut self, request_id: u16, event: ClientEvent) -> bool {
        match event {
            ClientEvent::Stdout {
                request_id: id,
                data,
            } if id == request_id => self.stdout.extend_from_slice(&data),
            ClientEvent::StdoutEnd { request_id: id } if id == request_id => {
                self.stdout_ended = true
            }
            ClientEvent::Stderr {
                request_id: id,
                data,
            } if id == request_id => self.stderr.extend_from_slice(&data),
            ClientEvent::End {
                request_id: id,
                app_status,
                protocol_status,
            } if id == request_id => self.end = Some((app_status, protocol_status)),
            _ => {}
        }
        self.end.is_some()
    }
}

/// The CGI response in a STDOUT stream: status, header lines, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgiResponse<'a> {
    /// From the `Status:` header; 200 when there is none (as front ends assume).
    pub status: u16,
    /// Header lines as `(name, value)`, value without leading blanks, in order.
    pub headers: Vec<(&'a [u8], &'a [u8])>,
    /// Everything after the blank line.
    pub body: &'a [u8],
}

/// Splits a CGI response (`Name: value` lines, a blank line, the body); lines may end in
/// `\r\n` or `\n`. Returns `None` when there is no blank line, a header line has no colon,
/// or `Status:` does not start with a 3-digit code (front ends answer 500/502 then).
pub fn parse_cgi_response(stdout: &[u8]) -> Option<CgiResponse<'_>> {
    let mut headers = Vec::new();
    let mut status = 200;
    let mut at = 0;
    loop {
        let line_end = at + stdout.get(at..)?.iter().position(|&b| b == b'\n')?;
        let next = line_end + 1;
        let line = &stdout[at..line_end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return Some(CgiResponse {
                status,
                headers,
                body: &stdout[next..],
            });
        }
        let colon = line.iter().position(|&b| b == b':')?;
        let name = &line[..colon];
        let value = &line[colon + 1..];
        let skip = value
            .iter()
            .position(|&b| b != b' ' && b != b'\t')
            .unwrap_or(value.len());
        let value = &value[skip..];
        if name.eq_ignore_ascii_case(b"status") {
            let code = value.get(..3)?;
            if !code.iter().all(u8::is_ascii_digit) || value.get(3).is_some_and(|&b| b != b' ') {
                return None;
            }
            status = code.iter().fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
        }
        headers.push((name, value));
        at = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fcgi::server::{
        encode_end_request, encode_stderr, encode_stdout, encode_unknown_type,
    };

    #[test]
    fn decodes_a_response_split_anywhere() {
        let mut wire = Vec::new();
        encode_stdout(1, b"Status: 404 Not Found\r\n\r\nnope", &mut wire);
        encode_stderr(1, b"PHP Warning", &mut wire);
        encode_stdout(1, b"", &mut wire);
        encode_end_request(1, 3, ProtocolStatus::RequestComplete, &mut wire);
        let decode = |chunks: &[&[u8]]| {
            let mut conn = ClientConn::new();
            let mut events = Vec::new();
            for chunk in chunks {
                conn.feed(chunk, &mut events).unwrap();
            }
            assert!(conn.at_record_boundary());
            events
        };
        let whole = decode(&[&wire]);
        assert_eq!(whole.len(), 4);
        for at in 0..=wire.len() {
            assert_eq!(decode(&[&wire[..at], &wire[at..]]), whole, "split at {at}");
        }
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        assert_eq!(decode(&bytes), whole);
        let mut response = Response::default();
        let done: Vec<bool> = whole.into_iter().map(|e| response.add(1, e)).collect();
        assert_eq!(done, [false, false, false, true]);
        assert!(response.stdout_ended);
        assert_eq!(response.stderr, b"PHP Warning");
        assert_eq!(response.end, Some((3, ProtocolStatus::RequestComplete)));
        let cgi = parse_cgi_response(&response.stdout).unwrap();
        assert_eq!(cgi.status, 404);
        assert_eq!(cgi.body, b"nope");
    }

    #[test]
    fn decodes_management_answers() {
        let mut wire = Vec::new();
        encode_unknown_type(42, &mut wire);
        let mut pairs = Vec::new();
        encode_pairs(&[(b"FCGI_MPXS_CONNS", b"0")], &mut pairs);
        encode_record(RecordType::GetValuesResult, 0, &pairs, 0, &mut wire);
        let mut events = Vec::new();
        ClientConn::new().feed(&wire, &mut events).unwrap();
        assert_eq!(
            events,
            [
                ClientEvent::UnknownType(42),
                ClientEvent::Values(vec![(b"FCGI_MPXS_CONNS".to_vec(), b"0".to_vec())]),
            ]
        );
    }

    #[test]
    fn rejects_what_an_application_never_sends() {
        let mut bad_status = Vec::new();
        encode_record(
            RecordType::EndRequest,
            1,
            &[0, 0, 0, 0, 9, 0, 0, 0],
            0,
            &mut bad_status,
        );
        let mut short_end = Vec::new();
        encode_record(RecordType::EndRequest, 1, &[0; 5], 0, &mut short_end);
        let mut params = Vec::new();
        encode_record(RecordType::Params, 1, b"", 0, &mut params);
        let cases: Vec<(Vec<u8>, ProtocolError)> = vec![
            (bad_status, ProtocolError::BadProtocolStatus(9)),
            (
                short_end,
                ProtocolError::BadBodyLength {
                    record_type: 3,
                    expected: 8,
                    len: 5,
                },
            ),
            (
                params,
                ProtocolError::UnexpectedRecord {
                    record_type: 4,
                    request_id: 1,
                    reason: "record type only a web server sends",
                },
            ),
            (
                b"\x00\x06\x00\x01\x00\x00\x00\x00".to_vec(),
                ProtocolError::BadVersion(0),
            ),
        ];
        for (wire, expected) in cases {
            let mut conn = ClientConn::new();
            let mut events = Vec::new();
            assert_eq!(conn.feed(&wire, &mut events), Err(expected.clone()));
            // The connection stays failed.
            assert_eq!(conn.feed(b"", &mut events), Err(expected));
        }
    }

    #[test]
    fn parses_cgi_heads() {
        let cases: &[(&[u8], Option<(u16, usize, &[u8])>)] = &[
            (b"Content-type: text/html\r\n\r\nhi", Some((200, 1, b"hi"))),
            (b"Status: 302 Found\nLocation: /x\n\n", Some((302, 2, b""))),
            (b"status:404\r\n\r\n", Some((404, 1, b""))),
            (b"X: 1\r\n\r\n\r\nbody", Some((200, 1, b"\r\nbody"))),
            (b"\r\nbody only", Some((200, 0, b"body only"))),
            (b"Status: abc\r\n\r\n", None),
            (b"Status: 2000\r\n\r\n", None),
            (b"Content-type: text/html\r\n", None),
            (b"no colon\r\n\r\n", None),
            (b"", None),
        ];
        for (stdout, expected) in cases {
            let got = parse_cgi_response(stdout).map(|c| (c.status, c.headers.len(), c.body));
            assert_eq!(got, *expected, "{:?}", String::from_utf8_lossy(stdout));
        }
    }

    #[test]
    fn styles_frame_requests_like_the_front_ends() {
        let body = vec![b'b'; 40_000];
        let mut apache = Vec::new();
        encode_request_styled(
            &RequestStyle::APACHE,
            1,
            false,
            &[(b"A", b"1")],
            &body,
            &mut apache,
        );
        let mut nginx = Vec::new();
        encode_request_styled(
            &RequestStyle::NGINX,
            1,
            false,
            &[(b"A", b"1")],
            &body,
            &mut nginx,
        );
        let records = |wire: &[u8]| {
            let mut reader = RecordReader::new();
            let mut input = wire;
            let mut out = Vec::new();
            loop {
                match reader.poll(&mut input).unwrap() {
                    Poll::NeedMore => break,
                    Poll::Header(h) => out.push((h.record_type, h.content_len, h.padding_len)),
                    Poll::Record(_) => {}
                }
            }
            out
        };
        assert_eq!(
            records(&apache),
            [
                (1, 8, 0),
                (4, 4, 0),
                (4, 0, 0),
                (5, 8192, 0),
                (5, 8192, 0),
                (5, 8192, 0),
                (5, 8192, 0),
                (5, 7232, 0),
                (5, 0, 0)
            ]
        );
        assert_eq!(
            records(&nginx),
            [
                (1, 8, 0),
                (4, 4, 4),
                (4, 0, 0),
                (5, 32768, 0),
                (5, 7232, 0),
                (5, 0, 0)
            ]
        );
    }
}
