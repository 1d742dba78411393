//! Which script a request runs, and the CGI variables as php-fpm repairs them: Apache's
//! `proxy:fcgi://host:port` / `proxy:balancer://` prefix stripped, PATH_INFO split off a
//! SCRIPT_FILENAME that names no file (`cgi.fix_pathinfo=1`: walk up to the first existing
//! file, fix SCRIPT_NAME, set PATH_TRANSLATED, keep the originals as `ORIG_*`), and the
//! check that the script lies inside the source root.
//!
//! The variable list mimics php-fpm's FastCGI environment table: duplicates replace the
//! value in place (the last one wins), new names go first, and `$_SERVER` lists them in
//! that order. Beyond php-fpm: a SCRIPT_FILENAME that Apache's ProxyPassMatch sent
//! percent-encoded (`/sp%20ace.php`) is tried decoded when the raw path names nothing.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The CGI environment of a request, in php-fpm's table order (insertion order; `$_SERVER`
/// shows it reversed).
#[derive(Debug, Default, Clone)]
pub(crate) struct Env {
    vars: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Env {
    /// The table filled from params in arrival order (with php-fpm's `FCGI_ROLE` first).
    pub fn from_params(params: Vec<(Vec<u8>, Vec<u8>)>) -> Env {
        let mut vars: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(params.len() + 8);
        vars.push((b"FCGI_ROLE".to_vec(), b"RESPONDER".to_vec()));
        for (k, v) in params {
            // A repeated name (nginx repeats HTTP_COOKIE) keeps its first place.
            match vars.iter_mut().find(|(name, _)| *name == k) {
                Some(slot) => slot.1 = v,
                None => vars.push((k, v)),
            }
        }
        Env { vars }
    }

    /// A variable's value; an empty value counts as absent (php-fpm's `getenv` on the
    /// table treats `''` so for the variables used in resolution).
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.get_raw(name).filter(|v| !v.is_empty())
    }

    /// A variable's value, empty or not.
    pub fn get_raw(&self, name: &[u8]) -> Option<&[u8]> {
        self.vars
            .iter()
            .find(|(k, _)| k.as_slice() == name)
            .map(|(_, v)| v.as_slice())
    }

    /// Sets (in place) or adds a variable; `None` removes it.
    pub fn put(&mut self, name: &[u8], value: Option<&[u8]>) {
        let pos = self.vars.iter().position(|(k, _)| k.as_slice() == name);
        match (pos, value) {
            (Some(i), Some(v)) => self.vars[i].1 = v.to_vec(),
            (Some(i), None) => {
                self.vars.remove(i);
            }
            (None, Some(v)) => self.vars.push((name.to_vec(), v.to_vec())),
            (None, None) => {}
        }
    }

    /// The variables in `$_SERVER` order.
    pub fn server_order(&self) -> impl Iterator<Item = &(Vec<u8>, Vec<u8>)> {
        self.vars.iter().rev()
    }
}

/// A resolved request.
#[derive(Debug)]
pub(crate) struct Resolved {
    /// The script to run (absolute, as given; not canonicalised: `__FILE__` shows it).
    pub script: Vec<u8>,
    /// The repaired CGI environment.
    pub env: Env,
    /// `SG(request_info).request_uri`: the (fixed) SCRIPT_NAME, start of PHP_SELF.
    pub request_uri: Option<Vec<u8>>,
}

/// Why no script runs.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NotFound {
    /// No SCRIPT_FILENAME, or nothing on the path is a file.
    Missing,
    /// The file is outside the source root (or document root).
    OutsideRoot,
    /// The file exists but cannot be read (php-fpm answers 403 "Access denied.").
    Denied,
}

fn strip_proxy_prefix(path: &[u8]) -> Option<Vec<u8>> {
    for prefix in [&b"proxy:fcgi://"[..], &b"proxy:balancer://"[..]] {
        if path.len() >= prefix.len() && path[..prefix.len()].eq_ignore_ascii_case(prefix) {
            let rest = &path[prefix.len()..];
            let slash = rest.iter().position(|&c| c == b'/')?;
            let mut p = rest[slash..].to_vec();
            // Apache may append the query string (RewriteRule); php-fpm cuts it.
            if let Some(q) = p.iter().position(|&c| c == b'?') {
                p.truncate(q);
            }
            return Some(p);
        }
    }
    None
}

fn as_path(bytes: &[u8]) -> &Path {
    Path::new(std::ffi::OsStr::from_bytes(bytes))
}

