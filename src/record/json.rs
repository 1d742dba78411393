//! The recording file's JSON, written by hand into a reused buffer: byte for byte what
//! `serde_json::to_vec_pretty` makes of a `Recording` (the test below holds it to that),
//! without building the `Recording` first. The recorder writes one file per request, so
//! this is on the hot path of recording: no intermediate strings, no per-field
//! allocation, hex and base64 straight into the output.

use std::io::Write as _;

use base64::Engine as _;

use super::{Capture, RECORDING_FORMAT};

/// What a recording file holds, borrowed from wherever it lives.
pub struct View<'a> {
    pub arrival: &'a dyn std::fmt::Display,
    pub method: &'a [u8],
    pub uri: &'a [u8],
    pub script: &'a [u8],
    pub params: &'a mut dyn Iterator<Item = (&'a [u8], &'a [u8])>,
    pub body: Body<'a>,
    pub body_truncated: bool,
    pub status: u16,
    pub headers: &'a mut dyn Iterator<Item = &'a [u8]>,
    pub body_sha256: Digest<'a>,
    pub body_bytes: u64,
    pub response_body: Option<&'a [u8]>,
    pub fatal: bool,
    pub duration_us: u64,
}

/// The request body: raw (encoded here) or already base64.
pub enum Body<'a> {
    Raw(&'a [u8]),
    Base64(&'a str),
}

/// The response body's digest: raw (written as hex here) or already hex.
pub enum Digest<'a> {
    Raw(&'a [u8]),
    Hex(&'a str),
}

/// Appends the recording's pretty JSON (and a final newline) to `out`.
pub fn write(out: &mut Vec<u8>, v: View<'_>) {
    let _ = write!(
        out,
        "{{\n  \"format\": {RECORDING_FORMAT},\n  \"arrival\": \"{}\",\n  \"method\": ",
        v.arrival
    );
    text(out, v.method);
    out.extend_from_slice(b",\n  \"uri\": ");
    text(out, v.uri);
    out.extend_from_slice(b",\n  \"script\": ");
    text(out, v.script);
    out.extend_from_slice(b",\n  \"params\": [");
    let mut any = false;
    for (k, val) in v.params {
        out.extend_from_slice(if any { b",\n    [\n" } else { b"\n    [\n" });
        any = true;
        bytes(out, k, 6, true);
        out.extend_from_slice(b",\n");
        bytes(out, val, 6, true);
        out.extend_from_slice(b"\n    ]");
    }
    if any {
        out.extend_from_slice(b"\n  ");
    }
    out.extend_from_slice(b"],\n  \"body_base64\": \"");
    match v.body {
        Body::Raw(raw) => base64(out, raw),
        Body::Base64(s) => out.extend_from_slice(s.as_bytes()),
    }
    out.extend_from_slice(b"\",\n");
    if v.body_truncated {
        out.extend_from_slice(b"  \"body_truncated\": true,\n");
    }
    let _ = write!(
        out,
        "  \"response\": {{\n    \"status\": {},\n    \"headers\": [",
        v.status
    );
    let mut any = false;
    for h in v.headers {
        out.extend_from_slice(if any { b",\n" } else { b"\n" });
        any = true;
        bytes(out, h, 6, true);
    }
    if any {
        out.extend_from_slice(b"\n    ");
    }
    out.extend_from_slice(b"],\n    \"body_sha256\": \"");
    match v.body_sha256 {
        Digest::Raw(raw) => hex(out, raw),
        Digest::Hex(s) => out.extend_from_slice(s.as_bytes()),
    }
    let _ = write!(out, "\",\n    \"body_bytes\": {},\n", v.body_bytes);
    if let Some(body) = v.response_body {
        out.extend_from_slice(b"    \"body\": ");
        bytes(out, body, 4, false);
        out.extend_from_slice(b",\n");
    }
    let _ = writeln!(
        out,
        "    \"fatal\": {},\n    \"duration_us\": {}\n  }}\n}}",
        v.fatal, v.duration_us
    );
}

/// The recording of a finished request, from what the tee captured (the recorder's path).
pub fn write_capture(out: &mut Vec<u8>, c: &Capture, digest: &[u8]) {
    let Capture {
        arrival,
        params,
        body,
        captured,
        body_limit,
        fatal,
        duration,
    } = c;
    let text = |name: &[u8]| {
        super::param(
            params.iter().map(|(k, v)| (k.as_slice(), v.as_slice())),
            name,
        )
        .unwrap_or_default()
    };
    let body_complete = captured.body_bytes <= *body_limit as u64;
    write(
        out,
        View {
            arrival,
            method: text(b"REQUEST_METHOD"),
            uri: text(b"REQUEST_URI"),
            script: text(b"SCRIPT_FILENAME"),
            params: &mut params.iter().map(|(k, v)| (k.as_slice(), v.as_slice())),
            body: Body::Raw(&body.bytes),
            body_truncated: body.truncated,
            status: captured.status,
            headers: &mut captured.headers.iter().map(Vec::as_slice),
            body_sha256: Digest::Raw(digest),
            body_bytes: captured.body_bytes,
            response_body: body_complete.then_some(captured.body.as_slice()),
            fatal: *fatal,
            duration_us: u64::try_from(duration.as_micros()).unwrap_or(u64::MAX),
        },
    );
}

/// A summary field (`method`, `uri`, `script`): a JSON string, invalid UTF-8 replaced as
/// `String::from_utf8_lossy` does.
fn text(out: &mut Vec<u8>, b: &[u8]) {
    string(out, &String::from_utf8_lossy(b));
}

/// A `Bytes` value at nesting `indent` (indented itself when it is an array element,
/// `pad_first`): a JSON string when UTF-8, else `{"base64": ...}` laid out as
/// serde_json's pretty printer does.
fn bytes(out: &mut Vec<u8>, b: &[u8], indent: usize, pad_first: bool) {
    let pad = |out: &mut Vec<u8>, n: usize| out.extend(std::iter::repeat_n(b' ', n));
    if pad_first {
        pad(out, indent);
    }
    match std::str::from_utf8(b) {
        Ok(s) => string(out, s),
        Err(_) => {
            out.extend_from_slice(b"{\n");
            pad(out, indent + 2);
            out.extend_from_slice(b"\"base64\": \"");
            base64(out, b);
            out.extend_from_slice(b"\"\n");
            pad(out, indent);
            out.push(b'}');
        }
    }
}

/// A JSON string with serde_json's escapes.
fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let b = s.as_bytes();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&b[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 15)]);
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

