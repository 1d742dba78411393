//! Tests of `ServerConn` on whole connections: front-end fixtures (Apache, nginx framing
//! as measured in `recipes/README.md`), management records, refused requests, and
//! malformed input. Every fixture is also decoded split at every byte offset and one byte
//! at a time, and must give the same events.

use super::record::{encode_record, encode_stream, HEADER_LEN, MAX_CONTENT_LEN};
use super::*;

/// Owned pairs from borrowed ones, the shape `Event::Request` carries.
fn owned(pairs: &[(&[u8], &[u8])]) -> Vec<(Vec<u8>, Vec<u8>)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_vec(), v.to_vec()))
        .collect()
}

/// Feeds `chunks` one after the other into a fresh connection.
fn feed_chunks(limits: Limits, chunks: &[&[u8]]) -> (Vec<Event>, Result<(), ProtocolError>) {
    let mut conn = ServerConn::new(limits);
    let mut events = Vec::new();
    for chunk in chunks {
        if let Err(err) = conn.feed(chunk, &mut events) {
            // The connection stays failed.
            assert_eq!(conn.feed(b"", &mut Vec::new()), Err(err.clone()));
            return (events, Err(err));
        }
    }
    (events, Ok(()))
}

/// Decodes `wire` whole, split in two at every byte offset, and one byte at a time;
/// asserts that all of them give the same events and result, and returns it.
fn decode_every_way(limits: Limits, wire: &[u8]) -> (Vec<Event>, Result<(), ProtocolError>) {
    let whole = feed_chunks(limits, &[wire]);
    for at in 0..=wire.len() {
        let split = feed_chunks(limits, &[&wire[..at], &wire[at..]]);
        assert_eq!(split, whole, "split at byte {at}");
    }
    let bytes: Vec<&[u8]> = wire.chunks(1).collect();
    assert_eq!(feed_chunks(limits, &bytes), whole, "one byte at a time");
    whole
}

/// Params as Apache 2.4 (SetHandler, FPM backend type) sends them for `GET /index.php`.
const APACHE_PARAMS: &[(&[u8], &[u8])] = &[
    (b"proxy-nokeepalive", b"1"),
    (b"HTTP_HOST", b"127.0.0.1:18080"),
    (b"HTTP_USER_AGENT", b"curl/7.88.1"),
    (b"HTTP_ACCEPT", b"*/*"),
    (b"HTTP_X_DUP", b"a, b"),
    (b"PATH", b"/usr/local/bin:/usr/bin:/bin"),
    (b"SERVER_SIGNATURE", b""),
    (b"SERVER_SOFTWARE", b"Apache/2.4.71 (Debian)"),
    (b"SERVER_NAME", b"127.0.0.1"),
    (b"SERVER_ADDR", b"127.0.0.1"),
    (b"SERVER_PORT", b"18080"),
    (b"REMOTE_ADDR", b"127.0.0.1"),
    (b"DOCUMENT_ROOT", b"/srv/www"),
    (b"REQUEST_SCHEME", b"http"),
    (b"CONTEXT_PREFIX", b""),
    (b"CONTEXT_DOCUMENT_ROOT", b"/srv/www"),
    (
        b"SCRIPT_FILENAME",
        b"proxy:fcgi://127.0.0.1:9000/srv/www/index.php",
    ),
    (b"REMOTE_PORT", b"45678"),
    (b"GATEWAY_INTERFACE", b"CGI/1.1"),
    (b"SERVER_PROTOCOL", b"HTTP/1.1"),
    (b"REQUEST_METHOD", b"GET"),
    (b"QUERY_STRING", b"x=1"),
    (b"REQUEST_URI", b"/index.php/extra/path?x=1"),
    (b"SCRIPT_NAME", b"/index.php"),
    (b"PATH_INFO", b"/extra/path"),
    (b"PATH_TRANSLATED", b"/srv/www/extra/path"),
];

