//! Request recordings: one JSON file per request (its FastCGI params and body, and the
//! response it got), the tee that captures both while a request runs, and the comparison
//! of a replayed response with a recorded one. The recorder actor that writes the files is
//! `crate::actors::recorder`; `replay` is `rhvm replay`.
//!
//! A recording is self-contained: replaying it needs no network and no other file, only
//! the scripts it names. Byte strings (params, response headers and body) are JSON strings
//! when they are UTF-8 and `{"base64": "..."}` otherwise, so recordings stay readable in
//! review without losing a byte; the request body is always base64.

pub mod json;
pub mod replay;

use std::io;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::vm::web::{ResponseWriter, SharedWriter};

/// The version of the file format; a reader refuses other versions.
pub const RECORDING_FORMAT: u32 = 1;

/// Header names whose values differ between two runs of the same request: left out of
/// comparisons. `Set-Cookie` keeps its cookie name and loses its value (see
/// [`comparable_headers`]).
pub const VOLATILE_HEADERS: &[&str] = &["date"];

/// A byte string, written as a JSON string when it is UTF-8 and as `{"base64": ...}`
/// otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum BytesRepr {
    Text(String),
    Base64 { base64: String },
}

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(&self.0) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => BytesRepr::Base64 {
                base64: base64::engine::general_purpose::STANDARD.encode(&self.0),
            }
            .serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match BytesRepr::deserialize(deserializer)? {
            BytesRepr::Text(text) => Ok(Bytes(text.into_bytes())),
            BytesRepr::Base64 { base64 } => base64::engine::general_purpose::STANDARD
                .decode(base64)
                .map(Bytes)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// One recorded request and its response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recording {
    /// [`RECORDING_FORMAT`].
    pub format: u32,
    /// When the request arrived (RFC 3339, UTC).
    pub arrival: String,
    /// `REQUEST_METHOD`, `REQUEST_URI` and `SCRIPT_FILENAME`, for people and summaries.
    pub method: String,
    pub uri: String,
    pub script: String,
    /// Every FastCGI param in arrival order.
    pub params: Vec<(Bytes, Bytes)>,
    /// The request body, base64.
    pub body_base64: String,
    /// The request body was longer than the recording limit and is cut (such a recording
    /// cannot be replayed exactly).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body_truncated: bool,
    pub response: RecordedResponse,
}

/// What the request got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedResponse {
    pub status: u16,
    /// `Name: value` lines as the engine sent them.
    pub headers: Vec<Bytes>,
    /// SHA-256 of the whole body, hex.
    pub body_sha256: String,
    pub body_bytes: u64,
    /// The body, when it fit the recording limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Bytes>,
    /// The request ended in a PHP fatal error (uncaught exception included).
    pub fatal: bool,
    /// How long the request ran, in microseconds.
    pub duration_us: u64,
}

impl Recording {
    /// The request body.
    ///
    /// # Errors
    ///
    /// The base64 text is malformed.
    pub fn body(&self) -> Result<Vec<u8>, base64::DecodeError> {
        base64::engine::general_purpose::STANDARD.decode(&self.body_base64)
    }

    /// The last non-empty value of a param.
    pub fn param(&self, name: &[u8]) -> Option<&[u8]> {
        param(
            self.params
                .iter()
                .map(|(k, v)| (k.0.as_slice(), v.0.as_slice())),
            name,
        )
    }

    /// Reads and checks one recording file.
    ///
    /// # Errors
    ///
    /// Unreadable, not JSON of this shape, or another format version.
    pub fn read(path: &std::path::Path) -> Result<Recording, String> {
        let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let recording: Recording = serde_json::from_slice(&text)
            .map_err(|e| format!("{}: not a recording: {e}", path.display()))?;
        if recording.format != RECORDING_FORMAT {
            return Err(format!(
                "{}: recording format {} (this build reads {RECORDING_FORMAT})",
                path.display(),
                recording.format
            ));
        }
        Ok(recording)
    }

    /// The file's JSON text (serde_json's pretty layout, written by `json::write`).
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4096);
        let r = &self.response;
        json::write(
            &mut out,
            json::View {
                arrival: &self.arrival,
                method: self.method.as_bytes(),
                uri: self.uri.as_bytes(),
                script: self.script.as_bytes(),
                params: &mut self
                    .params
                    .iter()
                    .map(|(k, v)| (k.0.as_slice(), v.0.as_slice())),
                body: json::Body::Base64(&self.body_base64),
                body_truncated: self.body_truncated,
                status: r.status,
                headers: &mut r.headers.iter().map(|h| h.0.as_slice()),
                body_sha256: json::Digest::Hex(&r.body_sha256),
                body_bytes: r.body_bytes,
                response_body: r.body.as_ref().map(|b| b.0.as_slice()),
                fatal: r.fatal,
                duration_us: r.duration_us,
            },
        );
        out
    }
}

/// The last non-empty value of `name` among CGI params.
pub fn param<'a>(
    params: impl DoubleEndedIterator<Item = (&'a [u8], &'a [u8])>,
    name: &[u8],
) -> Option<&'a [u8]> {
    params
        .rev()
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v)
}

