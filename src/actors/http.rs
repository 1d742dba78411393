//! The development HTTP listener (`rhvm serve --http ADDR --docroot DIR`): actix-web serving
//! `.php` scripts through the same executor pool as FastCGI, with the CGI params nginx's
//! stock `fastcgi_params` would send, and every other file as a static file. Meant for a
//! laptop, not for production: no TLS, no caching headers, whole static files in memory.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use actix::Addr;
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use futures_util::{future, StreamExt};

use super::executor::{Execute, Executor, Head, Job, Output, OUTPUT_QUEUE};

/// What every request handler needs.
struct HttpState {
    executor: Addr<Executor>,
    docroot: PathBuf,
}

/// Binds `addr` and starts serving `docroot`.
///
/// # Returns
///
/// The server's handle (to stop it) and the addresses bound.
///
/// # Errors
///
/// `addr` cannot be bound.
pub fn start(
    addr: &str,
    docroot: PathBuf,
    executor: Addr<Executor>,
) -> io::Result<(actix_web::dev::ServerHandle, Vec<SocketAddr>)> {
    let state = web::Data::new(HttpState { executor, docroot });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .default_service(web::to(handle))
    })
    .workers(1)
    .disable_signals()
    .bind(addr)?;
    let addrs = server.addrs();
    let server = server.run();
    let handle = server.handle();
    actix_rt::spawn(server);
    Ok((handle, addrs))
}

/// Where a URL path leads inside the docroot.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// A PHP script: its file, SCRIPT_NAME and PATH_INFO.
    Script {
        file: PathBuf,
        script_name: String,
        path_info: String,
    },
    /// Any other existing file.
    Static(PathBuf),
    NotFound,
}

/// Resolves a decoded URL path as nginx with `fastcgi_split_path_info ^(.+?\.php)(/.*)$`
/// and `index index.php index.html` would.
fn resolve(docroot: &Path, path: &str) -> Target {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.iter().any(|s| *s == ".." || *s == ".") {
        return Target::NotFound;
    }
    let mut normalized = format!("/{}", segments.join("/"));
    if path.ends_with('/') && !segments.is_empty() {
        normalized.push('/');
    }
    // The first segment ending in `.php`, as nginx's lazy split takes it.
    if let Some(index) = segments.iter().position(|s| s.ends_with(".php")) {
        let file: PathBuf = segments[..=index]
            .iter()
            .fold(docroot.to_path_buf(), |f, s| f.join(s));
        if !file.is_file() {
            return Target::NotFound;
        }
        let script_name = format!("/{}", segments[..=index].join("/"));
        let path_info = normalized[script_name.len()..].to_string();
        return Target::Script {
            file,
            script_name,
            path_info,
        };
    }
    let file: PathBuf = segments
        .iter()
        .fold(docroot.to_path_buf(), |f, s| f.join(s));
    if file.is_file() {
        return Target::Static(file);
    }
    if file.is_dir() {
        if !normalized.ends_with('/') {
            normalized.push('/');
        }
        if file.join("index.php").is_file() {
            return Target::Script {
                file: file.join("index.php"),
                script_name: format!("{normalized}index.php"),
                path_info: String::new(),
            };
        }
        if file.join("index.html").is_file() {
            return Target::Static(file.join("index.html"));
        }
    }
    Target::NotFound
}

/// Decodes `%XX` escapes (not `+`: this is a path).
fn percent_decode(raw: &str) -> Vec<u8> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html",
        "txt" => "text/plain",
        "css" => "text/css",
        "js" => "application/javascript",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

async fn handle(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<HttpState>,
) -> HttpResponse {
    let decoded = String::from_utf8_lossy(&percent_decode(req.path())).into_owned();
    let (file, script_name, path_info) = match resolve(&state.docroot, &decoded) {
        Target::Script {
            file,
            script_name,
            path_info,
        } => (file, script_name, path_info),
        Target::Static(file) => {
            return match std::fs::read(&file) {
                Ok(bytes) => HttpResponse::Ok()
                    .content_type(content_type(&file))
                    .body(bytes),
                Err(_) => HttpResponse::Forbidden().body("403 Forbidden\n"),
            };
        }
        Target::NotFound => return HttpResponse::NotFound().body("404 Not Found\n"),
    };
    let params = cgi_params(
        &req,
        &state.docroot,
        &file,
        &script_name,
        &path_info,
        &decoded,
    );

    let (body_tx, body_rx) = flume::unbounded::<Vec<u8>>();
    actix_web::rt::spawn(async move {
        while let Some(chunk) = payload.next().await {
            match chunk {
                Ok(bytes) if body_tx.send(bytes.to_vec()).is_ok() => {}
                _ => break,
            }
        }
    });
    let (out_tx, out_rx) = flume::bounded(OUTPUT_QUEUE);
    let peer = req.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    state.executor.do_send(Execute(Job {
        params,
        body: body_rx,
        output: out_tx,
        aborted: Arc::new(AtomicBool::new(false)),
        peer,
    }));
    let mut outputs = out_rx.into_stream();
    let Some(Output {
        head: Some(Head {
            status, headers, ..
        }),
        body: first_body,
        end: first_end,
    }) = outputs.next().await
    else {
        return HttpResponse::BadGateway().body("502 Bad Gateway\n");
    };
    let mut response = HttpResponse::build(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    );
    for line in &headers {
        let line = String::from_utf8_lossy(line);
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        // actix-web frames the body itself.
        if ["content-length", "transfer-encoding", "connection"]
            .contains(&name.to_ascii_lowercase().as_str())
        {
            continue;
        }
        response.append_header((name, value.trim()));
    }
    // The body: the first message's, then each message's up to the one that ends it.
    let rest = outputs.scan(first_end, |done, output| {
        if *done {
            return future::ready(None);
        }
        *done = output.end;
        future::ready(Some(output.body))
    });
    let body = futures_util::stream::once(future::ready(first_body))
        .chain(rest)
        .filter(|bytes| future::ready(!bytes.is_empty()))
        .map(|bytes| Ok::<_, actix_web::Error>(web::Bytes::from(bytes)));
    response.streaming(body)
}