/// Params as nginx 1.22 sends them: empty values, duplicate names kept in order.
const NGINX_PARAMS: &[(&[u8], &[u8])] = &[
    (b"QUERY_STRING", b""),
    (b"REQUEST_METHOD", b"POST"),
    (b"CONTENT_TYPE", b"application/octet-stream"),
    (b"CONTENT_LENGTH", b"40000"),
    (b"SCRIPT_NAME", b"/post.php"),
    (b"REQUEST_URI", b"/post.php"),
    (b"DOCUMENT_URI", b"/post.php"),
    (b"DOCUMENT_ROOT", b"/srv/www"),
    (b"SERVER_PROTOCOL", b"HTTP/1.1"),
    (b"REQUEST_SCHEME", b"http"),
    (b"GATEWAY_INTERFACE", b"CGI/1.1"),
    (b"SERVER_SOFTWARE", b"nginx/1.22.1"),
    (b"REMOTE_ADDR", b"127.0.0.1"),
    (b"REMOTE_PORT", b"45679"),
    (b"REMOTE_USER", b""),
    (b"SERVER_ADDR", b"127.0.0.1"),
    (b"SERVER_PORT", b"18081"),
    (b"SERVER_NAME", b"localhost"),
    (b"REDIRECT_STATUS", b"200"),
    (b"SCRIPT_FILENAME", b"/srv/www/post.php"),
    (b"PATH_INFO", b""),
    (b"HTTP_HOST", b"127.0.0.1:18081"),
    (b"HTTP_COOKIE", b"c1=1"),
    (b"HTTP_COOKIE", b"c2=2"),
    (b"HTTP_X_EMPTY", b""),
    (b"HTTP_CONTENT_TYPE", b"application/octet-stream"),
    (b"HTTP_CONTENT_LENGTH", b"40000"),
];

/// The events of one complete request whose body arrives in `chunks`.
fn request_events(
    id: u16,
    keep_conn: bool,
    params: &[(&[u8], &[u8])],
    body: &[u8],
    chunk: usize,
) -> Vec<Event> {
    let mut events = vec![Event::Request {
        request_id: id,
        keep_conn,
        params: owned(params),
    }];
    events.extend(body.chunks(chunk).map(|c| Event::Stdin {
        request_id: id,
        data: c.to_vec(),
    }));
    events.push(Event::StdinEnd { request_id: id });
    events
}

/// A request framed by `style`.
fn styled(
    style: RequestStyle,
    id: u16,
    keep_conn: bool,
    params: &[(&[u8], &[u8])],
    body: &[u8],
) -> Vec<u8> {
    let mut wire = Vec::new();
    encode_request_styled(&style, id, keep_conn, params, body, &mut wire);
    wire
}

