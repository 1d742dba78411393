//! Variable handling: var_dump, print_r, var_export, gettype, is_*, intval, ...

use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[];
