//! Hashes and encodings: `md5`, `sha1`, `crc32`, `hash()`, `hash_algos`, `base64_*`,
//! `bin2hex`/`hex2bin`, the `urlencode` family and `str_rot13`.
//!
//! Digests come from the RustCrypto crates (byte-identical to PHP's). `base64_decode` is
//! ours: PHP's decoder is lenient in a specific way (skips junk, ignores misplaced padding
//! unless `strict`), which no crate reproduces.

use md5::Digest;

use super::super::array::PhpArray;
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::host::Host;
use super::super::value::Value;
use super::args;
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "md5",
        sig: "string $string, bool $binary = false",
        func: md5_fn,
    },
    BuiltinDef {
        name: "sha1",
        sig: "string $string, bool $binary = false",
        func: sha1_fn,
    },
    BuiltinDef {
        name: "md5_file",
        sig: "string $filename, bool $binary = false",
        func: md5_file,
    },
    BuiltinDef {
        name: "sha1_file",
        sig: "string $filename, bool $binary = false",
        func: sha1_file,
    },
    BuiltinDef {
        name: "crc32",
        sig: "string $string",
        func: crc32,
    },
    BuiltinDef {
        name: "hash",
        sig: "string $algo, string $data, bool $binary = false, array $options = []",
        func: hash,
    },
    BuiltinDef {
        name: "hash_algos",
        sig: "",
        func: hash_algos,
    },
    BuiltinDef {
        name: "base64_encode",
        sig: "string $string",
        func: base64_encode,
    },
    BuiltinDef {
        name: "base64_decode",
        sig: "string $string, bool $strict = false",
        func: base64_decode,
    },
    BuiltinDef {
        name: "bin2hex",
        sig: "string $string",
        func: bin2hex,
    },
    BuiltinDef {
        name: "hex2bin",
        sig: "string $string",
        func: hex2bin,
    },
    BuiltinDef {
        name: "urlencode",
        sig: "string $string",
        func: urlencode,
    },
    BuiltinDef {
        name: "rawurlencode",
        sig: "string $string",
        func: rawurlencode,
    },
    BuiltinDef {
        name: "urldecode",
        sig: "string $string",
        func: urldecode,
    },
    BuiltinDef {
        name: "rawurldecode",
        sig: "string $string",
        func: rawurldecode,
    },
    BuiltinDef {
        name: "str_rot13",
        sig: "string $string",
        func: str_rot13,
    },
];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[];

/// The algorithms `hash()` supports here, in `hash_algos()` order (PHP's order, restricted
/// to what is implemented).
const ALGOS: &[&str] = &[
    "md5",
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha512/224",
    "sha512/256",
    "sha512",
    "crc32b",
    "xxh32",
    "xxh64",
    "xxh3",
    "xxh128",
];

/// The raw digest of `data` with `algo` (lower case), `None` if unsupported.
pub fn digest(algo: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    Some(match algo {
        b"md5" => md5::Md5::digest(data).to_vec(),
        b"sha1" => sha1::Sha1::digest(data).to_vec(),
        b"sha224" => sha2::Sha224::digest(data).to_vec(),
        b"sha256" => sha2::Sha256::digest(data).to_vec(),
        b"sha384" => sha2::Sha384::digest(data).to_vec(),
        b"sha512/224" => sha2::Sha512_224::digest(data).to_vec(),
        b"sha512/256" => sha2::Sha512_256::digest(data).to_vec(),
        b"sha512" => sha2::Sha512::digest(data).to_vec(),
        b"crc32b" => crc32fast::hash(data).to_be_bytes().to_vec(),
        b"xxh32" => xxhash_rust::xxh32::xxh32(data, 0).to_be_bytes().to_vec(),
        b"xxh64" => xxhash_rust::xxh64::xxh64(data, 0).to_be_bytes().to_vec(),
        b"xxh3" => xxhash_rust::xxh3::xxh3_64(data).to_be_bytes().to_vec(),
        b"xxh128" => xxhash_rust::xxh3::xxh3_128(data).to_be_bytes().to_vec(),
        _ => return None,
    })
}

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
    out
}

fn digest_value(raw: Vec<u8>, binary: bool) -> Value {
    Value::str(if binary { raw } else { to_hex(&raw) })
}

fn md5_fn(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let raw = md5::Md5::digest(args::str_at(a, 0).as_bytes()).to_vec();
    Ok(digest_value(raw, args::bool_or(a, 1, false)))
}