/// The front-end fixtures: (name, wire bytes, expected events).
fn front_end_fixtures() -> Vec<(&'static str, Vec<u8>, Vec<Event>)> {
    let post_body: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
    let big_value = vec![b'v'; 64 * 1024];
    let big_params: &[(&[u8], &[u8])] = &[
        (b"SCRIPT_FILENAME", b"/srv/www/index.php"),
        (b"HTTP_X_BIG", &big_value),
        (b"REQUEST_METHOD", b"GET"),
    ];
    let mid_value = vec![b'm'; 8 * 1024];
    let mid_params: &[(&[u8], &[u8])] = &[(b"HTTP_X_MID", &mid_value), (b"E", b"")];
    let tiny = RequestStyle {
        pad: false,
        params_chunk: 1,
        stdin_chunk: 1,
    };
    let tiny_padded = RequestStyle { pad: true, ..tiny };
    let small_params = RequestStyle {
        params_chunk: 1000,
        ..RequestStyle::NGINX
    };
    vec![
        (
            "apache GET, no keep-alive",
            styled(RequestStyle::APACHE, 1, false, APACHE_PARAMS, b""),
            request_events(1, false, APACHE_PARAMS, b"", 1),
        ),
        (
            "apache POST in 8192-byte STDIN records, enablereuse",
            styled(
                RequestStyle::APACHE,
                1,
                true,
                APACHE_PARAMS,
                &post_body[..20_000],
            ),
            request_events(1, true, APACHE_PARAMS, &post_body[..20_000], 8192),
        ),
        (
            "nginx POST padded, 32768-byte STDIN records",
            styled(RequestStyle::NGINX, 1, true, NGINX_PARAMS, &post_body),
            request_events(1, true, NGINX_PARAMS, &post_body, 32768),
        ),
        (
            "64 KiB param value across two PARAMS records",
            styled(RequestStyle::APACHE, 1, false, big_params, b"x"),
            request_events(1, false, big_params, b"x", 8192),
        ),
        (
            "8 KiB params in 1000-byte padded records",
            styled(small_params, 1, false, mid_params, b""),
            request_events(1, false, mid_params, b"", 1),
        ),
        (
            "1-byte records",
            styled(tiny, 1, true, NGINX_PARAMS, b"hello"),
            request_events(1, true, NGINX_PARAMS, b"hello", 1),
        ),
        (
            "1-byte padded records",
            styled(tiny_padded, 7, false, &[(b"A", b"")], b"hi"),
            request_events(7, false, &[(b"A", b"")], b"hi", 1),
        ),
        (
            "no params at all",
            styled(RequestStyle::PLAIN, 65535, false, &[], b""),
            request_events(65535, false, &[], b"", 1),
        ),
    ]
}

/// Checks the fixtures whose name passes `select`.
fn check_fixtures(select: impl Fn(&str) -> bool) {
    for (name, wire, expected) in front_end_fixtures() {
        if !select(name) {
            continue;
        }
        let (events, result) = decode_every_way(Limits::default(), &wire);
        assert_eq!(result, Ok(()), "{name}");
        assert_eq!(events, expected, "{name}");
    }
}

#[test]
fn front_end_fixtures_decode_to_the_same_events_however_split() {
    check_fixtures(|name| !name.starts_with("64 KiB"));
}

// A test of its own so that it runs in parallel with the others: splitting 64 KiB at
// every offset is the slowest check here.
#[test]
fn params_over_64_kib_decode_to_the_same_events_however_split() {
    check_fixtures(|name| name.starts_with("64 KiB"));
}

/// The reply the codec must produce, decoded as a client would see it.
fn client_events(reply: &[u8]) -> Vec<ClientEvent> {
    let mut events = Vec::new();
    ClientConn::new()
        .feed(reply, &mut events)
        .expect("codec replies must be valid fastcgi");
    events
}

/// The bytes of every `Event::Reply` in `events`, decoded as a client would.
fn replies(events: &[Event]) -> Vec<ClientEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Reply(bytes) => Some(client_events(bytes)),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn get_values_reports_limits_and_no_multiplexing() {
    let mut wire = Vec::new();
    encode_get_values(
        &[
            b"FCGI_MAX_CONNS",
            b"FCGI_NOT_A_VARIABLE",
            b"FCGI_MAX_REQS",
            b"FCGI_MPXS_CONNS",
        ],
        &mut wire,
    );
    let limits = Limits {
        max_conns: 10,
        max_reqs: 2,
        ..Limits::default()
    };
    let (events, result) = decode_every_way(limits, &wire);
    assert_eq!(result, Ok(()));
    assert_eq!(events.len(), 1);
    assert_eq!(
        replies(&events),
        [ClientEvent::Values(vec![
            (b"FCGI_MAX_CONNS".to_vec(), b"10".to_vec()),
            (b"FCGI_MAX_REQS".to_vec(), b"2".to_vec()),
            (b"FCGI_MPXS_CONNS".to_vec(), b"0".to_vec()),
        ])]
    );
}

#[test]
fn unknown_management_records_get_unknown_type() {
    for record_type in [0u8, 1, 2, 4, 5, 6, 11, 12, 42, 255] {
        let mut wire = Vec::new();
        encode_record(RecordType::Stdin, 0, b"12345678", 0, &mut wire);
        wire[1] = record_type;
        let (events, result) = decode_every_way(Limits::default(), &wire);
        assert_eq!(result, Ok(()), "type {record_type}");
        assert_eq!(
            replies(&events),
            [ClientEvent::UnknownType(record_type)],
            "type {record_type}"
        );
    }
}

