//! `rhvm serve`: the command line and configuration of the server, and its logging. The
//! server itself (sockets, connections, the executor pool) lives in `crate::actors`; this
//! module has no actix in it, so its parts are plain functions with unit tests.
//!
//! - `ini`: the php.ini-syntax parser.
//! - `config`: HHVM's `server.ini` keys into a typed `ServerConfig`.
//! - `log`: the tracing subscriber, error log and access log.
//! - `admin_client`: `rhvm admin`, the admin endpoint's command-line client.

pub mod admin_client;
pub mod config;
pub mod ini;
pub mod log;

use std::path::PathBuf;

use config::{ServerConfig, Source};

const USAGE: &str = "usage: rhvm serve [-c server.ini]... [-d key=value]... \
[--http ADDR --docroot DIR] [--record DIR]";

/// What the `serve` command line said, before the files are read.
#[derive(Debug, Default, PartialEq, Eq)]
struct ServeArgs {
    /// `-c FILE`, in order.
    config_files: Vec<String>,
    /// `-d key=value`, in order.
    defines: Vec<String>,
    /// `--http ADDR`.
    http: Option<String>,
    /// `--docroot DIR`.
    docroot: Option<String>,
    /// `--record DIR`: record every request into DIR.
    record: Option<String>,
    /// `--debug-panic-trigger` (hidden, for tests): `rhvm_debug_panic()` exists in PHP.
    debug_panic_trigger: bool,
}