fn sha1_fn(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let raw = sha1::Sha1::digest(args::str_at(a, 0).as_bytes()).to_vec();
    Ok(digest_value(raw, args::bool_or(a, 1, false)))
}

/// The contents of a file for `md5_file`/`sha1_file`, with PHP's diagnostics.
fn file_bytes(h: &mut dyn Host, func: &str, name: &[u8]) -> PhpResult<Option<Vec<u8>>> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(name));
    if path.is_dir() {
        h.raise(
            ErrorLevel::Notice,
            &format!("{func}(): Read of 8192 bytes failed with errno=21 Is a directory"),
        )?;
        return Ok(Some(Vec::new()));
    }
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) => {
            h.raise(
                ErrorLevel::Warning,
                &format!(
                    "{func}({}): Failed to open stream: {}",
                    String::from_utf8_lossy(name),
                    super::file::os_message(&e)
                ),
            )?;
            Ok(None)
        }
    }
}

fn md5_file(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(match file_bytes(h, "md5_file", &args::str_at(a, 0))? {
        Some(b) => digest_value(md5::Md5::digest(&b).to_vec(), args::bool_or(a, 1, false)),
        None => Value::Bool(false),
    })
}

fn sha1_file(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(match file_bytes(h, "sha1_file", &args::str_at(a, 0))? {
        Some(b) => digest_value(sha1::Sha1::digest(&b).to_vec(), args::bool_or(a, 1, false)),
        None => Value::Bool(false),
    })
}

fn crc32(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(i64::from(crc32fast::hash(&args::str_at(a, 0)))))
}

/// The xxHash family with `hash()`'s `$options` (`seed`, and `secret` for xxh3/xxh128),
/// as PHP's `hash_xxhash.c` reads them: a seed counts only when it is an int; xxh3 and
/// xxh128 refuse both at once and a secret shorter than 136 bytes, and use at most 256
/// bytes of it (with a warning). `None` when `algo` is not of the family.
fn xxh_with_options(
    h: &mut dyn Host,
    algo: &[u8],
    data: &[u8],
    options: &PhpArray,
) -> PhpResult<Option<Vec<u8>>> {
    use xxhash_rust::{xxh3, xxh32, xxh64};
    let seed = options.get_str(b"seed").map(Value::deref_clone);
    let int_seed = match seed {
        Some(Value::Int(n)) => Some(n),
        _ => None,
    };
    Ok(Some(match algo {
        // The seeds are truncated to the hash's width, as the C casts do.
        b"xxh32" => xxh32::xxh32(data, int_seed.unwrap_or(0) as u32)
            .to_be_bytes()
            .to_vec(),
        b"xxh64" => xxh64::xxh64(data, int_seed.unwrap_or(0) as u64)
            .to_be_bytes()
            .to_vec(),
        b"xxh3" | b"xxh128" => {
            let name = if algo == b"xxh3" { "xxh3" } else { "xxh128" };
            let secret = options.get_str(b"secret").map(Value::deref_clone);
            if seed.is_some() && secret.is_some() {
                return Err(Fault::error(
                    "Error",
                    format!(
                        "{name}: Only one of seed or secret is to be passed for initialization"
                    ),
                ));
            }
            let secret = match (int_seed, secret) {
                (Some(_), _) | (None, None) => None,
                (None, Some(v)) => {
                    let mut s = h.to_str(&v)?.into_vec();
                    if s.len() < 136 {
                        return Err(Fault::error(
                            "Error",
                            format!(
                                "{name}: Secret length must be >= 136 bytes, {} bytes passed",
                                s.len()
                            ),
                        ));
                    }
                    if s.len() > 256 {
                        s.truncate(256);
                        h.raise(
                            ErrorLevel::Warning,
                            &format!(
                                "hash(): {name}: Secret content exceeding 256 bytes discarded"
                            ),
                        )?;
                    }
                    Some(s)
                }
            };
            let seed = int_seed.unwrap_or(0) as u64;
            match (algo == b"xxh3", secret) {
                (true, Some(s)) => xxh3::xxh3_64_with_secret(data, &s).to_be_bytes().to_vec(),
                (true, None) => xxh3::xxh3_64_with_seed(data, seed).to_be_bytes().to_vec(),
                (false, Some(s)) => xxh3::xxh3_128_with_secret(data, &s).to_be_bytes().to_vec(),
                (false, None) => xxh3::xxh3_128_with_seed(data, seed).to_be_bytes().to_vec(),
            }
        }
        _ => return Ok(None),
    }))
}