#[test]
fn refused_roles_and_second_requests_are_answered_and_their_records_dropped() {
    let params: &[(&[u8], &[u8])] = &[(b"SCRIPT_FILENAME", b"/srv/www/a.php")];
    let mut wire = Vec::new();
    // A Filter request: refused with UNKNOWN_ROLE, its records dropped.
    encode_begin_request_role(1, 3, false, &mut wire);
    encode_stream(RecordType::Params, 1, b"\x01\x01ab", 100, false, &mut wire);
    encode_record(RecordType::Params, 1, b"", 0, &mut wire);
    encode_record(RecordType::Data, 1, b"data", 0, &mut wire);
    encode_record(RecordType::Stdin, 1, b"", 0, &mut wire);
    // A Responder request on id 1 is then accepted.
    encode_begin_request(1, true, &mut wire);
    // While it runs, a request with id 2 is refused with CANT_MPX_CONN.
    encode_begin_request(2, true, &mut wire);
    let mut pairs = Vec::new();
    encode_pairs(params, &mut pairs);
    encode_record(RecordType::Params, 1, &pairs, 0, &mut wire);
    encode_record(RecordType::Params, 2, &pairs, 0, &mut wire);
    encode_record(RecordType::Params, 1, b"", 0, &mut wire);
    encode_record(RecordType::Params, 2, b"", 0, &mut wire);
    encode_record(RecordType::Stdin, 2, b"body2", 0, &mut wire);
    encode_record(RecordType::Stdin, 1, b"body1", 0, &mut wire);
    encode_abort_request(2, &mut wire);
    encode_record(RecordType::Stdin, 1, b"", 0, &mut wire);

    let (events, result) = decode_every_way(Limits::default(), &wire);
    assert_eq!(result, Ok(()));
    let mut unknown_role = Vec::new();
    encode_end_request(1, 0, ProtocolStatus::UnknownRole, &mut unknown_role);
    let mut cant_mpx = Vec::new();
    encode_end_request(2, 0, ProtocolStatus::CantMpxConn, &mut cant_mpx);
    assert_eq!(
        events,
        [
            Event::Reply(unknown_role),
            Event::Reply(cant_mpx),
            Event::Request {
                request_id: 1,
                keep_conn: true,
                params: owned(params),
            },
            Event::Stdin {
                request_id: 1,
                data: b"body1".to_vec(),
            },
            Event::StdinEnd { request_id: 1 },
        ]
    );
}

/// A scripted connection: feed these bytes, or call `request_done`.
enum Step {
    /// `ServerConn::feed` with these bytes.
    Feed(Vec<u8>),
    /// `ServerConn::request_done`.
    Done,
}

/// Runs `steps`, returning the events of each feed and the first error.
fn run_steps(steps: &[Step]) -> (Vec<Vec<Event>>, Result<(), ProtocolError>) {
    let mut conn = ServerConn::new(Limits::default());
    let mut all = Vec::new();
    for step in steps {
        match step {
            Step::Feed(bytes) => {
                let mut events = Vec::new();
                let result = conn.feed(bytes, &mut events);
                all.push(events);
                if result.is_err() {
                    return (all, result);
                }
            }
            Step::Done => conn.request_done(),
        }
    }
    (all, Ok(()))
}