/// A response as replay sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<Vec<u8>>,
    pub body: Vec<u8>,
    pub fatal: bool,
}

/// The response side of a capture, filled while the request runs.
#[derive(Debug, Default)]
pub struct Captured {
    pub status: u16,
    pub headers: Vec<Vec<u8>>,
    /// The body up to the limit.
    pub body: Vec<u8>,
    pub body_bytes: u64,
    pub sha256: Sha256,
}

/// A `ResponseWriter` that passes everything on and keeps a copy (the body up to
/// `body_limit` bytes, its digest always).
pub struct TeeWriter {
    pub inner: SharedWriter,
    pub captured: Captured,
    body_limit: usize,
}

impl TeeWriter {
    pub fn new(inner: SharedWriter, body_limit: usize) -> Self {
        TeeWriter {
            inner,
            captured: Captured::default(),
            body_limit,
        }
    }
}

impl ResponseWriter for TeeWriter {
    fn head(&mut self, status: u16, reason: &[u8], headers: &[Vec<u8>]) -> io::Result<()> {
        if self.captured.status == 0 {
            self.captured.status = status;
            self.captured.headers = headers.to_vec();
        }
        self.inner.borrow_mut().head(status, reason, headers)
    }

    fn body(&mut self, bytes: &[u8]) -> io::Result<()> {
        let c = &mut self.captured;
        c.body_bytes += bytes.len() as u64;
        c.sha256.update(bytes);
        let room = self.body_limit.saturating_sub(c.body.len());
        c.body.extend_from_slice(&bytes[..bytes.len().min(room)]);
        self.inner.borrow_mut().body(bytes)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.inner.borrow_mut().finish()
    }

    fn aborted(&self) -> bool {
        self.inner.borrow().aborted()
    }

    fn error_log(&mut self, line: &[u8]) {
        self.inner.borrow_mut().error_log(line)
    }
}

/// The request body as the script reads it, copied (up to a limit) for the recording.
/// When the script leaves part of the body unread, dropping the reader reads the rest, so
/// a recording always holds the whole body that arrived.
pub struct TeeBody {
    inner: Box<dyn io::Read>,
    copy: Arc<Mutex<BodyCopy>>,
    limit: usize,
}

/// The copied request body.
#[derive(Debug, Default)]
pub struct BodyCopy {
    pub bytes: Vec<u8>,
    pub truncated: bool,
}

impl TeeBody {
    pub fn new(inner: Box<dyn io::Read>, limit: usize) -> (TeeBody, Arc<Mutex<BodyCopy>>) {
        let copy = Arc::new(Mutex::new(BodyCopy::default()));
        (
            TeeBody {
                inner,
                copy: copy.clone(),
                limit,
            },
            copy,
        )
    }

    fn keep(&self, bytes: &[u8]) {
        if let Ok(mut copy) = self.copy.lock() {
            let room = self.limit.saturating_sub(copy.bytes.len());
            if bytes.len() > room {
                copy.truncated = true;
            }
            copy.bytes
                .extend_from_slice(&bytes[..bytes.len().min(room)]);
        }
    }
}

impl io::Read for TeeBody {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.keep(&buf[..n]);
        Ok(n)
    }
}

impl Drop for TeeBody {
    fn drop(&mut self) {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = self.inner.read(&mut buf) {
            if n == 0 {
                break;
            }
            self.keep(&buf[..n]);
        }
    }
}

/// A finished request as the tee captured it, before it is written: the recorder builds
/// the file's JSON from it directly (`json::write_capture`), off the request's thread.
pub struct Capture {
    pub arrival: jiff::Timestamp,
    pub params: Vec<(Vec<u8>, Vec<u8>)>,
    pub body: BodyCopy,
    pub captured: Captured,
    pub body_limit: usize,
    pub fatal: bool,
    pub duration: std::time::Duration,
}

impl Capture {
    /// Appends the recording file's JSON to `out`.
    pub fn write_json(&mut self, out: &mut Vec<u8>) {
        let digest = std::mem::take(&mut self.captured.sha256).finalize();
        json::write_capture(out, self, &digest);
    }
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(2 * bytes.len());
    json::hex(&mut out, bytes);
    String::from_utf8(out).unwrap_or_default()
}

/// The headers that take part in a comparison, in order: volatile ones left out
/// (`ignore` adds names, case-insensitive), `Set-Cookie` reduced to the cookie's name.
pub fn comparable_headers(headers: &[Vec<u8>], ignore: &[String]) -> Vec<Vec<u8>> {
    headers
        .iter()
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            let name = String::from_utf8_lossy(&line[..colon]).to_ascii_lowercase();
            if VOLATILE_HEADERS.contains(&name.as_str())
                || ignore.iter().any(|i| i.eq_ignore_ascii_case(&name))
            {
                return None;
            }
            if name == "set-cookie" {
                let value = &line[colon + 1..];
                let cookie = value
                    .iter()
                    .position(|&b| b == b'=')
                    .map_or(value, |eq| &value[..eq]);
                let mut masked = line[..colon + 1].to_vec();
                masked.extend_from_slice(cookie);
                masked.extend_from_slice(b"=<volatile>");
                return Some(masked);
            }
            Some(line.clone())
        })
        .collect()
}

