//! The server's configuration: HHVM's `server.ini` keys (`hhvm.server.port`, ...) read from
//! php.ini-syntax files and `-d key=value` overrides into one typed [`ServerConfig`], plus the
//! PHP settings (`memory_limit`, `date.timezone`, ...) that are handed to the engine as they
//! are. Pure: the caller reads the files; unknown keys become warnings, never errors.

use std::path::PathBuf;
use std::time::Duration;

use super::ini::{self, IniEntry};

/// Everything `rhvm serve` needs to know, with HHVM's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// `hhvm.server.ip`: the address the FastCGI listener binds.
    pub ip: String,
    /// `hhvm.server.port`: FastCGI TCP port; 0 picks an ephemeral port (tests).
    pub port: u16,
    /// Whether the TCP listener runs: yes unless only a Unix socket (or only the
    /// development HTTP listener) was asked for.
    pub listen_tcp: bool,
    /// `hhvm.server.file_socket`: a Unix socket path (mode 0660) to listen on.
    pub file_socket: Option<PathBuf>,
    /// `hhvm.server.thread_count`: executor threads (requests running at once).
    pub thread_count: usize,
    /// `hhvm.server.source_root`: where scripts are resolved when the front end's
    /// SCRIPT_FILENAME does not say (and the development HTTP docroot default).
    pub source_root: Option<PathBuf>,
    /// `hhvm.server.request_timeout_seconds`: wall-clock limit of one request; 0 = none.
    pub request_timeout: Option<Duration>,
    /// `hhvm.server.graceful_shutdown_wait`: how long a SIGTERM waits for running requests.
    pub graceful_shutdown_wait: Duration,
    /// `hhvm.server.max_params_bytes` (rhvm): the largest FastCGI params block accepted.
    pub max_params_bytes: usize,
    /// `hhvm.log.file`: the error log (stderr when unset).
    pub error_log: Option<PathBuf>,
    /// `hhvm.log.access.file` (rhvm's spelling of HHVM's access-log setting): the access
    /// log (none when unset, as HHVM and php-fpm; `/dev/stderr` for stderr).
    pub access_log: Option<PathBuf>,
    /// `hhvm.log.level`: `error`, `warning`, `info` (default) or `verbose`/`debug`.
    pub log_level: String,
    /// `--http ADDR`: the development HTTP listener, if any.
    pub http: Option<String>,
    /// `--docroot DIR`: the document root of the development HTTP listener.
    pub docroot: Option<PathBuf>,
    /// PHP settings for the engine (`memory_limit`, `display_errors`, ...), in order.
    pub php_ini: Vec<(String, String)>,
    /// The admin endpoint's address (`hhvm.admin_server.ip`, default 127.0.0.1).
    pub admin_ip: String,
    /// `hhvm.admin_server.port` (default 9001; empty turns the endpoint off; 0 picks a
    /// free port).
    pub admin_port: Option<u16>,
    /// `hhvm.admin_server.password`: required as `?auth=` on every endpoint but
    /// `/check-health`.
    pub admin_password: Option<String>,
    /// APC: `hhvm.server.apc.size_limit` (bytes), `ttl_limit` (seconds), `expire_on_sets`.
    pub apc: crate::vm::apc::ApcConfig,
    /// `hhvm.repo.central.path`: the translation cache file (`None`: the default under the
    /// user's cache directory; empty: no cache).
    pub repo_central_path: Option<String>,
    /// `hhvm.repo.authoritative`: serve only from the prebuilt repo `hhvm.repo.path`
    /// (or the central path), never reading or stat-ing PHP sources.
    pub repo_authoritative: bool,
    /// `hhvm.repo.path`: the prebuilt repo of authoritative mode.
    pub repo_path: Option<String>,
    /// Request recording (`hhvm.debug.*`, `--record DIR`).
    pub record: RecordConfig,
    /// `hhvm.server.warmup_requests`: a directory of recordings replayed at start-up,
    /// before the listeners accept traffic.
    pub warmup_requests: Option<PathBuf>,
    /// `hhvm.jit`, `hhvm.jit_threshold`, `hhvm.jit_fail_guards_once`.
    pub jit: crate::jit::JitSettings,
    /// The hidden `--debug-panic-trigger` of `rhvm serve` (no ini key): declare
    /// `rhvm_debug_panic()` in every request, for tests of panic containment.
    pub debug_panic_trigger: bool,
}

