//! preg_* functions over PCRE2 (pcre2-sys), with a per-thread compiled-pattern cache.

use super::BuiltinDef;

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[];