#[test]
fn kept_connections_serve_one_request_after_another() {
    let params: &[(&[u8], &[u8])] = &[(b"REQUEST_METHOD", b"GET")];
    let first = styled(RequestStyle::NGINX, 1, true, params, b"");
    let second = styled(RequestStyle::NGINX, 1, false, params, b"abc");
    let (events, result) = run_steps(&[
        Step::Feed(first.clone()),
        Step::Done,
        Step::Feed(second.clone()),
        Step::Done,
    ]);
    assert_eq!(result, Ok(()));
    assert_eq!(
        events,
        [
            request_events(1, true, params, b"", 1),
            request_events(1, false, params, b"abc", 3),
        ]
    );

    // Without `request_done` the second BEGIN_REQUEST for the same id is a protocol error.
    let (_, result) = run_steps(&[Step::Feed(first.clone()), Step::Feed(second.clone())]);
    assert!(matches!(
        result,
        Err(ProtocolError::UnexpectedRecord {
            record_type: 1,
            request_id: 1,
            ..
        })
    ));

    // A request answered before its body ended: the rest of the body is dropped, and the
    // next request is served.
    let mut partial = Vec::new();
    encode_begin_request(1, true, &mut partial);
    encode_record(RecordType::Params, 1, b"", 0, &mut partial);
    encode_record(RecordType::Stdin, 1, b"part1", 0, &mut partial);
    let mut rest = Vec::new();
    encode_record(RecordType::Stdin, 1, b"part2", 0, &mut rest);
    encode_record(RecordType::Stdin, 1, b"", 0, &mut rest);
    rest.extend_from_slice(&second);
    let (events, result) = run_steps(&[Step::Feed(partial), Step::Done, Step::Feed(rest)]);
    assert_eq!(result, Ok(()));
    assert_eq!(events[1], request_events(1, false, params, b"abc", 3));

    // `request_done` with nothing running is harmless.
    let (_, result) = run_steps(&[Step::Done, Step::Feed(first)]);
    assert_eq!(result, Ok(()));
}

#[test]
fn abort_reaches_the_running_request() {
    let mut wire = styled(RequestStyle::APACHE, 1, true, &[], b"");
    wire.truncate(wire.len() - HEADER_LEN); // drop the empty STDIN record
    encode_abort_request(1, &mut wire);
    let (events, result) = decode_every_way(Limits::default(), &wire);
    assert_eq!(result, Ok(()));
    assert_eq!(events.last(), Some(&Event::Abort { request_id: 1 }));

    // An abort before the params ended also reaches the server.
    let mut early = Vec::new();
    encode_begin_request(3, false, &mut early);
    encode_abort_request(3, &mut early);
    let (events, result) = decode_every_way(Limits::default(), &early);
    assert_eq!(result, Ok(()));
    assert_eq!(events, [Event::Abort { request_id: 3 }]);
}

/// A BEGIN_REQUEST for id 1 followed by `rest`.
fn begun(rest: &[u8]) -> Vec<u8> {
    let mut wire = Vec::new();
    encode_begin_request(1, false, &mut wire);
    wire.extend_from_slice(rest);
    wire
}

/// One record of type `t` for request `id`.
fn rec(t: RecordType, id: u16, content: &[u8]) -> Vec<u8> {
    let mut wire = Vec::new();
    encode_record(t, id, content, 0, &mut wire);
    wire
}

/// A running request whose params have ended.
fn params_done() -> Vec<u8> {
    begun(&rec(RecordType::Params, 1, b""))
}

