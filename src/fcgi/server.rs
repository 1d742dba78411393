//! The application (server) side of one FastCGI connection: `ServerConn` turns the web
//! server's bytes into `Event`s, and the `encode_*` functions frame the response.
//!
//! One request at a time (`FCGI_MPXS_CONNS=0`, as php-fpm and HHVM): a BEGIN_REQUEST for
//! another id while one runs is answered with END_REQUEST(CANT_MPX_CONN) by the codec
//! itself. Apache and nginx never multiplex (always request id 1), so this only matters
//! for odd clients.
//!
//! Records are delivered whole: a STDIN record's content becomes one `Event::Stdin` once
//! all of it arrived, so the events do not depend on how the bytes were split into reads.
//! The PARAMS stream is size-checked from each record header, before content is
//! buffered: an oversized params block is refused after at most one record.

use std::collections::VecDeque;

use super::error::ProtocolError;
use super::pairs::{decode_pairs, encode_pairs};
use super::record::{
    encode_record, encode_stream, Header, Poll, ProtocolStatus, RecordReader, RecordType,
    FLAG_KEEP_CONN, MANAGEMENT_ID, MAX_CONTENT_LEN, ROLE_RESPONDER,
};

/// Resource limits of a connection, and the values reported to GET_VALUES.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest total size of one request's PARAMS stream (wire bytes of the name-value
    /// pairs). Default 1 MiB; real front ends send a few KiB.
    pub max_params_bytes: usize,
    /// Reported as `FCGI_MAX_CONNS`: how many concurrent connections the server accepts.
    pub max_conns: u32,
    /// Reported as `FCGI_MAX_REQS`: how many requests the server runs at once.
    pub max_reqs: u32,
}

impl Default for Limits {
    /// 1 MiB of params; 64 connections and requests (the server sets its real numbers).
    fn default() -> Self {
        Limits {
            max_params_bytes: 1 << 20,
            max_conns: 64,
            max_reqs: 64,
        }
    }
}

/// Something the server must act on, in the order the records arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// BEGIN_REQUEST + all PARAMS (the empty PARAMS record was seen): the request can
    /// start. Params are in arrival order with duplicates and empty values kept.
    Request {
        /// The request id to answer with (always 1 from Apache and nginx).
        request_id: u16,
        /// `FCGI_KEEP_CONN`: when false, close the connection after END_REQUEST.
        keep_conn: bool,
        /// The CGI params as raw bytes.
        params: Vec<(Vec<u8>, Vec<u8>)>,
    },
    /// A STDIN chunk for the running request (never empty).
    Stdin {
        /// The running request.
        request_id: u16,
        /// The record's content.
        data: Vec<u8>,
    },
    /// The empty STDIN record: end of the request body.
    StdinEnd {
        /// The running request.
        request_id: u16,
    },
    /// FCGI_ABORT_REQUEST for the running request (possibly before its `Request` event,
    /// if the params had not ended). Answer with END_REQUEST, then call `request_done`.
    Abort {
        /// The running request.
        request_id: u16,
    },
    /// Bytes the codec answered by itself, to be written to the peer as they are:
    /// GET_VALUES_RESULT, UNKNOWN_TYPE for unknown management records,
    /// END_REQUEST(CANT_MPX_CONN) for a second concurrent request, and
    /// END_REQUEST(UNKNOWN_ROLE) for roles other than Responder.
    Reply(Vec<u8>),
}

/// How far the running request has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// BEGIN_REQUEST seen, PARAMS still arriving.
    Params,
    /// `Event::Request` emitted, STDIN arriving.
    Stdin,
    /// The empty STDIN record was seen.
    StdinDone,
}

/// The request currently running on the connection.
#[derive(Debug)]
struct Active {
    /// Its request id.
    id: u16,
    /// `FCGI_KEEP_CONN` from BEGIN_REQUEST.
    keep_conn: bool,
    /// Where it is in the record sequence.
    phase: Phase,
    /// PARAMS content so far (only while `phase == Params`).
    params: Vec<u8>,
}

/// How many ids of refused or finished-early requests are remembered, so that their
/// remaining PARAMS/STDIN records are dropped instead of failing the connection.
const IGNORED_IDS: usize = 16;

