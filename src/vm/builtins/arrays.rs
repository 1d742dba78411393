//! Array functions: array_*, sorting, range, in_array, min/max, ...

use super::BuiltinDef;

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[];