/// The params nginx's stock `fastcgi_params` would send for this request.
fn cgi_params(
    req: &HttpRequest,
    docroot: &Path,
    file: &Path,
    script_name: &str,
    path_info: &str,
    decoded_path: &str,
) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut params: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut add = |k: &str, v: &str| params.push((k.as_bytes().to_vec(), v.as_bytes().to_vec()));
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let info = req.connection_info().clone();
    let local = req.app_config().local_addr();
    let peer = req.peer_addr();
    let uri = req.uri();
    let request_uri = uri
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    add("QUERY_STRING", uri.query().unwrap_or(""));
    add("REQUEST_METHOD", req.method().as_str());
    add("CONTENT_TYPE", &header("content-type"));
    add("CONTENT_LENGTH", &header("content-length"));
    add("SCRIPT_NAME", script_name);
    add("REQUEST_URI", &request_uri);
    add("DOCUMENT_URI", decoded_path);
    add("DOCUMENT_ROOT", &docroot.to_string_lossy());
    add("SERVER_PROTOCOL", &format!("{:?}", req.version()));
    add("REQUEST_SCHEME", info.scheme());
    add("GATEWAY_INTERFACE", "CGI/1.1");
    add(
        "SERVER_SOFTWARE",
        &format!("rhvm/{}", env!("CARGO_PKG_VERSION")),
    );
    add(
        "REMOTE_ADDR",
        &peer.map(|p| p.ip().to_string()).unwrap_or_default(),
    );
    add(
        "REMOTE_PORT",
        &peer.map(|p| p.port().to_string()).unwrap_or_default(),
    );
    add("SERVER_ADDR", &local.ip().to_string());
    add("SERVER_PORT", &local.port().to_string());
    add("SERVER_NAME", info.host().split(':').next().unwrap_or(""));
    add("REDIRECT_STATUS", "200");
    add("SCRIPT_FILENAME", &file.to_string_lossy());
    add("PATH_INFO", path_info);
    for (name, value) in req.headers() {
        let name = name.as_str();
        // httpoxy: a client's `Proxy:` header never becomes HTTP_PROXY.
        if name.eq_ignore_ascii_case("proxy") || name.contains('_') {
            continue;
        }
        let key = format!("HTTP_{}", name.to_ascii_uppercase().replace('-', "_"));
        params.push((key.into_bytes(), value.as_bytes().to_vec()));
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_scripts_path_info_indexes_and_static_files() {
        let root = std::env::temp_dir().join(format!("rhvm-http-resolve-{}", std::process::id()));
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::write(root.join("index.php"), "<?php").expect("write");
        std::fs::write(root.join("sub/page.php"), "<?php").expect("write");
        std::fs::write(root.join("static.txt"), "x").expect("write");
        let script = |file: &str, name: &str, info: &str| Target::Script {
            file: root.join(file),
            script_name: name.into(),
            path_info: info.into(),
        };
        assert_eq!(resolve(&root, "/"), script("index.php", "/index.php", ""));
        assert_eq!(
            resolve(&root, "/index.php/a b/c"),
            script("index.php", "/index.php", "/a b/c")
        );
        assert_eq!(
            resolve(&root, "/index.php/"),
            script("index.php", "/index.php", "/")
        );
        assert_eq!(
            resolve(&root, "/sub/page.php"),
            script("sub/page.php", "/sub/page.php", "")
        );
        assert_eq!(resolve(&root, "/sub"), Target::NotFound);
        std::fs::write(root.join("sub/index.php"), "<?php").expect("write");
        assert_eq!(
            resolve(&root, "/sub"),
            script("sub/index.php", "/sub/index.php", "")
        );
        assert_eq!(
            resolve(&root, "/static.txt"),
            Target::Static(root.join("static.txt"))
        );
        assert_eq!(resolve(&root, "/missing.php"), Target::NotFound);
        assert_eq!(resolve(&root, "/missing.php/pi"), Target::NotFound);
        assert_eq!(resolve(&root, "/../etc/passwd"), Target::NotFound);
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(percent_decode("/a%20b%41%zz%4"), b"/a bA%zz%4".to_vec());
    }
}