/// Server side of one connection: feed it bytes as they arrive, get events.
///
/// # Example
///
/// ```
/// use rhvm::fcgi::{encode_request, Event, Limits, ServerConn};
///
/// let mut wire = Vec::new();
/// encode_request(1, true, &[(b"SCRIPT_FILENAME", b"/srv/index.php")], b"", &mut wire);
/// let mut conn = ServerConn::new(Limits::default());
/// let mut events = Vec::new();
/// conn.feed(&wire, &mut events).unwrap();
/// assert!(matches!(&events[0], Event::Request { request_id: 1, keep_conn: true, .. }));
/// assert_eq!(events[1], Event::StdinEnd { request_id: 1 });
/// ```
#[derive(Debug)]
pub struct ServerConn {
    /// Size limits and the GET_VALUES answers.
    limits: Limits,
    /// The record framer.
    reader: RecordReader,
    /// The running request, if any.
    active: Option<Active>,
    /// Ids whose remaining records are dropped silently: requests the codec refused
    /// (CANT_MPX_CONN, UNKNOWN_ROLE) and requests finished before their STDIN ended.
    ignored: VecDeque<u16>,
    /// Set by the first error; every later `feed` returns it again.
    failed: Option<ProtocolError>,
}

impl ServerConn {
    /// A fresh connection with no request running.
    pub fn new(limits: Limits) -> ServerConn {
        ServerConn {
            limits,
            reader: RecordReader::new(),
            active: None,
            ignored: VecDeque::new(),
            failed: None,
        }
    }