/// What the recorder keeps (`hhvm.debug.record_input` and its companions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordConfig {
    /// `hhvm.debug.record_input` (or `--record DIR`): record requests.
    pub enabled: bool,
    /// `hhvm.debug.record_dir`: where recordings go (default `$TMPDIR/rhvm-recordings`).
    pub dir: PathBuf,
    /// `hhvm.debug.clear_input_on_success`: keep only requests that ended in a 5xx or a
    /// PHP fatal error.
    pub clear_input_on_success: bool,
    /// `hhvm.debug.record_sample_rate` (0 to 1) in parts per million of requests.
    pub sample_ppm: u32,
    /// `hhvm.debug.record_max_files`: recordings kept in the directory at most.
    pub max_files: u64,
    /// `hhvm.debug.record_max_bytes`: bytes of recordings in the directory at most.
    pub max_bytes: u64,
    /// `hhvm.debug.record_body_limit`: response (and request) body bytes kept in a
    /// recording; a longer response body is kept as its digest.
    pub body_limit: usize,
}

impl Default for RecordConfig {
    fn default() -> Self {
        RecordConfig {
            enabled: false,
            dir: std::env::temp_dir().join("rhvm-recordings"),
            clear_input_on_success: false,
            sample_ppm: 1_000_000,
            max_files: 100_000,
            max_bytes: 1 << 30,
            body_limit: 1 << 20,
        }
    }
}

impl ServerConfig {
    /// HHVM's defaults on a machine with `cores` cores.
    pub fn with_defaults(cores: usize) -> Self {
        ServerConfig {
            ip: "127.0.0.1".into(),
            port: 9000,
            listen_tcp: true,
            file_socket: None,
            thread_count: (2 * cores).max(1),
            source_root: None,
            request_timeout: None,
            graceful_shutdown_wait: Duration::from_secs(5),
            max_params_bytes: 1 << 20,
            error_log: None,
            access_log: None,
            log_level: "info".into(),
            http: None,
            docroot: None,
            php_ini: Vec::new(),
            admin_ip: "127.0.0.1".into(),
            admin_port: Some(9001),
            admin_password: None,
            apc: crate::vm::apc::ApcConfig::default(),
            repo_central_path: None,
            repo_authoritative: false,
            repo_path: None,
            record: RecordConfig::default(),
            warmup_requests: None,
            jit: crate::jit::JitSettings::default(),
            debug_panic_trigger: false,
        }
    }
}

/// Where an entry came from, for messages: a file name, or `-d` for the command line.
pub struct Source<'a> {
    /// `server.ini` path as given, or `-d`.
    pub name: &'a str,
    /// The parsed entries of that source.
    pub entries: Vec<IniEntry>,
}

/// PHP ini directives the engine accepts from the server (passed on unchanged). Other
/// non-`hhvm.` keys are warned about and dropped, as HHVM does with keys it does not know.
const PHP_KEYS: &[&str] = &[
    "allow_url_fopen",
    "arg_separator.input",
    "arg_separator.output",
    "assert.active",
    "assert.exception",
    "auto_detect_line_endings",
    "date.timezone",
    "default_charset",
    "default_mimetype",
    "default_socket_timeout",
    "display_errors",
    "display_startup_errors",
    "error_log",
    "error_reporting",
    "expose_php",
    "file_uploads",
    "html_errors",
    "ignore_user_abort",
    "implicit_flush",
    "include_path",
    "log_errors",
    "max_execution_time",
    "max_file_uploads",
    "max_input_nesting_level",
    "max_input_time",
    "max_input_vars",
    "memory_limit",
    "output_buffering",
    "post_max_size",
    "precision",
    "register_argc_argv",
    "request_order",
    "serialize_precision",
    "session.save_path",
    "short_open_tag",
    "upload_max_filesize",
    "upload_tmp_dir",
    "user_agent",
    "variables_order",
    "zend.assertions",
];