/// The text a comparison diffs: status, comparable headers, a blank line, the body (or
/// its digest when the recording kept only that).
pub fn render(
    status: u16,
    headers: &[Vec<u8>],
    body: Result<&[u8], (&str, u64)>,
    ignore: &[String],
) -> String {
    let mut text = format!("Status: {status}\n");
    for line in comparable_headers(headers, ignore) {
        text.push_str(&String::from_utf8_lossy(&line));
        text.push('\n');
    }
    text.push('\n');
    match body {
        Ok(bytes) => text.push_str(&String::from_utf8_lossy(bytes)),
        Err((sha256, len)) => text.push_str(&format!("(body of {len} bytes, sha256 {sha256})\n")),
    }
    text
}

/// Compares a replayed response with the recording: `None` when they agree, else a
/// unified diff (recorded as `---`, replayed as `+++`).
pub fn compare(
    name: &str,
    recorded: &RecordedResponse,
    replayed: &Response,
    ignore: &[String],
) -> Option<String> {
    let recorded_headers: Vec<Vec<u8>> = recorded.headers.iter().map(|h| h.0.clone()).collect();
    let (left, right) = match &recorded.body {
        Some(body) => (
            render(recorded.status, &recorded_headers, Ok(&body.0), ignore),
            render(
                replayed.status,
                &replayed.headers,
                Ok(&replayed.body),
                ignore,
            ),
        ),
        None => {
            let digest = hex(&Sha256::digest(&replayed.body));
            (
                render(
                    recorded.status,
                    &recorded_headers,
                    Err((&recorded.body_sha256, recorded.body_bytes)),
                    ignore,
                ),
                render(
                    replayed.status,
                    &replayed.headers,
                    Err((&digest, replayed.body.len() as u64)),
                    ignore,
                ),
            )
        }
    };
    if left == right {
        return None;
    }
    let diff = similar::TextDiff::from_lines(&left, &right);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header(&format!("recorded {name}"), "replayed")
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_as_text_or_base64() {
        for bytes in [b"plain text".to_vec(), vec![0xff, 0x00, b'a']] {
            let json = serde_json::to_string(&Bytes(bytes.clone())).expect("json");
            let back: Bytes = serde_json::from_str(&json).expect("back");
            assert_eq!(back.0, bytes);
        }
        assert_eq!(
            serde_json::to_string(&Bytes(b"hi".to_vec())).expect("json"),
            "\"hi\""
        );
        assert_eq!(
            serde_json::to_string(&Bytes(vec![0xff])).expect("json"),
            "{\"base64\":\"/w==\"}"
        );
    }

    #[test]
    fn volatile_headers_do_not_count() {
        let a = vec![
            b"Date: Mon".to_vec(),
            b"Set-Cookie: sid=abc; path=/".to_vec(),
            b"X-A: 1".to_vec(),
        ];
        let b = vec![
            b"Date: Tue".to_vec(),
            b"Set-Cookie: sid=xyz; path=/".to_vec(),
            b"X-A: 1".to_vec(),
        ];
        assert_eq!(comparable_headers(&a, &[]), comparable_headers(&b, &[]));
        let c = vec![b"X-A: 2".to_vec()];
        assert_ne!(comparable_headers(&a, &[]), comparable_headers(&c, &[]));
        assert!(comparable_headers(&c, &["x-a".to_string()]).is_empty());
    }

    #[test]
    fn a_difference_is_a_unified_diff() {
        let recorded = RecordedResponse {
            status: 200,
            headers: vec![Bytes(b"Content-Type: text/plain".to_vec())],
            body_sha256: String::new(),
            body_bytes: 6,
            body: Some(Bytes(b"a\nb\nc\n".to_vec())),
            fatal: false,
            duration_us: 1,
        };
        let mut replayed = Response {
            status: 200,
            headers: vec![b"Content-Type: text/plain".to_vec()],
            body: b"a\nb\nc\n".to_vec(),
            fatal: false,
        };
        assert_eq!(compare("r.json", &recorded, &replayed, &[]), None);
        replayed.body = b"a\nB\nc\n".to_vec();
        let diff = compare("r.json", &recorded, &replayed, &[]).expect("differs");
        assert!(diff.contains("--- recorded r.json"), "{diff}");
        assert!(diff.contains("-b\n+B\n"), "{diff}");
    }

    #[test]
    fn digest_only_recordings_compare_by_digest() {
        let body = b"x".repeat(10);
        let recorded = RecordedResponse {
            status: 200,
            headers: vec![],
            body_sha256: hex(&Sha256::digest(&body)),
            body_bytes: 10,
            body: None,
            fatal: false,
            duration_us: 1,
        };
        let replayed = Response {
            status: 200,
            headers: vec![],
            body: body.clone(),
            fatal: false,
        };
        assert_eq!(compare("r", &recorded, &replayed, &[]), None);
        let other = Response {
            body: b"y".repeat(10),
            ..replayed
        };
        assert!(compare("r", &recorded, &other, &[]).is_some());
    }
}
