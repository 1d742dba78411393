//! The wire format between the server and a light process helper.
//!
//! Every message is a `u32` little-endian length followed by that many bytes. A spawn
//! request carries the child's descriptors as `SCM_RIGHTS` ancillary data on the same
//! `sendmsg` as its length prefix. Pure encoding and decoding here; `helper.rs` and
//! `mod.rs` do the socket I/O.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags};

/// Largest message accepted (argv + environment), like a generous `ARG_MAX`.
pub const MAX_MESSAGE: usize = 16 << 20;
/// Most descriptors one spawn may pass.
pub const MAX_FDS: usize = 64;

/// A request from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Start a process: shell line (`argv` has one element) or argv; the descriptors
    /// travel beside the message, their child numbers in `fd_targets`.
    Spawn {
        shell: bool,
        argv: Vec<Vec<u8>>,
        cwd: Option<Vec<u8>>,
        env: Option<Vec<Vec<u8>>>,
        fd_targets: Vec<i32>,
    },
    /// Block until the child ends.
    Wait { pid: i32 },
    /// The child's state now (WNOHANG | WUNTRACED).
    Status { pid: i32 },
    /// Send a signal.
    Signal { pid: i32, sig: i32 },
    /// `nice()` the helper itself is pointless; renice a child-to-be is not supported, so
    /// this only checks the helper answers.
    Ping,
}

/// A reply from a helper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Spawned: the pid; or Signal/Ping done (0).
    Ok(i64),
    /// Failed with this errno.
    Err(i32),
    /// A child state: 0 running, 1 exited, 2 signaled, 3 stopped; and the code/signal.
    State(u8, i32),
}

/// Appends a length-prefixed byte string.
fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

/// Appends an optional list of byte strings.
fn put_list(out: &mut Vec<u8>, list: &[Vec<u8>]) {
    out.extend_from_slice(&(list.len() as u32).to_le_bytes());
    for item in list {
        put_bytes(out, item);
    }
}

impl Request {
    /// The message body (without the length prefix).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Request::Spawn {
                shell,
                argv,
                cwd,
                env,
                fd_targets,
            } => {
                out.push(1);
                out.push(u8::from(*shell));
                put_list(&mut out, argv);
                match cwd {
                    Some(c) => {
                        out.push(1);
                        put_bytes(&mut out, c);
                    }
                    None => out.push(0),
                }
                match env {
                    Some(e) => {
                        out.push(1);
                        put_list(&mut out, e);
                    }
                    None => out.push(0),
                }
                out.extend_from_slice(&(fd_targets.len() as u32).to_le_bytes());
                for t in fd_targets {
                    out.extend_from_slice(&t.to_le_bytes());
                }
            }
            Request::Wait { pid } => {
                out.push(2);
                out.extend_from_slice(&pid.to_le_bytes());
            }
            Request::Status { pid } => {
                out.push(3);
                out.extend_from_slice(&pid.to_le_bytes());
            }
            Request::Signal { pid, sig } => {
                out.push(4);
                out.extend_from_slice(&pid.to_le_bytes());
                out.extend_from_slice(&sig.to_le_bytes());
            }
            Request::Ping => out.push(5),
        }
        out
    }

    /// Parses a message body; `None` if malformed.
    pub fn decode(buf: &[u8]) -> Option<Request> {
        let mut r = Reader { buf, pos: 0 };
        let req = match r.u8()? {
            1 => {
                let shell = r.u8()? != 0;
                let argv = r.list()?;
                let cwd = if r.u8()? != 0 { Some(r.bytes()?) } else { None };
                let env = if r.u8()? != 0 { Some(r.list()?) } else { None };
                let n = r.u32()? as usize;
                if n > MAX_FDS {
                    return None;
                }
                let mut fd_targets = Vec::with_capacity(n);
                for _ in 0..n {
                    fd_targets.push(r.i32()?);
                }
                Request::Spawn {
                    shell,
                    argv,
                    cwd,
                    env,
                    fd_targets,
                }
            }
            2 => Request::Wait { pid: r.i32()? },
            3 => Request::Status { pid: r.i32()? },
            4 => Request::Signal {
                pid: r.i32()?,
                sig: r.i32()?,
            },
            5 => Request::Ping,
            _ => return None,
        };
        (r.pos == buf.len()).then_some(req)
    }
}