fn base64(out: &mut Vec<u8>, raw: &[u8]) {
    let at = out.len();
    out.resize(at + base64::encoded_len(raw.len(), true).unwrap_or(0), 0);
    let n = base64::engine::general_purpose::STANDARD
        .encode_slice(raw, &mut out[at..])
        .unwrap_or(0);
    out.truncate(at + n);
}

/// Lowercase hex.
pub fn hex(out: &mut Vec<u8>, raw: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in raw {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Bytes, RecordedResponse, Recording};

    fn sample(odd: bool) -> Recording {
        let b = |s: &[u8]| Bytes(s.to_vec());
        Recording {
            format: super::RECORDING_FORMAT,
            arrival: "2026-11-28T03:20:01.515452909Z".into(),
            method: "GET".into(),
            uri: "/a\"b\\c?\u{1}\t\u{7f}é".into(),
            script: "/x.php".into(),
            params: if odd {
                vec![
                    (b(b"QUERY_STRING"), b(b"a=1&b=\n")),
                    (b(b"HTTP_X"), b(&[0xff, 0xfe, b'a'])),
                ]
            } else {
                Vec::new()
            },
            body_base64: if odd { "AP8=".into() } else { String::new() },
            body_truncated: odd,
            response: RecordedResponse {
                status: 500,
                headers: if odd {
                    vec![b(b"Content-type: text/html"), b(&[b'X', b':', 0x80])]
                } else {
                    Vec::new()
                },
                body_sha256: "ab".repeat(32),
                body_bytes: 3,
                body: odd.then(|| b(&[0xc3, 0x28, b'\r'])),
                fatal: odd,
                duration_us: 17,
            },
        }
    }

    #[test]
    fn a_capture_is_written_as_its_recording() {
        use sha2::Digest as _;
        let mut captured = super::super::Captured {
            status: 200,
            headers: vec![b"Content-type: text/html".to_vec()],
            body: b"hello".to_vec(),
            body_bytes: 5,
            ..Default::default()
        };
        captured.sha256.update(b"hello");
        let mut c = super::super::Capture {
            arrival: jiff::Timestamp::from_second(1_800_000_000).expect("time"),
            params: vec![
                (b"REQUEST_METHOD".to_vec(), b"POST".to_vec()),
                (b"REQUEST_URI".to_vec(), b"/p.php?x".to_vec()),
                (b"SCRIPT_FILENAME".to_vec(), b"/w/p.php".to_vec()),
                (b"REQUEST_URI".to_vec(), Vec::new()),
            ],
            body: super::super::BodyCopy {
                bytes: vec![0, 1, 2],
                truncated: false,
            },
            captured,
            body_limit: 4,
            fatal: false,
            duration: std::time::Duration::from_micros(42),
        };
        let mut out = Vec::new();
        c.write_json(&mut out);
        let r: Recording = serde_json::from_slice(&out).expect("a recording");
        assert_eq!(
            (r.method.as_str(), r.uri.as_str(), r.script.as_str()),
            ("POST", "/p.php?x", "/w/p.php")
        );
        assert_eq!(r.arrival, "2027-01-15T08:00:00Z");
        assert_eq!(r.body().expect("base64"), vec![0, 1, 2]);
        assert_eq!(r.params.len(), 4);
        assert_eq!(r.response.body, None, "5 bytes are over the limit of 4");
        assert_eq!(
            r.response.body_sha256,
            super::super::hex(&sha2::Sha256::digest(b"hello"))
        );
        assert_eq!(r.response.duration_us, 42);
        assert_eq!(out, r.to_json());
    }

    #[test]
    fn the_hand_written_json_is_serde_jsons_pretty_output() {
        for odd in [false, true] {
            let r = sample(odd);
            let mut expected = serde_json::to_vec_pretty(&r).expect("json");
            expected.push(b'\n');
            let got = r.to_json();
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&expected)
            );
            assert_eq!(got, expected);
        }
    }
}