fn hash(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let algo = args::str_at(a, 0).to_ascii_lowercase();
    if let Some(Value::Array(options)) = args::opt(a, 3) {
        if let Some(raw) = xxh_with_options(h, &algo, &args::str_at(a, 1), options)? {
            return Ok(digest_value(raw, args::bool_or(a, 2, false)));
        }
    }
    let Some(raw) = digest(&algo, &args::str_at(a, 1)) else {
        return Err(Fault::value_error(
            "hash(): Argument #1 ($algo) must be a valid hashing algorithm",
        ));
    };
    Ok(digest_value(raw, args::bool_or(a, 2, false)))
}

fn hash_algos(_h: &mut dyn Host, _a: &[Value]) -> PhpResult<Value> {
    Ok(Value::array(super::super::array::PhpArray::from_values(
        ALGOS.iter().map(|&s| Value::str(s)).collect(),
    )))
}

fn base64_encode(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    use base64::Engine;
    let s = args::str_at(a, 0);
    Ok(Value::str(
        base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
    ))
}

/// `php_base64_decode_ex`: non-strict mode skips every byte outside the alphabet and
/// ignores `=` wherever it is; strict mode skips only whitespace and rejects junk, data
/// after padding, truncated groups and wrong padding.
pub fn base64_decode_bytes(input: &[u8], strict: bool) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(input.len() / 4 * 3 + 3);
    let mut cur: u8 = 0;
    let (mut i, mut padding) = (0usize, 0usize);
    for &c in input {
        if c == b'=' {
            padding += 1;
            continue;
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'\t' | b'\n' | b'\r' | b' ' => continue,
            _ if strict => return None,
            _ => continue,
        };
        if strict && padding > 0 {
            return None;
        }
        match i % 4 {
            0 => cur = v << 2,
            1 => {
                out.push(cur | (v >> 4));
                cur = (v & 0x0f) << 4;
            }
            2 => {
                out.push(cur | (v >> 2));
                cur = (v & 0x03) << 6;
            }
            _ => out.push(cur | v),
        }
        i += 1;
    }
    if strict && i % 4 == 1 {
        return None;
    }
    if strict && padding > 0 && (padding > 2 || (i + padding) % 4 != 0) {
        return None;
    }
    Some(out)
}

fn base64_decode(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    Ok(match base64_decode_bytes(&s, args::bool_or(a, 1, false)) {
        Some(v) => Value::str(v),
        None => Value::Bool(false),
    })
}

fn bin2hex(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::str(to_hex(&args::str_at(a, 0))))
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn hex2bin(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    if !s.len().is_multiple_of(2) {
        h.raise(
            ErrorLevel::Warning,
            "hex2bin(): Hexadecimal input string must have an even length",
        )?;
        return Ok(Value::Bool(false));
    }
    let mut out = Vec::with_capacity(s.len() / 2);
    for pair in s.chunks(2) {
        match (hex_val(pair[0]), hex_val(pair[1])) {
            (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
            _ => {
                h.raise(
                    ErrorLevel::Warning,
                    "hex2bin(): Input string must be hexadecimal string",
                )?;
                return Ok(Value::Bool(false));
            }
        }
    }
    Ok(Value::str(out))
}

/// `php_url_encode` (`raw` = false: space is `+`, `~` is encoded) and
/// `php_raw_url_encode` (RFC 3986: space is `%20`, `~` kept).
pub fn url_encode(s: &[u8], raw: bool) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(s.len() * 3 / 2);
    for &c in s {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.') || (raw && c == b'~') {
            out.push(c);
        } else if c == b' ' && !raw {
            out.push(b'+');
        } else {
            out.push(b'%');
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 15)]);
        }
    }
    out
}