/// Where scripts are looked up: the disk, or (repo-authoritative mode, `Some`) the paths
/// recorded in the repo, so that serving never touches the sources.
type Repo<'a> = Option<&'a dyn crate::vm::unit_codec::UnitStore>;

fn is_file(repo: Repo<'_>, bytes: &[u8]) -> bool {
    match repo {
        Some(repo) => crate::vm::unit_codec::repo_has(repo, as_path(bytes)),
        None => std::fs::metadata(as_path(bytes)).is_ok_and(|m| m.is_file()),
    }
}

/// `%XX` decoding (no `+`), as `rawurldecode`.
pub(crate) fn raw_url_decode(s: &[u8]) -> Vec<u8> {
    crate::vm::builtins::hash::url_decode(s, true)
}

/// Resolves the request's script as php-fpm (`cgi.fix_pathinfo=1`) does.
pub(crate) fn resolve(
    params: Vec<(Vec<u8>, Vec<u8>)>,
    source_root: Option<&Path>,
    roots: &mut RootCache,
) -> Result<Resolved, (NotFound, Env)> {
    let repo = roots.repo.clone();
    let repo = repo.as_deref();
    let mut env = Env::from_params(params);
    let mut orig_script_filename = env.get(b"SCRIPT_FILENAME").map(<[u8]>::to_vec);
    let mut apache_was_here = false;
    if let Some(p) = orig_script_filename
        .as_ref()
        .and_then(|s| strip_proxy_prefix(s))
    {
        // php-fpm strips the prefix in place: even ORIG_SCRIPT_FILENAME lacks it.
        apache_was_here = true;
        env.put(b"SCRIPT_FILENAME", Some(&p));
        orig_script_filename = Some(p);
    }
    let spt: Option<Vec<u8>> = orig_script_filename.clone();
    let Some(mut spt) = spt else {
        return Err((NotFound::Missing, env));
    };
    // Beyond php-fpm: Apache's ProxyPassMatch sends the path URL-encoded.
    if apache_was_here && !path_prefix_exists(repo, &spt) {
        let decoded = raw_url_decode(&spt);
        if decoded != spt && path_prefix_exists(repo, &decoded) {
            spt = decoded;
        }
    }
    let orig_path_info = env.get(b"PATH_INFO").map(<[u8]>::to_vec);
    let orig_script_name = env.get(b"SCRIPT_NAME").map(<[u8]>::to_vec);
    let orig_path_translated = env.get(b"PATH_TRANSLATED").map(<[u8]>::to_vec);
    let env_document_root = env.get(b"DOCUMENT_ROOT").map(<[u8]>::to_vec);
    let mut request_uri = orig_script_name.clone();

    // (None, true) when the repo of authoritative mode has the script.
    let (spt_meta, in_repo) = match repo {
        Some(_) => (None, is_file(repo, &spt)),
        None => (std::fs::metadata(as_path(&spt)).ok(), false),
    };
    let exists = !spt.ends_with(b"/") && (spt_meta.is_some() || in_repo);
    let script;
    if !exists {
        // Walk up to the first existing file; the rest is PATH_INFO.
        let mut pt = spt.clone();
        let mut found = false;
        while let Some(slash) = pt.iter().rposition(|&c| c == b'/') {
            pt.truncate(slash);
            if pt.is_empty() || !is_file(repo, &pt) {
                continue;
            }
            found = true;
            let ptlen = pt.len();
            let slen = spt.len() - ptlen;
            let env_path_info = orig_path_info.clone();
            let pilen = env_path_info.as_ref().map_or(0, Vec::len);
            let path_info: Option<Vec<u8>> = if apache_was_here {
                Some(spt[ptlen..].to_vec())
            } else {
                env_path_info
                    .as_ref()
                    .filter(|_| pilen > slen)
                    .map(|pi| pi[pilen - slen..].to_vec())
            };
            if let Some(opi) = &orig_path_info {
                env.put(b"ORIG_PATH_INFO", Some(opi));
                // SCRIPT_NAME becomes the part of the old PATH_INFO before the new one.
                let cut = pilen - path_info.as_ref().map_or(0, Vec::len);
                let new_sn = opi[..cut].to_vec();
                if orig_script_name.as_deref() != Some(&new_sn[..]) {
                    if let Some(osn) = &orig_script_name {
                        env.put(b"ORIG_SCRIPT_NAME", Some(osn));
                    }
                    env.put(b"SCRIPT_NAME", Some(&new_sn));
                    request_uri = Some(new_sn);
                }
            } else if let (true, Some(sn), Some(pi)) = (
                apache_was_here,
                orig_script_name.as_ref(),
                path_info.as_ref(),
            ) {
                // ProxyPassMatch cannot set PATH_INFO: it is also the tail of SCRIPT_NAME.
                let decoded = raw_url_decode(pi);
                if sn.len() > decoded.len() && sn.ends_with(&decoded) {
                    env.put(b"ORIG_SCRIPT_NAME", Some(sn));
                    let fixed = sn[..sn.len() - decoded.len()].to_vec();
                    env.put(b"SCRIPT_NAME", Some(&fixed));
                    request_uri = Some(fixed);
                }
            }
            env.put(b"PATH_INFO", path_info.as_deref());
            if orig_script_filename.as_deref() != Some(&pt[..]) {
                if let Some(osf) = &orig_script_filename {
                    env.put(b"ORIG_SCRIPT_FILENAME", Some(osf));
                }
                env.put(b"SCRIPT_FILENAME", Some(&pt));
            }
            if let Some(root) = &env_document_root {
                let root = root.strip_suffix(b"/").unwrap_or(root);
                let mut translated = root.to_vec();
                if let Some(pi) = &path_info {
                    translated.extend_from_slice(pi);
                }
                if let Some(opt) = &orig_path_translated {
                    env.put(b"ORIG_PATH_TRANSLATED", Some(opt));
                }
                env.put(b"PATH_TRANSLATED", Some(&translated));
            } else if let (Some(sn), Some(pi)) = (env.get(b"SCRIPT_NAME"), path_info.as_ref()) {
                // PATH_TRANSLATED = SCRIPT_FILENAME - SCRIPT_NAME + PATH_INFO.
                let sn = sn.to_vec();
                if let Some(at) = find(&pt, &sn) {
                    let mut translated = pt[..at].to_vec();
                    translated.extend_from_slice(pi);
                    if let Some(opt) = &orig_path_translated {
                        env.put(b"ORIG_PATH_TRANSLATED", Some(opt));
                    }
                    env.put(b"PATH_TRANSLATED", Some(&translated));
                }
            }
            break;
        }
        if !found {
            if let Some(osf) = &orig_script_filename {
                env.put(b"ORIG_SCRIPT_FILENAME", Some(osf));
            }
            env.put(b"SCRIPT_FILENAME", None);
            return Err((NotFound::Missing, env));
        }
        script = pt;
    } else {
        if orig_script_filename.as_deref() != Some(&spt[..]) {
            if let Some(osf) = &orig_script_filename {
                env.put(b"ORIG_SCRIPT_FILENAME", Some(osf));
            }
            env.put(b"SCRIPT_FILENAME", Some(&spt));
        }
        script = spt;
    }
    let is_regular = match (exists, &spt_meta) {
        (true, Some(m)) => m.is_file(),
        _ => is_file(repo, &script),
    };
    if !is_regular {
        return Err((NotFound::Missing, env));
    }
    // The script must be inside the source root (the document root by default).
    let root = source_root.or_else(|| env_document_root.as_deref().map(as_path));
    if let Some(root) = root {
        let inside = match repo {
            Some(_) => crate::vm::unit_codec::lexical_normal(as_path(&script))
                .starts_with(crate::vm::unit_codec::lexical_normal(root)),
            None => {
                // When the path named the script itself, `spt_meta` is its metadata.
                let meta = spt_meta.as_ref().filter(|_| exists);
                inside_root(&script, meta, root, roots)
            }
        };
        if !inside {
            return Err((NotFound::OutsideRoot, env));
        }
    }
    Ok(Resolved {
        script,
        env,
        request_uri,
    })
}

