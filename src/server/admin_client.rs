//! `rhvm admin ENDPOINT [--key=value]... [-c server.ini]... [-d key=value]...`: a small
//! client of the admin endpoint (like HHVM's `hhvmadm`). It reads the admin port, address
//! and password from the same ini files and `-d` settings as `rhvm serve`, sends one
//! `GET /ENDPOINT?key=value&auth=PASSWORD` and prints the body; the exit status is 0 for a
//! 200 answer and 1 otherwise.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const USAGE: &str =
    "usage: rhvm admin ENDPOINT [--key=value]... [-c server.ini]... [-d key=value]...";

/// What the command line asked for.
#[derive(Debug, Default, PartialEq, Eq)]
struct AdminArgs {
    endpoint: String,
    /// `--key=value` query parameters, in order.
    query: Vec<(String, String)>,
    /// `-c`/`-d` as `rhvm serve` takes them.
    serve_args: Vec<String>,
}

fn parse_args(args: &[String]) -> Result<AdminArgs, String> {
    let mut out = AdminArgs::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-c" | "--config" | "-d" | "--define" => {
                let value = it.next().ok_or_else(|| format!("{arg} needs a value"))?;
                out.serve_args.push(arg.clone());
                out.serve_args.push(value.clone());
            }
            s if s.starts_with("-d") && s.len() > 2 => out.serve_args.push(s.to_string()),
            s if s.starts_with("--") => {
                let (k, v) = s[2..].split_once('=').unwrap_or((&s[2..], ""));
                if k.is_empty() {
                    return Err(format!("bad option {s}"));
                }
                out.query.push((k.to_string(), v.to_string()));
            }
            s if out.endpoint.is_empty() => out.endpoint = s.trim_start_matches('/').to_string(),
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    Ok(out)
}

/// `%XX`-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The request target: `/ENDPOINT?k=v&...&auth=PASSWORD`.
fn target(args: &AdminArgs, password: Option<&str>) -> String {
    let mut pairs: Vec<String> = args
        .query
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    if let Some(p) = password {
        pairs.push(format!("auth={}", encode(p)));
    }
    let mut t = format!("/{}", args.endpoint);
    if !pairs.is_empty() {
        t.push('?');
        t.push_str(&pairs.join("&"));
    }
    t
}

/// Splits an HTTP/1.x answer into status and body (de-chunked if needed).
fn parse_response(raw: &[u8]) -> Option<(u16, Vec<u8>)> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let mut body = raw[end + 4..].to_vec();
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
            let size = std::str::from_utf8(&rest[..line_end]).ok()?;
            let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
            rest = &rest[line_end + 2..];
            if size == 0 {
                break;
            }
            out.extend_from_slice(rest.get(..size)?);
            rest = rest.get(size + 2..)?;
        }
        body = out;
    }
    Some((status, body))
}

/// Runs `rhvm admin ARGS` and returns the exit status.
pub fn main_with_args(args: &[String]) -> i32 {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return 0;
    }
    let parsed = match parse_args(args) {
        Ok(p) if !p.endpoint.is_empty() => p,
        Ok(_) => {
            eprintln!("rhvm: which endpoint?\n{USAGE}");
            return 1;
        }
        Err(msg) => {
            eprintln!("rhvm: {msg}\n{USAGE}");
            return 1;
        }
    };
    let config = match super::parse_args(&parsed.serve_args).and_then(|a| super::load_config(&a)) {
        Ok((config, _)) => config,
        Err(msg) => {
            eprintln!("rhvm: {msg}");
            return 1;
        }
    };
    let Some(port) = config.admin_port else {
        eprintln!("rhvm: the admin endpoint is off (hhvm.admin_server.port is empty)");
        return 1;
    };
    let ip = match config.admin_ip.as_str() {
        "0.0.0.0" | "" => "127.0.0.1",
        "::" => "::1",
        ip => ip,
    };
    let target = target(&parsed, config.admin_password.as_deref());
    let answer = (|| -> std::io::Result<Vec<u8>> {
        let mut stream = TcpStream::connect((ip, port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: {ip}\r\nConnection: close\r\n\r\n"
        )?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        Ok(raw)
    })();
    let raw = match answer {
        Ok(raw) => raw,
        Err(e) => {
            eprintln!("rhvm: admin endpoint {ip}:{port}: {e}");
            return 1;
        }
    };
    let Some((status, body)) = parse_response(&raw) else {
        eprintln!("rhvm: admin endpoint {ip}:{port}: not an HTTP answer");
        return 1;
    };
    let _ = std::io::stdout().write_all(&body);
    if status == 200 {
        0
    } else {
        eprintln!("rhvm: /{}: HTTP {status}", parsed.endpoint);
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn endpoint_options_and_server_settings() {
        let a = parse_args(&args(&[
            "dump-apc",
            "--file=a b.txt",
            "-c",
            "server.ini",
            "-dhhvm.admin_server.port=9",
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.endpoint, "dump-apc");
        assert_eq!(
            a.serve_args,
            args(&["-c", "server.ini", "-dhhvm.admin_server.port=9"])
        );
        assert_eq!(
            target(&a, Some("p&w")),
            "/dump-apc?file=a%20b.txt&auth=p%26w"
        );
        let b = parse_args(&args(&["/check-health"])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(target(&b, None), "/check-health");
        assert!(parse_args(&args(&["a", "b"])).is_err());
    }

    #[test]
    fn chunked_and_plain_answers() {
        let plain = b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 3\r\n\r\nno\n";
        assert_eq!(parse_response(plain), Some((401, b"no\n".to_vec())));
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked), Some((200, b"abcde".to_vec())));
    }
}
