//! Array functions: array_*, sorting, range, in_array, min/max, ...

use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[];