#[test]
fn malformed_input_is_a_typed_error() {
    let unexpected = |record_type, request_id, reason| ProtocolError::UnexpectedRecord {
        record_type,
        request_id,
        reason,
    };
    let stdin_done = [params_done(), rec(RecordType::Stdin, 1, b"")].concat();
    let mut odd_type = rec(RecordType::Stdin, 1, b"");
    odd_type[1] = 42;
    let mut begin_9 = rec(RecordType::BeginRequest, 1, &[0, 1, 0, 0, 0, 0, 0, 0, 0]);
    begin_9.truncate(HEADER_LEN); // the header alone must be enough to refuse it
    let cases: Vec<(&str, Vec<u8>, ProtocolError)> = vec![
        (
            "version 0",
            b"\x00\x01\x00\x01\x00\x08\x00\x00".to_vec(),
            ProtocolError::BadVersion(0),
        ),
        (
            "version 2",
            b"\x02\x09\x00\x00\x00\x00\x00\x00".to_vec(),
            ProtocolError::BadVersion(2),
        ),
        (
            "http instead of fastcgi",
            b"GET / HTTP/1.1\r\n\r\n".to_vec(),
            ProtocolError::BadVersion(b'G'),
        ),
        (
            "begin_request of 9 bytes",
            begin_9,
            ProtocolError::BadBeginBody { len: 9 },
        ),
        (
            "begin_request of 0 bytes",
            rec(RecordType::BeginRequest, 1, b""),
            ProtocolError::BadBeginBody { len: 0 },
        ),
        (
            "truncated pair length",
            begun(
                &[
                    rec(RecordType::Params, 1, b"\x01"),
                    rec(RecordType::Params, 1, b""),
                ]
                .concat(),
            ),
            ProtocolError::MalformedPairs {
                reason: "truncated length",
            },
        ),
        (
            "truncated 4-byte pair length",
            begun(
                &[
                    rec(RecordType::Params, 1, b"\x01\x80\x00"),
                    rec(RecordType::Params, 1, b""),
                ]
                .concat(),
            ),
            ProtocolError::MalformedPairs {
                reason: "truncated 4-byte length",
            },
        ),
        (
            "pair value past the end",
            begun(
                &[
                    rec(RecordType::Params, 1, b"\x01\x7fab"),
                    rec(RecordType::Params, 1, b""),
                ]
                .concat(),
            ),
            ProtocolError::MalformedPairs {
                reason: "value runs past the end",
            },
        ),
        (
            "impossible 2 GiB name",
            begun(
                &[
                    rec(RecordType::Params, 1, b"\xff\xff\xff\xff\x00ab"),
                    rec(RecordType::Params, 1, b""),
                ]
                .concat(),
            ),
            ProtocolError::MalformedPairs {
                reason: "name runs past the end",
            },
        ),
        (
            "malformed get_values",
            rec(RecordType::GetValues, 0, b"\x05\x00ab"),
            ProtocolError::MalformedPairs {
                reason: "name runs past the end",
            },
        ),
        (
            "stdin for a request never begun",
            rec(RecordType::Stdin, 1, b"x"),
            ProtocolError::InactiveRequest {
                record_type: 5,
                request_id: 1,
            },
        ),
        (
            "params for a request never begun",
            rec(RecordType::Params, 1, b""),
            ProtocolError::InactiveRequest {
                record_type: 4,
                request_id: 1,
            },
        ),
        (
            "params for another id while one runs",
            begun(&rec(RecordType::Params, 2, b"")),
            ProtocolError::InactiveRequest {
                record_type: 4,
                request_id: 2,
            },
        ),
        (
            "abort for a request never begun",
            rec(RecordType::AbortRequest, 9, b""),
            ProtocolError::InactiveRequest {
                record_type: 2,
                request_id: 9,
            },
        ),
        (
            "data for a request never begun",
            rec(RecordType::Data, 9, b""),
            ProtocolError::InactiveRequest {
                record_type: 8,
                request_id: 9,
            },
        ),
        (
            "stdin before the params ended",
            begun(&rec(RecordType::Stdin, 1, b"x")),
            unexpected(5, 1, "stdin before the params stream ended"),
        ),
        (
            "params after the params ended",
            [params_done(), rec(RecordType::Params, 1, b"\x01\x01ab")].concat(),
            unexpected(4, 1, "params after the params stream ended"),
        ),
        (
            "stdin after the end of stdin",
            [stdin_done.clone(), rec(RecordType::Stdin, 1, b"x")].concat(),
            unexpected(5, 1, "stdin after the end of stdin"),
        ),
        (
            "second begin_request for the running id",
            [stdin_done, begun(b"")].concat(),
            unexpected(1, 1, "begin_request for a request that is running"),
        ),
        (
            "data stream for a responder",
            [params_done(), rec(RecordType::Data, 1, b"x")].concat(),
            unexpected(8, 1, "data stream is only for the filter role"),
        ),
        (
            "unknown type with a request id",
            odd_type,
            unexpected(42, 1, "unknown record type"),
        ),
        (
            "get_values with a request id",
            rec(RecordType::GetValues, 1, b""),
            unexpected(9, 1, "management record with a request id"),
        ),
        (
            "stdout sent to the application",
            rec(RecordType::Stdout, 1, b"x"),
            unexpected(6, 1, "record type only an application sends"),
        ),
        (
            "end_request sent to the application",
            rec(RecordType::EndRequest, 1, &[0; 8]),
            unexpected(3, 1, "record type only an application sends"),
        ),
    ];
    for (name, wire, expected) in cases {
        let (_, result) = decode_every_way(Limits::default(), &wire);
        assert_eq!(result, Err(expected), "{name}");
    }
}

