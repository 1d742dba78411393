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
    /// Set when the first byte reaches the sink, until the `Vm` records where that happened
    /// (`origin`): the "output started at FILE:LINE" of "headers already sent" warnings.
    pub origin_pending: bool,
    /// Where output first reached the sink.
    pub origin: Option<(super::super::value::PhpStr, u32)>,
}

impl Output {
    /// Output to `sink` with no buffers.
    pub fn new(sink: Box<dyn Write>) -> Output {
        Output {
            buffers: Vec::new(),
            sink,
            written: 0,
            origin_pending: false,
            origin: None,
        }
    }

    /// Writes program output to the innermost buffer or the sink.
    pub fn write(&mut self, bytes: &[u8]) {
        match self.buffers.last_mut() {
            Some(buf) => {
                buf.data.extend_from_slice(bytes);
                // A buffer with a chunk size and no callback (`output_buffering=4096`)
                // passes its contents on once it holds that much.
                if buf.chunk_size > 0 && buf.callback.is_none() && buf.data.len() >= buf.chunk_size
                {
                    let data = std::mem::take(&mut buf.data);
                    let level = self.buffers.len() - 1;
                    self.write_below(level, &data);
                }
            }
            None => self.write_sink(bytes),
        }
    }

    /// Writes to the level under buffer `level` (the sink under level 0).
    fn write_below(&mut self, level: usize, bytes: &[u8]) {
        if level == 0 {
            self.write_sink(bytes);
        } else if let Some(buf) = self.buffers.get_mut(level - 1) {
            buf.data.extend_from_slice(bytes);
        }
    }

    /// Writes past all buffers (used when flushing the outermost buffer).
    pub fn write_sink(&mut self, bytes: &[u8]) {
        // A closed stdout (EPIPE) must not crash the engine: output is simply lost, as PHP
        // does.
        if self.written == 0 && !bytes.is_empty() {
            self.origin_pending = true;
        }
        let _ = self.sink.write_all(bytes);
        self.written += bytes.len() as u64;
    }

    /// Flushes the sink.
    pub fn flush(&mut self) {
        let _ = self.sink.flush();
    }
}
