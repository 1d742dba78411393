//! String building in the interpreter: `ConcatN` (interpolation and `.` chains), whose
//! result is allocated once at its final size.

use super::{store, Vm};
use crate::vm::bytecode::{Func, Operand, Slot};
use crate::vm::convert::int_len;
use crate::vm::error::PhpResult;
use crate::vm::value::{PhpStr, Value};

impl Vm {
    /// `Op::ConcatN`: `dst` = the string forms of `func.arg_lists[parts]` in order. When
    /// every operand is already a string or an int (the common case) the length is summed
    /// first and the bytes copied once; otherwise each operand is read and converted in
    /// turn, with its warnings and `__toString` calls.
    pub(super) fn concat_n(
        &mut self,
        func: &Func,
        base: usize,
        dst: Slot,
        parts: u32,
    ) -> PhpResult<()> {
        let Some(ops) = func.arg_lists.get(parts as usize) else {
            return Ok(());
        };
        let cell = base + dst as usize;
        // `dst` is a local when the compiler fused `$x = "..."` (written through a reference).
        let is_local = (dst as usize) < func.local_names.len();
        // The string built by an earlier `ConcatN` into `dst` is extended.
        let (ops, prev) = match ops.split_first() {
            Some((&first, rest)) if first == Operand::slot(dst) && !is_local => {
                let prev = match std::mem::take(&mut self.stack[cell]) {
                    Value::Str(s) => s,
                    other => other.scalar_to_str(),
                };
                (rest, Some(prev))
            }
            _ => (ops.as_slice(), None),
        };
        let mut len = prev.as_ref().map_or(0, |p| p.len());
        let mut simple = true;
        for &o in ops {
            match self.stored(func, base, o) {
                Value::Str(s) => len += s.len(),
                Value::Int(i) => len += int_len(*i),
                _ => {
                    simple = false;
                    break;
                }
            }
        }
        // A new buffer of the final size (cheaper than growing the previous one, which is
        // exactly as long as its bytes), made in place as the string's own block.
        let mut out = PhpStr::with_capacity(len);
        let buf = out.make_mut();
        if let Some(p) = &prev {
            buf.extend_from_slice(p);
        }
        drop(prev);
        let mut digits = itoa::Buffer::new();
        if simple {
            for &o in ops {
                match self.stored(func, base, o) {
                    Value::Str(s) => buf.extend_from_slice(s),
                    Value::Int(i) => buf.extend_from_slice(digits.format(*i).as_bytes()),
                    _ => {}
                }
            }
        } else {
            for &o in ops {
                let v = self.read(func, base, o)?;
                match &v {
                    Value::Str(s) => buf.extend_from_slice(s),
                    Value::Int(i) => buf.extend_from_slice(digits.format(*i).as_bytes()),
                    other => {
                        let s = self.to_php_str(other)?;
                        buf.extend_from_slice(&s);
                    }
                }
            }
        }
        let v = Value::Str(out);
        if is_local {
            self.write_local(base, dst, v);
        } else {
            store(&mut self.stack[cell], v);
        }
        // A growing string may have passed memory_limit (`limits.rs`).
        self.check_interrupt()
    }
}