#[test]
fn params_over_the_limit_are_refused_from_the_record_header() {
    let limits = Limits {
        max_params_bytes: 1000,
        ..Limits::default()
    };
    let too_large = ProtocolError::ParamsTooLarge { limit: 1000 };
    // Exactly at the limit is fine (1 + 4 length bytes, 4 of name, the value).
    let value = vec![b'v'; 1000 - 9];
    let at_limit: &[(&[u8], &[u8])] = &[(b"NAME", &value)];
    let wire = styled(RequestStyle::PLAIN, 1, false, at_limit, b"");
    assert_eq!(decode_every_way(limits, &wire).1, Ok(()));
    // One byte more, split over records, is not.
    let value = vec![b'v'; 1000 - 8];
    let over: &[(&[u8], &[u8])] = &[(b"NAME", &value)];
    let small = RequestStyle {
        params_chunk: 300,
        ..RequestStyle::NGINX
    };
    let wire = styled(small, 1, false, over, b"");
    assert_eq!(decode_every_way(limits, &wire).1, Err(too_large.clone()));
    // The header of the offending record is enough: its content is never awaited.
    let mut header_only = begun(b"");
    encode_record(RecordType::Params, 1, &[0; 1001], 0, &mut header_only);
    header_only.truncate(2 * HEADER_LEN + 8);
    assert_eq!(feed_chunks(limits, &[&header_only]).1, Err(too_large));
}

#[test]
fn a_10_mb_params_block_is_refused_early() {
    let limits = Limits::default();
    let value = vec![b'x'; 10 << 20];
    let mut wire = Vec::new();
    encode_request(1, false, &[(b"HUGE", &value)], b"", &mut wire);
    let mut conn = ServerConn::new(limits);
    let mut events = Vec::new();
    let mut fed = 0;
    let result = loop {
        let chunk = &wire[fed..(fed + 4096).min(wire.len())];
        fed += chunk.len();
        if let Err(err) = conn.feed(chunk, &mut events) {
            break Err(err);
        }
        if fed == wire.len() {
            break Ok(());
        }
    };
    assert_eq!(
        result,
        Err(ProtocolError::ParamsTooLarge {
            limit: limits.max_params_bytes
        })
    );
    assert!(events.is_empty());
    // Refused within one record past the limit, not after reading 10 MB.
    assert!(fed <= limits.max_params_bytes + 2 * (HEADER_LEN + MAX_CONTENT_LEN));
}

#[test]
fn response_records_carry_the_data_in_order() {
    let data: Vec<u8> = (0..150_000u32).map(|i| (i % 253) as u8).collect();
    let mut wire = Vec::new();
    encode_stdout(5, &data, &mut wire);
    encode_stdout(5, b"", &mut wire);
    encode_end_request(5, 0, ProtocolStatus::RequestComplete, &mut wire);
    let events = client_events(&wire);
    assert_eq!(
        events.len(),
        5,
        "three data records, the end of stdout, end_request"
    );
    let mut response = Response::default();
    for event in events {
        response.add(5, event);
    }
    assert_eq!(response.stdout, data);
    assert!(response.stdout_ended);
    assert_eq!(response.end, Some((0, ProtocolStatus::RequestComplete)));
}
