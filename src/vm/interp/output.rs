//! Program output: the `ob_*` buffer stack over a sink, and the PHP-format rendering of
//! diagnostics (`\nWarning: msg in file on line N\n`).

use std::io::Write;

/// One `ob_start()` level.
pub struct OutputBuffer {
    pub data: Vec<u8>,
    /// The callback given to `ob_start`, if any (called on flush/clean/end).
    pub callback: Option<super::super::value::Value>,
    pub chunk_size: usize,
    /// The callback has run once (later calls lack `PHP_OUTPUT_HANDLER_START`).
    pub started: bool,
}

/// Where output goes: a stack of buffers over the final sink.
pub struct Output {
    pub buffers: Vec<OutputBuffer>,
    sink: Box<dyn Write>,
    /// Bytes written to the sink so far (headers_sent, CLI doesn't care).
    pub written: u64,
}

impl Output {
    /// Output to `sink` with no buffers.
    pub fn new(sink: Box<dyn Write>) -> Output {
        Output {
            buffers: Vec::new(),
            sink,
            written: 0,
        }
    }

    /// Writes program output to the innermost buffer or the sink.
    pub fn write(&mut self, bytes: &[u8]) {
        match self.buffers.last_mut() {
            Some(buf) => buf.data.extend_from_slice(bytes),
            None => self.write_sink(bytes),
        }
    }

    /// Writes past all buffers (used when flushing the outermost buffer).
    pub fn write_sink(&mut self, bytes: &[u8]) {
        // A closed stdout (EPIPE) must not crash the engine: output is simply lost, as PHP
        // does.
        let _ = self.sink.write_all(bytes);
        self.written += bytes.len() as u64;
    }

    /// Flushes the sink.
    pub fn flush(&mut self) {
        let _ = self.sink.flush();
    }
}
