//! Hashes and encodings: md5, sha1, crc32, hash(), base64, bin2hex, urlencode, ...

use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[];
