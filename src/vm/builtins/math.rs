//! Math functions: abs, floor, round, intdiv, fmod, base conversion, mt_rand, ...

use super::BuiltinDef;

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[];
