//! One FastCGI connection: an actor that owns the socket, decodes records with
//! `fcgi::ServerConn`, hands each request to the `Executor`, streams the request body to
//! it, and writes the response as it arrives: `Status:` line and headers, body, the empty
//! STDOUT record, then END_REQUEST, in that order.
//!
//! Connection rules (see `../shared/recipes/README.md`): END_REQUEST waits until the whole
//! body was read (an early reply must not leave STDIN unread, or Apache corrupts a reused
//! connection); FCGI_KEEP_CONN=0 closes after END_REQUEST (nginx waits for that close);
//! a peer closing mid-request or FCGI_ABORT_REQUEST marks the request aborted, and the
//! executor thread becomes free when the script ends. Malformed input closes only this
//! connection. Writes go out one at a time through `ctx.wait`, which pauses the actor
//! while the socket is slow; the bounded output channel then blocks the script.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use bytes::BytesMut;
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, WriteHalf};
use tokio_util::codec::{BytesCodec, FramedRead};

use super::executor::{Execute, Executor, Job, Output, OUTPUT_QUEUE};
use crate::fcgi::{self, Event, ProtocolStatus, ServerConn};

/// How long one write to the front end may take before the connection is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// A response piece tagged with the request it belongs to (a stale piece of an aborted
/// request must not reach the next request's response).
struct Tagged {
    serial: u64,
    output: Output,
}

impl Message for Tagged {
    type Result = ();
}

/// The request being served on this connection.
struct Current {
    serial: u64,
    request_id: u16,
    keep_conn: bool,
    /// Body chunks to the script; dropped at the end of STDIN.
    body: Option<flume::Sender<Vec<u8>>>,
    /// The empty STDIN record arrived.
    stdin_done: bool,
    /// The script's response is complete; END_REQUEST waits only for `stdin_done`.
    ended: bool,
    aborted: Arc<AtomicBool>,
}

/// The connection actor.
pub struct Connection<S: AsyncRead + AsyncWrite + Unpin + 'static> {
    codec: ServerConn,
    events: Vec<Event>,
    writer: Option<WriteHalf<S>>,
    /// Bytes waiting for the socket (a write is in flight while `writer` is `None`).
    out: Vec<u8>,
    /// Close once `out` is written (KEEP_CONN=0 after END_REQUEST, or an error).
    close_after_flush: bool,
    current: Option<Current>,
    serial: u64,
    executor: Addr<Executor>,
    peer: String,
}

