//! String functions: strlen, substr, strpos, str_replace, trim, explode, ...

use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[];