/// Whether some leading part of `path` (up to a `/`) is an existing file.
fn path_prefix_exists(repo: Repo<'_>, path: &[u8]) -> bool {
    if repo.is_none() && std::fs::metadata(as_path(path)).is_ok() {
        return true;
    }
    let mut p = path.to_vec();
    while let Some(slash) = p.iter().rposition(|&c| c == b'/') {
        p.truncate(slash);
        if !p.is_empty() && is_file(repo, &p) {
            return true;
        }
    }
    false
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Canonical forms of root directories, revalidated by one `stat`: a root that is a
/// symlink swapped to a new release (a common deploy) changes device/inode and is
/// resolved again. Also where resolution looks for scripts: `repo` is the translation
/// cache of repo-authoritative mode (scripts are the repo's paths, the disk is not read).
///
/// Scripts' canonical forms are cached the same way, as PHP's realpath cache does: an
/// entry holds while the script's device/inode are unchanged and for at most
/// `REALPATH_TTL` (canonicalising costs a `readlink` per path component on every request).
#[derive(Default)]
pub(crate) struct RootCache {
    roots: std::collections::HashMap<std::path::PathBuf, ((u64, u64), std::path::PathBuf)>,
    scripts: std::collections::HashMap<Vec<u8>, RealPath, foldhash::fast::RandomState>,
    repo: Option<std::sync::Arc<dyn crate::vm::unit_codec::UnitStore>>,
}

/// A script's canonical path, as found at `at` for the file `id` (device, inode).
struct RealPath {
    at: std::time::Instant,
    id: (u64, u64),
    real: std::path::PathBuf,
}

/// How long a script's canonical path is trusted without resolving it again (even with
/// device/inode unchanged): opcache's default `revalidate_freq`.
const REALPATH_TTL: std::time::Duration = std::time::Duration::from_secs(2);

impl RootCache {
    /// The resolution state of an engine whose units come from `store`.
    pub(crate) fn for_store(
        store: Option<&std::sync::Arc<dyn crate::vm::unit_codec::UnitStore>>,
    ) -> RootCache {
        RootCache {
            roots: Default::default(),
            scripts: Default::default(),
            repo: store.filter(|s| s.authoritative()).cloned(),
        }
    }

    fn canonical(&mut self, root: &Path) -> Option<std::path::PathBuf> {
        use std::os::unix::fs::MetadataExt;
        let md = std::fs::metadata(root).ok()?;
        let id = (md.dev(), md.ino());
        if let Some((cached_id, real)) = self.roots.get(root) {
            if *cached_id == id {
                return Some(real.clone());
            }
        }
        let real = std::fs::canonicalize(root).ok()?;
        if self.roots.len() > 64 {
            self.roots.clear();
        }
        self.roots.insert(root.to_path_buf(), (id, real.clone()));
        Some(real)
    }

    /// Whether the canonical form of `script`, whose metadata is `meta`, starts with `root`.
    fn script_inside(&mut self, script: &[u8], meta: &std::fs::Metadata, root: &Path) -> bool {
        use std::os::unix::fs::MetadataExt;
        let id = (meta.dev(), meta.ino());
        let now = std::time::Instant::now();
        if let Some(hit) = self.scripts.get(script) {
            if hit.id == id && now.duration_since(hit.at) < REALPATH_TTL {
                return hit.real.starts_with(root);
            }
        }
        let Ok(real) = std::fs::canonicalize(as_path(script)) else {
            return false;
        };
        let inside = real.starts_with(root);
        if self.scripts.len() >= 4096 {
            self.scripts.clear();
        }
        self.scripts
            .insert(script.to_vec(), RealPath { at: now, id, real });
        inside
    }
}

/// Whether `script` (after resolving `..` and symlinks) lies inside `root`; `meta` is the
/// script's metadata when the caller has it.
fn inside_root(
    script: &[u8],
    meta: Option<&std::fs::Metadata>,
    root: &Path,
    roots: &mut RootCache,
) -> bool {
    let Some(real_root) = roots.canonical(root) else {
        return false;
    };
    match meta {
        Some(meta) => roots.script_inside(script, meta, &real_root),
        None => {
            std::fs::canonicalize(as_path(script)).is_ok_and(|real| real.starts_with(&real_root))
        }
    }
}

/// A path as bytes.
pub(crate) fn path_bytes(p: &Path) -> Vec<u8> {
    p.as_os_str().as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_prefix_is_stripped_with_query() {
        assert_eq!(
            strip_proxy_prefix(b"proxy:fcgi://127.0.0.1:9000/www/a.php?x=1"),
            Some(b"/www/a.php".to_vec())
        );
        assert_eq!(
            strip_proxy_prefix(b"proxy:balancer://pool/www/a.php"),
            Some(b"/www/a.php".to_vec())
        );
        assert_eq!(strip_proxy_prefix(b"/www/a.php"), None);
    }

    #[test]
    fn env_keeps_first_position_and_last_value() {
        let params = vec![
            (b"A".to_vec(), b"1".to_vec()),
            (b"B".to_vec(), b"2".to_vec()),
            (b"A".to_vec(), b"3".to_vec()),
        ];
        let env = Env::from_params(params.clone());
        let order: Vec<_> = env
            .server_order()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(
            order,
            vec![
                (b"B".to_vec(), b"2".to_vec()),
                (b"A".to_vec(), b"3".to_vec()),
                (b"FCGI_ROLE".to_vec(), b"RESPONDER".to_vec()),
            ]
        );
    }
}