impl<S: AsyncRead + AsyncWrite + Unpin + 'static> Connection<S> {
    /// Starts the actor for an accepted socket.
    pub fn start(
        stream: S,
        peer: String,
        limits: fcgi::Limits,
        executor: Addr<Executor>,
    ) -> Addr<Self> {
        let (read, write) = tokio::io::split(stream);
        Connection::create(move |ctx| {
            ctx.add_stream(FramedRead::new(read, BytesCodec::new()));
            Connection {
                codec: ServerConn::new(limits),
                events: Vec::new(),
                writer: Some(write),
                out: Vec::new(),
                close_after_flush: false,
                current: None,
                serial: 0,
                executor,
                peer,
            }
        })
    }

    fn handle_event(&mut self, event: Event, ctx: &mut Context<Self>) {
        match event {
            Event::Reply(bytes) => self.out.extend_from_slice(&bytes),
            Event::Request {
                request_id,
                keep_conn,
                params,
            } => self.begin(request_id, keep_conn, params, ctx),
            Event::Stdin { request_id, data } => {
                if let Some(current) = self.current_for(request_id) {
                    if let Some(body) = &current.body {
                        // A script that stopped reading has dropped the receiver: the rest
                        // of the body is read off the socket and discarded.
                        let _ = body.send(data);
                    }
                }
            }
            Event::StdinEnd { request_id } => {
                if let Some(current) = self.current_for(request_id) {
                    current.body = None;
                    current.stdin_done = true;
                    if current.ended {
                        self.end_request();
                    }
                }
            }
            Event::Abort { request_id } => {
                if let Some(current) = self.current_for(request_id) {
                    current.aborted.store(true, Ordering::Relaxed);
                    current.body = None;
                    current.stdin_done = true;
                    // The script is detached: its further output is dropped (stale serial)
                    // and its thread becomes free when it ends.
                    self.end_request();
                } else if self.codec.active_request() == Some(request_id) {
                    // Aborted before its params ended: nothing ran, only answer it (once:
                    // a second ABORT decoded in the same read finds it answered).
                    let keep_conn = self.codec.keep_conn().unwrap_or(true);
                    fcgi::encode_end_request(
                        request_id,
                        0,
                        ProtocolStatus::RequestComplete,
                        &mut self.out,
                    );
                    self.codec.request_done();
                    if !keep_conn {
                        self.close_after_flush = true;
                    }
                }
            }
        }
    }

    fn current_for(&mut self, request_id: u16) -> Option<&mut Current> {
        self.current
            .as_mut()
            .filter(|current| current.request_id == request_id)
    }

    fn begin(
        &mut self,
        request_id: u16,
        keep_conn: bool,
        params: Vec<(Vec<u8>, Vec<u8>)>,
        ctx: &mut Context<Self>,
    ) {
        self.serial += 1;
        let serial = self.serial;
        let (body_tx, body_rx) = flume::unbounded();
        let (out_tx, out_rx) = flume::bounded(OUTPUT_QUEUE);
        let aborted = Arc::new(AtomicBool::new(false));
        ctx.add_message_stream(
            out_rx
                .into_stream()
                .map(move |output| Tagged { serial, output }),
        );
        self.current = Some(Current {
            serial,
            request_id,
            keep_conn,
            body: Some(body_tx),
            stdin_done: false,
            ended: false,
            aborted: aborted.clone(),
        });
        self.executor.do_send(Execute(Job {
            params,
            body: body_rx,
            output: out_tx,
            aborted,
            peer: self.peer.clone(),
        }));
    }

    /// Writes the end of the response and frees the connection for the next request.
    fn end_request(&mut self) {
        let Some(current) = self.current.take() else {
            return;
        };
        fcgi::encode_stdout(current.request_id, &[], &mut self.out);
        fcgi::encode_end_request(
            current.request_id,
            0,
            ProtocolStatus::RequestComplete,
            &mut self.out,
        );
        self.codec.request_done();
        if !current.keep_conn {
            self.close_after_flush = true;
        }
    }

    /// Starts writing `out` unless a write is already in flight; closes when asked to and
    /// everything is written.
    fn flush(&mut self, ctx: &mut Context<Self>) {
        let Some(mut writer) = self.writer.take() else {
            return;
        };
        if self.out.is_empty() {
            if self.close_after_flush {
                ctx.spawn(
                    async move {
                        let _ = writer.shutdown().await;
                    }
                    .into_actor(self),
                );
                ctx.stop();
            } else {
                self.writer = Some(writer);
            }
            return;
        }
        let bytes = std::mem::take(&mut self.out);
        let write = async move {
            let result = tokio::time::timeout(WRITE_TIMEOUT, writer.write_all(&bytes)).await;
            (writer, matches!(result, Ok(Ok(()))))
        };
        // `wait` pauses this actor (no new socket bytes, no new output) until the write is
        // done: the socket's pace becomes the script's pace.
        ctx.wait(write.into_actor(self).map(|(writer, ok), act, ctx| {
            if ok {
                act.writer = Some(writer);
                act.flush(ctx);
            } else {
                act.peer_gone(ctx);
            }
        }));
    }

    /// The peer closed or the socket failed: abort the running request and stop.
    fn peer_gone(&mut self, ctx: &mut Context<Self>) {
        if let Some(current) = self.current.take() {
            current.aborted.store(true, Ordering::Relaxed);
        }
        ctx.stop();
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin + 'static> Actor for Connection<S> {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Self::Context) {
        if let Some(current) = self.current.take() {
            current.aborted.store(true, Ordering::Relaxed);
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin + 'static> StreamHandler<Result<BytesMut, std::io::Error>>
    for Connection<S>
{
    fn handle(&mut self, item: Result<BytesMut, std::io::Error>, ctx: &mut Context<Self>) {
        let bytes = match item {
            Ok(bytes) => bytes,
            Err(_) => return self.peer_gone(ctx),
        };
        if self.close_after_flush {
            return;
        }
        let mut events = std::mem::take(&mut self.events);
        let result = self.codec.feed(&bytes, &mut events);
        for event in events.drain(..) {
            self.handle_event(event, ctx);
        }
        self.events = events;
        if let Err(error) = result {
            tracing::warn!("fastcgi connection from {}: {error}; closing it", self.peer);
            if let Some(current) = self.current.take() {
                current.aborted.store(true, Ordering::Relaxed);
            }
            self.close_after_flush = true;
        }
        self.flush(ctx);
    }

    fn finished(&mut self, ctx: &mut Context<Self>) {
        // End of stream from the peer (no write is in flight: `ctx.wait` holds the stream
        // back meanwhile). With a request running, the front end gave up on it (nginx
        // half-closes when its client aborts); idle, it simply closed.
        self.peer_gone(ctx);
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin + 'static> Handler<Tagged> for Connection<S> {
    type Result = ();

    fn handle(&mut self, Tagged { serial, output }: Tagged, ctx: &mut Context<Self>) {
        let Some(current) = self.current.as_mut().filter(|c| c.serial == serial) else {
            return;
        };
        let request_id = current.request_id;
        if let Some(head) = output.head {
            let mut bytes = format!("Status: {} ", head.status).into_bytes();
            bytes.extend_from_slice(&head.reason);
            bytes.extend_from_slice(b"\r\n");
            for header in head.headers {
                bytes.extend_from_slice(&header);
                bytes.extend_from_slice(b"\r\n");
            }
            bytes.extend_from_slice(b"\r\n");
            fcgi::encode_stdout(request_id, &bytes, &mut self.out);
        }
        if !output.body.is_empty() {
            fcgi::encode_stdout(request_id, &output.body, &mut self.out);
        }
        if output.end {
            current.ended = true;
            if current.stdin_done {
                self.end_request();
            }
        }
        self.flush(ctx);
    }
}