fn parse_args(args: &[String]) -> Result<ServeArgs, String> {
    let mut out = ServeArgs::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "-c" | "--config" => out.config_files.push(value(arg)?),
            "-d" | "--define" => out.defines.push(value(arg)?),
            "--http" => out.http = Some(value(arg)?),
            "--docroot" => out.docroot = Some(value(arg)?),
            "--record" => out.record = Some(value(arg)?),
            // Deliberately undocumented in USAGE: tests of panic containment only.
            "--debug-panic-trigger" => out.debug_panic_trigger = true,
            s if s.starts_with("-d") && s.len() > 2 => out.defines.push(s[2..].to_string()),
            s if s.starts_with("--http=") => out.http = Some(s[7..].to_string()),
            s if s.starts_with("--docroot=") => out.docroot = Some(s[10..].to_string()),
            s if s.starts_with("--record=") => out.record = Some(s[9..].to_string()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if out.docroot.is_some() && out.http.is_none() {
        return Err("--docroot needs --http".into());
    }
    Ok(out)
}

/// Builds the configuration from the command line: files, then `-d`, then `--http`.
///
/// # Errors
///
/// An unreadable or malformed file (the message names the file and line), a bad `-d`.
fn load_config(args: &ServeArgs) -> Result<(ServerConfig, Vec<String>), String> {
    let env = |name: &str| std::env::var(name).ok();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut texts = Vec::new();
    for path in &args.config_files {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        texts.push((path.as_str(), text));
    }
    let mut sources = Vec::new();
    for (name, text) in &texts {
        sources.push(config::parse_source(name, text, &env)?);
    }
    let mut defines = Vec::new();
    for define in &args.defines {
        defines.push(
            ini::parse_define(define, &env).map_err(|e| format!("-d {define}: {}", e.message))?,
        );
    }
    sources.push(Source {
        name: "-d",
        entries: defines,
    });
    let mut base = ServerConfig::with_defaults(cores);
    base.http = args.http.clone();
    let (mut config, warnings) = config::build(base, &sources);
    config.debug_panic_trigger = args.debug_panic_trigger;
    if let Some(dir) = &args.record {
        config.record.enabled = true;
        config.record.dir = PathBuf::from(dir);
    }
    if config.http.is_some() {
        let root = match (&args.docroot, &config.source_root) {
            (Some(dir), _) => PathBuf::from(dir),
            (None, Some(dir)) => dir.clone(),
            (None, None) => std::env::current_dir().map_err(|e| format!("no docroot: {e}"))?,
        };
        let root =
            std::fs::canonicalize(&root).map_err(|e| format!("docroot {}: {e}", root.display()))?;
        config.docroot = Some(root);
    }
    Ok((config, warnings))
}

/// The engine settings a configuration asks for.
pub fn web_settings(config: &ServerConfig) -> crate::vm::web::WebSettings {
    let mut settings = crate::vm::web::WebSettings::default();
    if let Some(timeout) = config.request_timeout {
        // HHVM's request timeout is PHP's max_execution_time for web requests; an explicit
        // max_execution_time (later in the list) still wins.
        settings.ini.push((
            b"max_execution_time".to_vec(),
            timeout.as_secs().to_string().into_bytes(),
        ));
    }
    for (key, value) in &config.php_ini {
        settings
            .ini
            .push((key.clone().into_bytes(), value.clone().into_bytes()));
    }
    settings.source_root = config.source_root.clone();
    settings.debug_panic_trigger = config.debug_panic_trigger;
    if let Some((_, dir)) = config
        .php_ini
        .iter()
        .rev()
        .find(|(k, _)| k == "upload_tmp_dir")
    {
        if !dir.is_empty() {
            settings.upload_tmp_dir = Some(dir.into());
        }
    }
    settings
}

/// The configuration `-c` files and `-d` defines give (for `rhvm replay`, which runs the
/// engine as the server would), with the warnings about unknown keys.
///
/// # Errors
///
/// An unreadable or malformed file, a bad `-d`.
pub fn config_from(
    config_files: &[String],
    defines: &[String],
) -> Result<(ServerConfig, Vec<String>), String> {
    load_config(&ServeArgs {
        config_files: config_files.to_vec(),
        defines: defines.to_vec(),
        ..ServeArgs::default()
    })
}

/// Runs `rhvm serve ARGS` (the arguments after `serve`) and returns the exit status.
pub fn main_with_args(args: &[String]) -> i32 {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return 0;
    }
    let parsed = match parse_args(args) {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("rhvm: {msg}\n{USAGE}");
            return 1;
        }
    };
    let (config, warnings) = match load_config(&parsed) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("rhvm: {msg}");
            return 1;
        }
    };
    if let Err(e) = log::init(&config) {
        eprintln!("rhvm: {e:#}");
        return 1;
    }
    for warning in &warnings {
        tracing::warn!("{warning}");
    }
    match crate::actors::serve(config) {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("rhvm: {e:#}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn command_line() {
        let parsed = parse_args(&args(&[
            "-c",
            "a.ini",
            "-d",
            "hhvm.server.port=0",
            "-dmemory_limit=1G",
            "--http",
            "127.0.0.1:8080",
            "--docroot=/srv",
        ]))
        .expect("valid");
        assert_eq!(parsed.config_files, vec!["a.ini"]);
        assert_eq!(
            parsed.defines,
            vec!["hhvm.server.port=0", "memory_limit=1G"]
        );
        assert_eq!(parsed.http.as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(parsed.docroot.as_deref(), Some("/srv"));
        assert!(parse_args(&args(&["-c"])).is_err());
        assert!(parse_args(&args(&["--bogus"])).is_err());
        assert!(parse_args(&args(&["--docroot", "/x"])).is_err());
    }

    #[test]
    fn http_alone_keeps_fastcgi_off_unless_a_port_is_set() {
        let parsed = parse_args(&args(&["--http", "127.0.0.1:0", "--docroot", "/"])).expect("ok");
        let (config, _) = load_config(&parsed).expect("ok");
        assert!(!config.listen_tcp);
        assert_eq!(config.docroot, Some(PathBuf::from("/")));
        let parsed = parse_args(&args(&[
            "--http",
            "127.0.0.1:0",
            "-d",
            "hhvm.server.port=0",
        ]))
        .expect("ok");
        assert!(load_config(&parsed).expect("ok").0.listen_tcp);
    }
}
