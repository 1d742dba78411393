//! Formatted output: sprintf/printf/vsprintf/number_format and friends.

use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[];
