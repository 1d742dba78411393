//! Formatted output: sprintf/printf/vsprintf/number_format and friends.

use super::BuiltinDef;

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[];
