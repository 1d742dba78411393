//! json_encode / json_decode with PHP's flags and error codes.

use super::BuiltinDef;

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[];