/// `php_url_decode` / `php_raw_url_decode`: `%XX` with two hex digits decodes, anything
/// else is kept; `+` is a space unless `raw`.
pub fn url_decode(s: &[u8], raw: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'+' && !raw {
            out.push(b' ');
        } else if c == b'%' && i + 2 < s.len() {
            match (hex_val(s[i + 1]), hex_val(s[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

fn urlencode(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::str(url_encode(&args::str_at(a, 0), false)))
}
fn rawurlencode(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::str(url_encode(&args::str_at(a, 0), true)))
}
fn urldecode(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::str(url_decode(&args::str_at(a, 0), false)))
}
fn rawurldecode(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::str(url_decode(&args::str_at(a, 0), true)))
}

fn str_rot13(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    Ok(Value::str(
        s.iter()
            .map(|&c| match c {
                b'a'..=b'z' => (c - b'a' + 13) % 26 + b'a',
                b'A'..=b'Z' => (c - b'A' + 13) % 26 + b'A',
                _ => c,
            })
            .collect::<Vec<u8>>(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::host::TestHost;

    fn call(f: super::super::BuiltinFn, args: &[Value]) -> (Value, Vec<String>) {
        let mut h = TestHost::default();
        let v = f(&mut h, args).expect("builtin");
        (v, h.diags.into_iter().map(|(_, m)| m).collect())
    }

    fn st(v: Value) -> Option<Vec<u8>> {
        match v {
            Value::Str(s) => Some(s.to_vec()),
            Value::Bool(false) => None,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn base64_decode_modes() {
        // php -n -r 'var_dump(base64_decode("aGVsbG8=", true), ...);'
        let cases: &[(&str, bool, Option<&str>)] = &[
            ("aGVsbG8=", true, Some("hello")),
            ("aGV sbG8", true, Some("hello")),
            ("aGV*sbG8", true, None),
            ("aGV*sbG8", false, Some("hello")),
            ("aGVsbG8==", false, Some("hello")),
            ("aGVsbG8==", true, None),
            ("aGVsbG8=x", true, None),
            ("aGVsbG8=x", false, Some("hello1")),
            ("a", true, None),
            ("a", false, Some("")),
            ("aG=VsbG8", true, None),
            ("aGVsbA", true, Some("hell")),
        ];
        for (input, strict, want) in cases {
            let got = base64_decode_bytes(input.as_bytes(), *strict);
            assert_eq!(
                got.as_deref(),
                want.map(str::as_bytes),
                "{input} strict={strict}"
            );
        }
        let (v, _) = call(base64_encode, &[Value::str("hello")]);
        assert_eq!(st(v).as_deref(), Some(&b"aGVsbG8="[..]));
    }

    #[test]
    fn hex_and_url() {
        let (v, d) = call(hex2bin, &[Value::str("abc")]);
        assert_eq!(st(v), None);
        assert_eq!(
            d,
            vec!["hex2bin(): Hexadecimal input string must have an even length"]
        );
        let (v, d) = call(hex2bin, &[Value::str("zz")]);
        assert_eq!(st(v), None);
        assert_eq!(
            d,
            vec!["hex2bin(): Input string must be hexadecimal string"]
        );
        let (v, _) = call(hex2bin, &[Value::str("01fF")]);
        assert_eq!(st(v).as_deref(), Some(&b"\x01\xff"[..]));
        let (v, _) = call(bin2hex, &[Value::str(&b"\x01\xff"[..])]);
        assert_eq!(st(v).as_deref(), Some(&b"01ff"[..]));
        assert_eq!(
            url_encode("a b+c/~-_.*é".as_bytes(), false),
            b"a+b%2Bc%2F%7E-_.%2A%C3%A9"
        );
        assert_eq!(url_encode(b"a b+c/~-_.*", true), b"a%20b%2Bc%2F~-_.%2A");
        assert_eq!(url_decode(b"a+b%2", false), b"a b%2");
        assert_eq!(url_decode(b"a+b%41%zz", true), b"a+bA%zz");
        assert_eq!(url_decode(b"%4", false), b"%4");
    }

    #[test]
    fn digests() {
        let (v, _) = call(crc32, &[Value::str("hello")]);
        assert!(matches!(v, Value::Int(907060870)));
        let (v, _) = call(hash, &[Value::str("crc32b"), Value::str("hello")]);
        assert_eq!(st(v).as_deref(), Some(&b"3610a686"[..]));
        let (v, _) = call(hash, &[Value::str("SHA256"), Value::str("abc")]);
        assert_eq!(
            st(v).as_deref(),
            Some(&b"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"[..])
        );
        let (v, _) = call(md5_fn, &[Value::str("")]);
        assert_eq!(
            st(v).as_deref(),
            Some(&b"d41d8cd98f00b204e9800998ecf8427e"[..])
        );
        let (v, _) = call(sha1_fn, &[Value::str("abc"), Value::Bool(true)]);
        assert_eq!(st(v).map(|b| b.len()), Some(20));
        let mut h = TestHost::default();
        let e = hash(&mut h, &[Value::str("nope"), Value::str("x")]).unwrap_err();
        assert!(
            matches!(&e, Fault::Error(e) if e.class == "ValueError" && e.message == "hash(): Argument #1 ($algo) must be a valid hashing algorithm")
        );
        let (v, _) = call(str_rot13, &[Value::str("Hello")]);
        assert_eq!(st(v).as_deref(), Some(&b"Uryyb"[..]));
    }
}