impl Reply {
    /// The message body.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(10);
        match *self {
            Reply::Ok(v) => {
                out.push(1);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Reply::Err(e) => {
                out.push(2);
                out.extend_from_slice(&e.to_le_bytes());
            }
            Reply::State(k, v) => {
                out.push(3);
                out.push(k);
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out
    }

    /// Parses a message body; `None` if malformed.
    pub fn decode(buf: &[u8]) -> Option<Reply> {
        let mut r = Reader { buf, pos: 0 };
        let reply = match r.u8()? {
            1 => Reply::Ok(i64::from_le_bytes(r.take(8)?.try_into().ok()?)),
            2 => Reply::Err(r.i32()?),
            3 => Reply::State(r.u8()?, r.i32()?),
            _ => return None,
        };
        (r.pos == buf.len()).then_some(reply)
    }
}

/// A cursor over a message body.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn i32(&mut self) -> Option<i32> {
        Some(i32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn bytes(&mut self) -> Option<Vec<u8>> {
        let n = self.u32()? as usize;
        Some(self.take(n)?.to_vec())
    }
    fn list(&mut self) -> Option<Vec<Vec<u8>>> {
        let n = self.u32()? as usize;
        let mut out = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            out.push(self.bytes()?);
        }
        Some(out)
    }
}

/// Sends one message, with `fds` attached to its first bytes.
pub fn send(sock: &UnixStream, body: &[u8], fds: &[RawFd]) -> io::Result<()> {
    let mut msg = Vec::with_capacity(body.len() + 4);
    msg.extend_from_slice(&(body.len() as u32).to_le_bytes());
    msg.extend_from_slice(body);
    let mut sent = 0;
    while sent < msg.len() {
        let iov = [io::IoSlice::new(&msg[sent..])];
        let rights = [ControlMessage::ScmRights(fds)];
        let cmsgs: &[ControlMessage] = if sent == 0 && !fds.is_empty() {
            &rights
        } else {
            &[]
        };
        match sendmsg::<()>(sock.as_raw_fd(), &iov, cmsgs, MsgFlags::MSG_NOSIGNAL, None) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => sent += n,
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Receives one message and the descriptors that came with it (close-on-exec). `Ok(None)`
/// on a clean end of stream before the message started.
pub fn recv(sock: &UnixStream) -> io::Result<Option<(Vec<u8>, Vec<OwnedFd>)>> {
    let mut header = [0u8; 4];
    let mut got = 0;
    let mut fds = Vec::new();
    while got < 4 {
        let mut cmsg = nix::cmsg_space!([RawFd; MAX_FDS]);
        let mut iov = [io::IoSliceMut::new(&mut header[got..])];
        let msg = match recvmsg::<()>(
            sock.as_raw_fd(),
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Ok(m) => m,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(nix::errno::Errno::EAGAIN) => return Err(io::ErrorKind::TimedOut.into()),
            Err(e) => return Err(e.into()),
        };
        for c in msg.cmsgs().map_err(io::Error::from)? {
            if let ControlMessageOwned::ScmRights(list) = c {
                for fd in list {
                    // SAFETY: SCM_RIGHTS just installed `fd` in this process; nobody else
                    // owns it, so it is ours to wrap and close.
                    fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
                }
            }
        }
        if msg.bytes == 0 {
            if got == 0 {
                return Ok(None);
            }
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        got += msg.bytes;
    }
    let len = u32::from_le_bytes(header) as usize;
    if len > MAX_MESSAGE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "message too long",
        ));
    }
    let mut body = vec![0u8; len];
    io::Read::read_exact(&mut &*sock, &mut body)?;
    Ok(Some((body, fds)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip() {
        let reqs = [
            Request::Spawn {
                shell: true,
                argv: vec![b"echo hi".to_vec()],
                cwd: Some(b"/tmp".to_vec()),
                env: Some(vec![b"A=1".to_vec(), Vec::new()]),
                fd_targets: vec![0, 1, 7],
            },
            Request::Spawn {
                shell: false,
                argv: vec![],
                cwd: None,
                env: None,
                fd_targets: vec![],
            },
            Request::Wait { pid: 12 },
            Request::Status { pid: -1 },
            Request::Signal { pid: 3, sig: 9 },
            Request::Ping,
        ];
        for r in reqs {
            assert_eq!(Request::decode(&r.encode()), Some(r));
        }
        for r in [Reply::Ok(-5), Reply::Err(2), Reply::State(2, 9)] {
            assert_eq!(Reply::decode(&r.encode()), Some(r));
        }
    }

    #[test]
    fn malformed_messages_are_rejected() {
        let good = Request::Wait { pid: 1 }.encode();
        for cut in 0..good.len() {
            assert_eq!(Request::decode(&good[..cut]), None);
        }
        assert_eq!(Request::decode(&[9]), None);
        assert_eq!(Request::decode(&[1, 0, 255, 255, 255, 255]), None);
        assert_eq!(Reply::decode(&[3, 1]), None);
    }
}
