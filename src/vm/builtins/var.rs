//! Variable handling: var_dump, print_r, var_export, gettype, is_*, intval, ...

use super::BuiltinDef;

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[];