    /// Consumes all of `bytes` (buffering partial records internally), pushing events in
    /// order. Events pushed before an error stay valid.
    ///
    /// # Errors
    ///
    /// A `ProtocolError` means the connection must be closed; this and every later call
    /// return it.
    pub fn feed(&mut self, bytes: &[u8], events: &mut Vec<Event>) -> Result<(), ProtocolError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let result = self.feed_inner(bytes, events);
        if let Err(err) = &result {
            self.failed = Some(err.clone());
        }
        result
    }

    /// Call when the current request has been answered (END_REQUEST sent), so that a new
    /// BEGIN_REQUEST is accepted. If the request body had not been read to its end, the
    /// rest of it is dropped as it arrives. Does nothing when no request is running.
    pub fn request_done(&mut self) {
        if let Some(active) = self.active.take() {
            if active.phase != Phase::StdinDone {
                self.ignore(active.id);
            }
        }
    }

    /// The id of the running request (from BEGIN_REQUEST until `request_done`).
    pub fn active_request(&self) -> Option<u16> {
        self.active.as_ref().map(|a| a.id)
    }

    /// Whether the running request asked to keep the connection open.
    pub fn keep_conn(&self) -> Option<bool> {
        self.active.as_ref().map(|a| a.keep_conn)
    }

    /// Whether no partial record is buffered. A peer closing while this is false closed
    /// mid-record.
    pub fn at_record_boundary(&self) -> bool {
        self.reader.at_record_boundary()
    }

    /// The body of `feed`, without the poisoning.
    fn feed_inner(&mut self, bytes: &[u8], events: &mut Vec<Event>) -> Result<(), ProtocolError> {
        let mut input = bytes;
        loop {
            match self.reader.poll(&mut input)? {
                Poll::NeedMore => return Ok(()),
                Poll::Header(header) => self.check_header(&header)?,
                Poll::Record(record) => self.on_record(record.header, record.content, events)?,
            }
        }
    }

    /// Checks that must happen before a record's content is buffered.
    fn check_header(&self, header: &Header) -> Result<(), ProtocolError> {
        let len = usize::from(header.content_len);
        match header.kind() {
            Some(RecordType::BeginRequest) if header.request_id != MANAGEMENT_ID && len != 8 => {
                Err(ProtocolError::BadBeginBody { len })
            }
            Some(RecordType::Params) => match &self.active {
                Some(active)
                    if active.id == header.request_id
                        && active.phase == Phase::Params
                        && active.params.len() + len > self.limits.max_params_bytes =>
                {
                    Err(ProtocolError::ParamsTooLarge {
                        limit: self.limits.max_params_bytes,
                    })
                }
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// Remembers `id` as one whose records are dropped, forgetting the oldest if full.
    fn ignore(&mut self, id: u16) {
        if self.ignored.contains(&id) {
            return;
        }
        if self.ignored.len() == IGNORED_IDS {
            self.ignored.pop_front();
        }
        self.ignored.push_back(id);
    }

    /// Forgets `id` from the dropped set.
    fn unignore(&mut self, id: u16) {
        self.ignored.retain(|&i| i != id);
    }

    /// The running request if `id` is it.
    fn active_for(&mut self, id: u16) -> Option<&mut Active> {
        self.active.as_mut().filter(|a| a.id == id)
    }

    /// Acts on one complete record.
    fn on_record(
        &mut self,
        header: Header,
        content: Vec<u8>,
        events: &mut Vec<Event>,
    ) -> Result<(), ProtocolError> {
        let id = header.request_id;
        let unexpected = |reason| ProtocolError::UnexpectedRecord {
            record_type: header.record_type,
            request_id: id,
            reason,
        };
        if id == MANAGEMENT_ID {
            let mut reply = Vec::new();
            if header.kind() == Some(RecordType::GetValues) {
                self.get_values_result(&content, &mut reply)?;
            } else {
                encode_unknown_type(header.record_type, &mut reply);
            }
            events.push(Event::Reply(reply));
            return Ok(());
        }
        let Some(kind) = header.kind() else {
            return Err(unexpected("unknown record type"));
        };
        match kind {
            RecordType::BeginRequest => self.on_begin(id, &content, events, unexpected),
            RecordType::AbortRequest => {
                if self.active_for(id).is_some() {
                    events.push(Event::Abort { request_id: id });
                    Ok(())
                } else {
                    self.drop_or_inactive(&header)
                }
            }
            RecordType::Params => {
                let max = self.limits.max_params_bytes;
                let Some(active) = self.active_for(id) else {
                    return self.drop_or_inactive(&header);
                };
                if active.phase != Phase::Params {
                    return Err(unexpected("params after the params stream ended"));
                }
                if !content.is_empty() {
                    // `check_header` guarantees this, but a limit is cheap to recheck.
                    if active.params.len() + content.len() > max {
                        return Err(ProtocolError::ParamsTooLarge { limit: max });
                    }
                    if active.params.is_empty() {
                        // The usual case (one PARAMS record): keep its buffer, no copy.
                        active.params = content;
                    } else {
                        active.params.extend_from_slice(&content);
                    }
                    return Ok(());
                }
                let params = decode_pairs(&active.params)?;
                active.params = Vec::new();
                active.phase = Phase::Stdin;
                events.push(Event::Request {
                    request_id: id,
                    keep_conn: active.keep_conn,
                    params,
                });
                Ok(())
            }
            RecordType::Stdin => {
                let Some(active) = self.active_for(id) else {
                    if self.ignored.contains(&id) {
                        // The empty STDIN record is the last one the peer sends for it.
                        if content.is_empty() {
                            self.unignore(id);
                        }
                        return Ok(());
                    }
                    return self.drop_or_inactive(&header);
                };
                match active.phase {
                    Phase::Params => Err(unexpected("stdin before the params stream ended")),
                    Phase::StdinDone => Err(unexpected("stdin after the end of stdin")),
                    Phase::Stdin if content.is_empty() => {
                        active.phase = Phase::StdinDone;
                        events.push(Event::StdinEnd { request_id: id });
                        Ok(())
                    }
                    Phase::Stdin => {
                        events.push(Event::Stdin {
                            request_id: id,
                            data: content,
                        });
                        Ok(())
                    }
                }
            }
            RecordType::Data => {
                if self.active_for(id).is_some() {
                    Err(unexpected("data stream is only for the filter role"))
                } else {
                    self.drop_or_inactive(&header)
                }
            }
            RecordType::GetValues => Err(unexpected("management record with a request id")),
            RecordType::EndRequest
            | RecordType::Stdout
            | RecordType::Stderr
            | RecordType::GetValuesResult
            | RecordType::UnknownType => Err(unexpected("record type only an application sends")),
        }
    }

    /// BEGIN_REQUEST: start a request, or refuse it with a reply.
    fn on_begin(
        &mut self,
        id: u16,
        content: &[u8],
        events: &mut Vec<Event>,
        unexpected: impl Fn(&'static str) -> ProtocolError,
    ) -> Result<(), ProtocolError> {
        // `check_header` enforced the length; `get` keeps this total anyway.
        let (Some(role), Some(&flags)) = (content.get(0..2), content.get(2)) else {
            return Err(ProtocolError::BadBeginBody { len: content.len() });
        };
        let role = u16::from_be_bytes([role[0], role[1]]);
        let mut reply = Vec::new();
        if let Some(active) = &self.active {
            if active.id == id {
                return Err(unexpected("begin_request for a request that is running"));
            }
            encode_end_request(id, 0, ProtocolStatus::CantMpxConn, &mut reply);
        } else if role != ROLE_RESPONDER {
            encode_end_request(id, 0, ProtocolStatus::UnknownRole, &mut reply);
        } else {
            self.unignore(id);
            self.active = Some(Active {
                id,
                keep_conn: flags & FLAG_KEEP_CONN != 0,
                phase: Phase::Params,
                params: Vec::new(),
            });
            return Ok(());
        }
        self.ignore(id);
        events.push(Event::Reply(reply));
        Ok(())
    }

    /// A record for an id that is not running: dropped if the id was refused or finished
    /// early, an error otherwise.
    fn drop_or_inactive(&mut self, header: &Header) -> Result<(), ProtocolError> {
        if self.ignored.contains(&header.request_id) {
            if header.kind() == Some(RecordType::AbortRequest) {
                self.unignore(header.request_id);
            }
            return Ok(());
        }
        Err(ProtocolError::InactiveRequest {
            record_type: header.record_type,
            request_id: header.request_id,
        })
    }

    /// The GET_VALUES_RESULT record answering the names in `content`. Names we do not
    /// know are left out, as the spec says.
    fn get_values_result(&self, content: &[u8], out: &mut Vec<u8>) -> Result<(), ProtocolError> {
        let asked = decode_pairs(content)?;
        let max_conns = self.limits.max_conns.to_string();
        let max_reqs = self.limits.max_reqs.to_string();
        let mut answers: Vec<(&[u8], &[u8])> = Vec::new();
        for (name, _) in &asked {
            let value: &[u8] = match name.as_slice() {
                b"FCGI_MAX_CONNS" => max_conns.as_bytes(),
                b"FCGI_MAX_REQS" => max_reqs.as_bytes(),
                b"FCGI_MPXS_CONNS" => b"0",
                _ => continue,
            };
            answers.push((name, value));
        }
        let mut body = Vec::new();
        encode_pairs(&answers, &mut body);
        // A peer could ask for one name many times; cap the answer at one record rather
        // than fail (a real client asks for each name once).
        body.truncate(MAX_CONTENT_LEN);
        encode_record(RecordType::GetValuesResult, MANAGEMENT_ID, &body, 0, out);
        Ok(())
    }
}

/// Appends STDOUT records carrying `data` (split at 65535 bytes, unpadded). Empty `data`
/// appends the empty end-of-stream STDOUT record, which must precede END_REQUEST.
pub fn encode_stdout(request_id: u16, data: &[u8], out: &mut Vec<u8>) {
    encode_output(RecordType::Stdout, request_id, data, out);
}

/// Appends STDERR records carrying `data`; empty `data` appends the end-of-stream record
/// (optional: only needed if any STDERR was sent, and front ends accept its absence).
pub fn encode_stderr(request_id: u16, data: &[u8], out: &mut Vec<u8>) {
    encode_output(RecordType::Stderr, request_id, data, out);
}

/// Shared body of `encode_stdout` and `encode_stderr`.
fn encode_output(record_type: RecordType, request_id: u16, data: &[u8], out: &mut Vec<u8>) {
    if data.is_empty() {
        encode_record(record_type, request_id, b"", 0, out);
    } else {
        encode_stream(record_type, request_id, data, MAX_CONTENT_LEN, false, out);
    }
}

/// Appends the END_REQUEST record: `app_status` is the script's exit status (front ends
/// ignore it), `status` says whether the request completed or was refused.
pub fn encode_end_request(
    request_id: u16,
    app_status: u32,
    status: ProtocolStatus,
    out: &mut Vec<u8>,
) {
    let app = app_status.to_be_bytes();
    let body = [app[0], app[1], app[2], app[3], status as u8, 0, 0, 0];
    encode_record(RecordType::EndRequest, request_id, &body, 0, out);
}

/// Appends the UNKNOWN_TYPE management record answering a record of type `record_type`.
pub fn encode_unknown_type(record_type: u8, out: &mut Vec<u8>) {
    let body = [record_type, 0, 0, 0, 0, 0, 0, 0];
    encode_record(RecordType::UnknownType, MANAGEMENT_ID, &body, 0, out);
}
