//! json_encode / json_decode with PHP's flags and error codes.

use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[];