/// `hhvm.*` keys of HHVM's server.ini that other parts of rhvm read (or will read): known,
/// so not warned about, but not interpreted here.
const HHVM_KEYS_ELSEWHERE: &[&str] = &[
    "hhvm.server.type",
    "hhvm.server.light_process_count",
    "hhvm.server.light_process_file_prefix",
];

/// Applies the sources in order (files first, then `-d`), later values winning.
///
/// Returns the configuration and one warning per unknown key or unusable value.
///
/// # Errors
///
/// None: every problem with a single key is a warning naming the source and line, so a
/// stale key in an old `server.ini` never stops the server. Malformed files are rejected
/// earlier, by [`ini::parse`].
pub fn build(mut config: ServerConfig, sources: &[Source<'_>]) -> (ServerConfig, Vec<String>) {
    let mut warnings = Vec::new();
    let mut port_set = false;
    for source in sources {
        for entry in &source.entries {
            let at = if entry.line == 0 {
                format!("{} {}", source.name, entry.key)
            } else {
                format!("{}:{}", source.name, entry.line)
            };
            let mut bad = |what: &str| {
                warnings.push(format!(
                    "{at}: bad value {:?} for {} ({what}); ignored",
                    entry.value, entry.key
                ))
            };
            let value = entry.value.trim();
            match entry.key.to_ascii_lowercase().as_str() {
                "hhvm.server.ip" => config.ip = value.to_string(),
                key @ ("hhvm.jit" | "hhvm.jit_threshold" | "hhvm.jit_fail_guards_once") => {
                    if key == "hhvm.jit_threshold" && value.parse::<u32>().is_err() {
                        bad("not a count");
                    } else {
                        config.jit.apply(key, value);
                    }
                }
                "hhvm.admin_server.ip" => config.admin_ip = value.to_string(),
                "hhvm.repo.central.path" => config.repo_central_path = Some(value.to_string()),
                "hhvm.repo.path" => config.repo_path = Some(value.to_string()),
                "hhvm.repo.authoritative" => {
                    config.repo_authoritative = matches!(
                        value.to_ascii_lowercase().as_str(),
                        "1" | "on" | "true" | "yes"
                    )
                }
                "hhvm.admin_server.port" => match value {
                    "" => config.admin_port = None,
                    v => match v.parse() {
                        Ok(p) => config.admin_port = Some(p),
                        Err(_) => bad("a port number"),
                    },
                },
                "hhvm.admin_server.password" => {
                    config.admin_password = (!value.is_empty()).then(|| value.to_string())
                }
                "hhvm.server.apc.size_limit" => match value.parse::<u64>() {
                    Ok(n) if n > 0 => config.apc.size_limit = n,
                    _ => bad("a positive number of bytes"),
                },
                "hhvm.server.apc.ttl_limit" => match value.parse::<i64>() {
                    Ok(n) if n >= 0 => config.apc.ttl_limit = n,
                    _ => bad("seconds"),
                },
                "hhvm.server.apc.expire_on_sets" => config.apc.expire_on_sets = truthy(value),
                "hhvm.debug.record_input" => config.record.enabled = truthy(value),
                "hhvm.debug.clear_input_on_success" => {
                    config.record.clear_input_on_success = truthy(value)
                }
                "hhvm.debug.record_dir" => match value {
                    "" => bad("a directory"),
                    dir => config.record.dir = PathBuf::from(dir),
                },
                "hhvm.debug.record_sample_rate" => match value.parse::<f64>() {
                    Ok(rate) if (0.0..=1.0).contains(&rate) => {
                        config.record.sample_ppm = (rate * 1_000_000.0).round() as u32
                    }
                    _ => bad("a rate from 0 to 1"),
                },
                "hhvm.debug.record_max_files" => match value.parse::<u64>() {
                    Ok(n) => config.record.max_files = n,
                    Err(_) => bad("a number of files"),
                },
                "hhvm.debug.record_max_bytes" => match value.parse::<u64>() {
                    Ok(n) => config.record.max_bytes = n,
                    Err(_) => bad("bytes"),
                },
                "hhvm.debug.record_body_limit" => match value.parse::<usize>() {
                    Ok(n) => config.record.body_limit = n,
                    Err(_) => bad("bytes"),
                },
                "hhvm.server.warmup_requests" => {
                    config.warmup_requests = (!value.is_empty()).then(|| PathBuf::from(value))
                }
                "hhvm.server.port" => match value.parse() {
                    Ok(p) => {
                        config.port = p;
                        port_set = true;
                    }
                    Err(_) => bad("a port number"),
                },
                "hhvm.server.file_socket" => {
                    config.file_socket = (!value.is_empty()).then(|| PathBuf::from(value))
                }
                "hhvm.server.thread_count" => match value.parse::<usize>() {
                    Ok(n) if n > 0 => config.thread_count = n,
                    _ => bad("a positive number"),
                },
                "hhvm.server.source_root" => {
                    config.source_root = (!value.is_empty()).then(|| PathBuf::from(value))
                }
                "hhvm.server.request_timeout_seconds" => match value.parse::<u64>() {
                    Ok(0) => config.request_timeout = None,
                    Ok(n) => config.request_timeout = Some(Duration::from_secs(n)),
                    Err(_) => bad("seconds"),
                },
                "hhvm.server.graceful_shutdown_wait" => match value.parse::<u64>() {
                    Ok(n) => config.graceful_shutdown_wait = Duration::from_secs(n),
                    Err(_) => bad("seconds"),
                },
                "hhvm.server.max_params_bytes" => match value.parse::<usize>() {
                    Ok(n) if n >= 1024 => config.max_params_bytes = n,
                    _ => bad("bytes, at least 1024"),
                },
                "hhvm.log.file" => config.error_log = (!value.is_empty()).then(|| value.into()),
                "hhvm.log.access.file" | "hhvm.log.access_log" => {
                    config.access_log = (!value.is_empty()).then(|| value.into())
                }
                "hhvm.log.level" => match value.to_ascii_lowercase().as_str() {
                    l @ ("error" | "warning" | "info" | "verbose" | "debug") => {
                        config.log_level = l.to_string()
                    }
                    _ => bad("error, warning, info or verbose"),
                },
                key if HHVM_KEYS_ELSEWHERE.contains(&key) => {}
                key if PHP_KEYS.contains(&key) => {
                    config.php_ini.retain(|(k, _)| k != key);
                    config.php_ini.push((key.to_string(), entry.value.clone()));
                }
                _ => warnings.push(format!("{at}: unknown setting {}; ignored", entry.key)),
            }
        }
    }
    // HHVM listens on the Unix socket instead of the port when one is configured; with
    // only the development HTTP listener asked for, FastCGI stays off unless configured.
    if (config.file_socket.is_some() || config.http.is_some()) && !port_set {
        config.listen_tcp = false;
    }
    (config, warnings)
}

/// An ini boolean as HHVM reads it.
fn truthy(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "1" | "on" | "true" | "yes"
    )
}

