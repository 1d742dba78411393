//! String functions: strlen, substr, strpos, str_replace, trim, explode, ...

use super::BuiltinDef;

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[];
