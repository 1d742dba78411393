//! The FastCGI listeners: one actor per listening socket (TCP `ip:port`, or a Unix socket
//! created with mode 0660), which accepts connections and parks each until its first bytes
//! arrive; then it goes to the executor pool (`connection.rs`). Stopping a listener
//! (graceful shutdown) closes its socket; running connections are not affected.

use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use actix::prelude::*;
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use super::connection::{self, Conn, Sock};
use super::executor::{Pool, Work};
use crate::fcgi;

/// Per-connection FastCGI limits, copied into each connection's codec.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// The largest params block accepted.
    pub max_params_bytes: usize,
    /// Requests that run at once (executor threads), reported as FCGI_MAX_REQS.
    pub max_reqs: u32,
}

impl ConnLimits {
    fn codec_limits(&self) -> fcgi::Limits {
        fcgi::Limits {
            max_params_bytes: self.max_params_bytes,
            // Answered in FCGI_GET_VALUES; connections are not limited beyond the OS's.
            max_conns: 1024,
            max_reqs: self.max_reqs,
        }
    }
}

/// A connection accepted on either kind of socket.
enum Accepted {
    Tcp(io::Result<(TcpStream, std::net::SocketAddr)>),
    Unix(io::Result<(UnixStream, tokio::net::unix::SocketAddr)>),
}

impl Message for Accepted {
    type Result = ();
}

/// Stop accepting (graceful shutdown).
#[derive(Message)]
#[rtype(result = "()")]
pub struct StopListening;

/// A listening socket's actor.
pub struct Listener {
    pool: Pool,
    limits: ConnLimits,
    /// The Unix socket file, removed when the listener stops.
    socket_file: Option<PathBuf>,
}

impl Listener {
    /// Binds `ip:port` (port 0 picks a free one) and starts accepting.
    ///
    /// # Returns
    ///
    /// The actor and the address actually bound.
    ///
    /// # Errors
    ///
    /// The address cannot be bound.
    pub async fn start_tcp(
        ip: &str,
        port: u16,
        pool: Pool,
        limits: ConnLimits,
    ) -> io::Result<(Addr<Listener>, std::net::SocketAddr)> {
        let listener = TcpListener::bind((ip, port)).await?;
        let local = listener.local_addr()?;
        let addr = Listener::create(move |ctx| {
            let accepts = futures_util::stream::unfold(listener, |listener| async move {
                let accepted = listener.accept().await;
                Some((Accepted::Tcp(accepted), listener))
            });
            ctx.add_message_stream(accepts);
            Listener {
                pool,
                limits,
                socket_file: None,
            }
        });
        Ok((addr, local))
    }

    /// Creates the Unix socket at `path` (replacing a stale socket file, never another
    /// kind of file), sets its mode to 0660 and starts accepting.
    ///
    /// # Errors
    ///
    /// `path` exists and is not a socket, or it cannot be bound.
    pub fn start_unix(path: &Path, pool: Pool, limits: ConnLimits) -> io::Result<Addr<Listener>> {
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            if !meta.file_type().is_socket() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists and is not a socket", path.display()),
                ));
            }
            std::fs::remove_file(path)?;
        }
        let listener = UnixListener::bind(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
        let socket_file = Some(path.to_path_buf());
        Ok(Listener::create(move |ctx| {
            let accepts = futures_util::stream::unfold(listener, |listener| async move {
                let accepted = listener.accept().await;
                Some((Accepted::Unix(accepted), listener))
            });
            ctx.add_message_stream(accepts);
            Listener {
                pool,
                limits,
                socket_file,
            }
        }))
    }
}

impl Actor for Listener {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Self::Context) {
        if let Some(path) = &self.socket_file {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Handler<Accepted> for Listener {
    type Result = ();

    fn handle(&mut self, accepted: Accepted, _: &mut Self::Context) {
        let limits = self.limits.codec_limits();
        let conn = match accepted {
            Accepted::Tcp(Ok((stream, peer))) => {
                let _ = stream.set_nodelay(true);
                stream
                    .into_std()
                    .and_then(|s| Conn::new(Sock::Tcp(s), peer.to_string(), limits))
            }
            Accepted::Unix(Ok((stream, _))) => stream
                .into_std()
                .and_then(|s| Conn::new(Sock::Unix(s), "unix".to_string(), limits)),
            // Running out of file descriptors and the like: the listener goes on.
            Accepted::Tcp(Err(e)) | Accepted::Unix(Err(e)) => Err(e),
        };
        match conn {
            Ok(conn) => {
                let pool = self.pool.clone();
                let runtime = tokio::runtime::Handle::current();
                connection::park(conn, Some(&runtime), move |conn| {
                    pool.submit(Work::Conn(conn))
                });
            }
            Err(e) => tracing::warn!("accept failed: {e}"),
        }
    }
}

impl Handler<StopListening> for Listener {
    type Result = ();

    fn handle(&mut self, _: StopListening, ctx: &mut Self::Context) {
        ctx.stop();
    }
}