/// Parses `server.ini`-style text into a [`Source`], naming the file in the error.
///
/// # Errors
///
/// `"FILE:LINE: message"` for the first unreadable line.
pub fn parse_source<'a>(
    name: &'a str,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Source<'a>, String> {
    match ini::parse(text, env) {
        Ok(entries) => Ok(Source { name, entries }),
        Err(e) => Err(format!("{name}:{}: {}", e.line, e.message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn config_of(text: &str) -> (ServerConfig, Vec<String>) {
        let source = parse_source("server.ini", text, &no_env).expect("valid");
        build(ServerConfig::with_defaults(2), &[source])
    }

    #[test]
    fn defaults() {
        let (c, w) = config_of("");
        assert!(w.is_empty());
        assert_eq!(
            (c.ip.as_str(), c.port, c.thread_count),
            ("127.0.0.1", 9000, 4)
        );
        assert!(c.listen_tcp);
    }

    #[test]
    fn hhvm_keys() {
        let (c, w) = config_of(
            "hhvm.server.port = 0\nhhvm.server.thread_count = 3\nhhvm.server.file_socket = /tmp/s.sock\n\
             hhvm.server.request_timeout_seconds = 30\nhhvm.server.type = fastcgi\n\
             hhvm.log.file = /tmp/e.log\nmemory_limit = 64M\ndisplay_errors = On\n",
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.port, 0);
        assert_eq!(c.thread_count, 3);
        assert_eq!(c.file_socket, Some(PathBuf::from("/tmp/s.sock")));
        assert!(
            c.listen_tcp,
            "an explicit port keeps TCP on beside the socket"
        );
        assert_eq!(c.request_timeout, Some(Duration::from_secs(30)));
        assert_eq!(c.error_log, Some(PathBuf::from("/tmp/e.log")));
        assert_eq!(
            c.php_ini,
            vec![
                ("memory_limit".to_string(), "64M".to_string()),
                ("display_errors".to_string(), "1".to_string())
            ]
        );
    }

    #[test]
    fn recording_keys() {
        let (c, w) = config_of(
            "hhvm.debug.record_input = true\nhhvm.debug.record_dir = /tmp/rec\n\
             hhvm.debug.clear_input_on_success = 1\nhhvm.debug.record_sample_rate = 0.25\n\
             hhvm.debug.record_max_files = 10\nhhvm.server.warmup_requests = /tmp/w\n\
             hhvm.debug.record_sample_rate = 2\n",
        );
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(c.record.enabled && c.record.clear_input_on_success);
        assert_eq!(c.record.dir, PathBuf::from("/tmp/rec"));
        assert_eq!((c.record.sample_ppm, c.record.max_files), (250_000, 10));
        assert_eq!(c.warmup_requests, Some(PathBuf::from("/tmp/w")));
    }

    #[test]
    fn socket_alone_turns_tcp_off() {
        let (c, _) = config_of("hhvm.server.file_socket = /tmp/x.sock");
        assert!(!c.listen_tcp);
    }

    #[test]
    fn unknown_keys_and_bad_values_warn_with_file_and_line() {
        let (c, w) = config_of("hhvm.server.nope = 1\n\nhhvm.server.port = many\nfoo.bar = 2\n");
        assert_eq!(c.port, 9000);
        assert_eq!(
            w,
            vec![
                "server.ini:1: unknown setting hhvm.server.nope; ignored".to_string(),
                "server.ini:3: bad value \"many\" for hhvm.server.port (a port number); ignored"
                    .to_string(),
                "server.ini:4: unknown setting foo.bar; ignored".to_string(),
            ]
        );
    }

    #[test]
    fn later_sources_win() {
        let file = parse_source("a.ini", "hhvm.server.port = 9100\nmemory_limit=1G", &no_env)
            .expect("valid");
        let cli = Source {
            name: "-d",
            entries: vec![
                ini::parse_define("hhvm.server.port=0", &no_env).expect("ok"),
                ini::parse_define("memory_limit=2G", &no_env).expect("ok"),
            ],
        };
        let (c, _) = build(ServerConfig::with_defaults(1), &[file, cli]);
        assert_eq!(c.port, 0);
        assert_eq!(c.php_ini, vec![("memory_limit".into(), "2G".into())]);
    }

    #[test]
    fn malformed_file_names_file_and_line() {
        let e = parse_source("/etc/rhvm/server.ini", "a=1\n[x\n", &no_env)
            .err()
            .expect("bad");
        assert_eq!(e, "/etc/rhvm/server.ini:2: unterminated section header");
    }
}
