//! `rhvm serve` behind real front ends: Apache 2.4 (mod_proxy_fcgi, SetHandler and
//! ProxyPassMatch styles, with and without `enablereuse`) and nginx (`fastcgi_keep_conn`
//! on and off), started by `../shared/recipes/start-*.sh` in front of one rhvm server, and
//! driven with curl over the recipe's `testdocroot/` pages: GET with query and PATH_INFO,
//! urlencoded, multipart and 5 MB posts, a 1 MiB response checked by md5, cookies,
//! redirects and status codes, as the recipe README records them for php-fpm.
//!
//! Skipped with a notice when apache2, nginx, curl or the recipes are missing, unless `CI`
//! is set (then it fails). Every process started here is stopped by PID, also on failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use md5::{Digest, Md5};

mod common;
use common::Serve;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn have(tool: &str) -> bool {
    // Root's PATH usually has /usr/sbin (apache2, nginx), other users' may not.
    if Path::new("/usr/sbin").join(tool).exists() {
        return true;
    }
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A front end started by a recipe script; stopped with its `stop.sh` (TERM, then KILL of
/// its process group) on drop.
struct FrontEnd {
    pid: String,
    rundir: PathBuf,
    port: u16,
}

impl Drop for FrontEnd {
    fn drop(&mut self) {
        let stop = self.rundir.join("stop.sh");
        if stop.exists() {
            let _ = Command::new("bash").arg(&stop).status();
        } else {
            let _ = Command::new("kill").args(["-TERM", &self.pid]).status();
        }
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

impl FrontEnd {
    fn start(
        script: &Path,
        args: &[&str],
        docroot: &Path,
        backend: &str,
        rundir: PathBuf,
    ) -> FrontEnd {
        let _ = std::fs::remove_dir_all(&rundir);
        let port = free_port();
        let output = Command::new("bash")
            .arg(script)
            .args(["-p", &port.to_string(), "-d"])
            .arg(docroot)
            .args(["-b", backend, "-o"])
            .arg(&rundir)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run the start script");
        let pid = String::from_utf8_lossy(&output.stdout).trim().to_string();
        let front = FrontEnd { pid, rundir, port };
        assert!(
            output.status.success() && !front.pid.is_empty(),
            "{} {args:?} failed: {}",
            script.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        front
    }
}

/// One curl result.
struct Reply {
    status: u16,
    /// Header lines of the final response, lowercase names.
    headers: Vec<String>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.headers
            .iter()
            .find(|h| h.to_ascii_lowercase().starts_with(&prefix))
            .map(|h| h[prefix.len()..].trim())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn curl(work: &Path, url: &str, args: &[&str]) -> Reply {
    let head = work.join("curl.hdr");
    let body = work.join("curl.body");
    let output = Command::new("curl")
        .args(["-s", "-S", "--max-time", "30", "-D"])
        .arg(&head)
        .arg("-o")
        .arg(&body)
        .args(["-w", "%{http_code}"])
        .args(args)
        .arg(url)
        .output()
        .expect("run curl");
    let status = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    let head_text = std::fs::read_to_string(&head).unwrap_or_default();
    // With `100 Continue` first, keep only the last response's headers.
    let last = head_text
        .rsplit("\r\n\r\n")
        .find(|block| block.starts_with("HTTP/"))
        .unwrap_or("");
    Reply {
        status,
        headers: last.lines().skip(1).map(str::to_string).collect(),
        body: std::fs::read(&body).unwrap_or_default(),
    }
}

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Copies `from` into `to` with world-readable modes (the front ends' workers run as
/// www-data and must traverse every directory).
fn copy_readable(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).expect("mkdir");
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for entry in std::fs::read_dir(from).expect("read docroot") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_readable(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644))
                .expect("chmod");
        }
    }
}

/// Runs the smoke cases against one front end; returns failures as text.
fn smoke(name: &str, base: &str, work: &Path, docroot: &Path, big_input: &[u8]) -> Vec<String> {
    let mut failures = Vec::new();
    let mut check = |case: &str, ok: bool, detail: String| {
        if !ok {
            failures.push(format!("{name} {case}: {detail}"));
        }
    };
    let root = docroot.to_string_lossy().to_string();

    let r = curl(
        work,
        &format!("{base}/index.php?a=1&b[]=2&sp=a%20b+c&e=%C3%A9"),
        &["-H", "Cookie: c1=1; c2=2"],
    );
    let t = r.text();
    check("get_query", r.status == 200, format!("status {}", r.status));
    check(
        "get_query content-type",
        r.header("content-type") == Some("application/json"),
        format!("{:?}", r.headers),
    );
    for want in [
        "\"a\": \"1\"",
        "\"sp\": \"a b c\"",
        "\"e\": \"\\u00e9\"",
        "\"b\": [\n            \"2\"\n        ]",
        "\"c1\": \"1\"",
        "\"c2\": \"2\"",
        "\"REQUEST_METHOD\": \"GET\"",
        "\"SCRIPT_NAME\": \"/index.php\"",
        "\"input_len\": 0",
    ] {
        check("get_query", t.contains(want), format!("no {want} in {t}"));
    }
    check(
        "get_query SCRIPT_FILENAME",
        t.contains(&format!("\"SCRIPT_FILENAME\": \"{root}/index.php\"")),
        t.clone(),
    );

    let r = curl(work, &format!("{base}/index.php/extra/path?x=1"), &[]);
    let t = r.text();
    check("pathinfo", r.status == 200, format!("status {}", r.status));
    for want in [
        "\"PATH_INFO\": \"/extra/path\"",
        "\"SCRIPT_NAME\": \"/index.php\"",
        "\"x\": \"1\"",
    ] {
        check("pathinfo", t.contains(want), format!("no {want} in {t}"));
    }

    let r = curl(work, &format!("{base}/"), &[]);
    check(
        "root",
        r.status == 200 && r.text().contains("\"SCRIPT_NAME\": \"/index.php\""),
        r.text(),
    );

    let r = curl(work, &format!("{base}/sub/page.php?s=1"), &[]);
    check(
        "subdir",
        r.status == 200 && r.body == b"sub ok /sub/page.php\n",
        r.text(),
    );

    let r = curl(work, &format!("{base}/missing.php"), &[]);
    check("missing", r.status == 404, format!("status {}", r.status));

    let r = curl(work, &format!("{base}/static.txt"), &[]);
    check("static", r.status == 200, format!("status {}", r.status));

    let r = curl(
        work,
        &format!("{base}/index.php?q=1"),
        &["-d", "a=1&b=x+y&c[]=z"],
    );
    let t = r.text();
    for want in [
        "\"REQUEST_METHOD\": \"POST\"",
        "\"b\": \"x y\"",
        "\"c\": [\n            \"z\"\n        ]",
        "\"q\": \"1\"",
    ] {
        check(
            "post_urlenc",
            r.status == 200 && t.contains(want),
            format!("no {want} in {t}"),
        );
    }

    let small = work.join("in-small.txt");
    std::fs::write(&small, "small file contents\n").expect("write");
    let r = curl(
        work,
        &format!("{base}/index.php"),
        &[
            "-F",
            "a=1",
            "-F",
            &format!("file=@{};type=text/plain", small.display()),
        ],
    );
    let t = r.text();
    for want in [
        "\"name\": \"in-small.txt\"",
        "\"type\": \"text/plain\"",
        "\"size\": 20",
        "\"error\": 0",
        &format!("\"md5\": \"{}\"", md5_hex(b"small file contents\n")),
        "\"a\": \"1\"",
    ] {
        check(
            "post_multipart",
            r.status == 200 && t.contains(want),
            format!("no {want} in {t}"),
        );
    }

    let big = work.join("in-5m.bin");
    std::fs::write(&big, big_input).expect("write");
    let big_md5 = md5_hex(big_input);
    let r = curl(
        work,
        &format!("{base}/post.php"),
        &[
            "--data-binary",
            &format!("@{}", big.display()),
            "-H",
            "Content-Type: application/octet-stream",
        ],
    );
    let t = r.text();
    check(
        "post_big_raw",
        r.status == 200
            && t.contains(&format!("\"input_len\":{}", big_input.len()))
            && t.contains(&big_md5),
        t.clone(),
    );
    let r = curl(
        work,
        &format!("{base}/post.php"),
        &[
            "-F",
            &format!("file=@{};type=application/octet-stream", big.display()),
        ],
    );
    let t = r.text();
    check(
        "post_big_mp",
        r.status == 200 && t.contains(&big_md5),
        t.clone(),
    );

    let r = curl(work, &format!("{base}/big.php"), &[]);
    check(
        "big_resp",
        r.status == 200 && r.body.len() == 1 << 20,
        format!("status {} len {}", r.status, r.body.len()),
    );
    check(
        "big_resp md5",
        r.header("x-body-md5") == Some(md5_hex(&r.body).as_str()),
        format!("{:?}", r.header("x-body-md5")),
    );

    let r = curl(work, &format!("{base}/headers.php?case=all"), &[]);
    check(
        "hdr_all",
        r.status == 404 && r.body == b"custom 404 body\n",
        format!("{} {}", r.status, r.text()),
    );
    check(
        "hdr_all x-a",
        r.header("x-a") == Some("1"),
        format!("{:?}", r.headers),
    );
    let cookies: Vec<&String> = r
        .headers
        .iter()
        .filter(|h| h.to_ascii_lowercase().starts_with("set-cookie:"))
        .collect();
    check(
        "hdr_all cookies",
        cookies.len() == 2
            && cookies[0].ends_with("c1=v1")
            && cookies[1].contains("c2=v%202; path=/; HttpOnly; SameSite=Lax"),
        format!("{cookies:?}"),
    );

    let r = curl(work, &format!("{base}/headers.php?case=redirect"), &[]);
    check(
        "hdr_redirect",
        r.status == 302 && r.header("location") == Some("/index.php?from=redirect"),
        format!("{} {:?}", r.status, r.headers),
    );
    let r = curl(work, &format!("{base}/headers.php?case=redirect301"), &[]);
    check(
        "hdr_301",
        r.status == 301 && r.header("location") == Some("http://example.invalid/elsewhere"),
        format!("{} {:?}", r.status, r.headers),
    );
    let r = curl(
        work,
        &format!("{base}/headers.php?case=status-header"),
        &["-i"],
    );
    check("hdr_status", r.status == 418, format!("{}", r.status));
    let r = curl(work, &format!("{base}/headers.php?case=custom-reason"), &[]);
    let head = std::fs::read_to_string(work.join("curl.hdr")).unwrap_or_default();
    check(
        "hdr_reason",
        r.status == 299 && head.starts_with("HTTP/1.1 299 Custom Reason"),
        head.clone(),
    );
    let r = curl(work, &format!("{base}/headers.php?case=204"), &[]);
    check(
        "hdr_204",
        r.status == 204 && r.body.is_empty(),
        format!("{}", r.status),
    );
    let r = curl(
        work,
        &format!("{base}/headers.php?case=content-length"),
        &[],
    );
    check("hdr_cl", r.status == 200 && r.body == b"hello", r.text());
    let r = curl(work, &format!("{base}/headers.php?case=500"), &[]);
    check(
        "hdr_500",
        r.status == 500 && r.body == b"app error body\n",
        r.text(),
    );
    // curl -I writes the headers where the body would go: no JSON may follow them.
    let r = curl(work, &format!("{base}/index.php?h=1"), &["-I"]);
    check(
        "head",
        r.status == 200 && !r.text().contains("\"SERVER\""),
        r.text(),
    );
    failures
}

#[test]
fn behind_apache_and_nginx() {
    let recipes = repo_root().join("../shared/recipes");
    let missing: Vec<&str> = ["apache2", "nginx", "curl"]
        .into_iter()
        .filter(|tool| !have(tool))
        .chain((!recipes.join("start-apache.sh").exists()).then_some("../shared/recipes"))
        .collect();
    if !missing.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs {missing:?} for the Apache/nginx tests (.ci/run installs them)"
        );
        eprintln!("NOTICE: skipping the Apache/nginx tests: {missing:?} not found");
        return;
    }
    let work = std::env::temp_dir().join(format!("rhvm-apache-nginx-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let docroot = work.join("docroot");
    copy_readable(&recipes.join("testdocroot"), &docroot);
    let rhvm = Serve::start(
        &[
            "-d",
            "hhvm.server.port=0",
            "-d",
            "hhvm.server.thread_count=4",
            "-d",
            "post_max_size=64M",
            "-d",
            "upload_max_filesize=64M",
        ]
        .map(String::from),
    );
    let port = rhvm
        .port(&["fastcgi"], Duration::from_secs(20))
        .unwrap_or_else(|| panic!("rhvm did not start: {:?}", rhvm.log()));
    let backend = format!("127.0.0.1:{port}");
    let big_input: Vec<u8> = (0..5u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();

    let variants: &[(&str, &str, &[&str])] = &[
        (
            "apache-sethandler",
            "start-apache.sh",
            &["-s", "sethandler"],
        ),
        (
            "apache-sethandler-reuse",
            "start-apache.sh",
            &["-s", "sethandler", "-r"],
        ),
        (
            "apache-proxypassmatch",
            "start-apache.sh",
            &["-s", "proxypassmatch"],
        ),
        (
            "apache-proxypassmatch-reuse",
            "start-apache.sh",
            &["-s", "proxypassmatch", "-r"],
        ),
        ("nginx-keep-off", "start-nginx.sh", &["-k", "off"]),
        ("nginx-keep-on", "start-nginx.sh", &["-k", "on"]),
    ];
    let mut failures = Vec::new();
    for (name, script, args) in variants {
        let front = FrontEnd::start(
            &recipes.join(script),
            args,
            &docroot,
            &backend,
            work.join(name),
        );
        let base = format!("http://127.0.0.1:{}", front.port);
        failures.extend(smoke(name, &base, &work, &docroot, &big_input));
        drop(front);
    }
    let log = rhvm.log();
    let panics: Vec<&String> = log.iter().filter(|l| l.contains("panicked")).collect();
    assert!(panics.is_empty(), "rhvm panicked: {panics:?}");
    drop(rhvm);
    if failures.is_empty() {
        let _ = std::fs::remove_dir_all(&work);
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
