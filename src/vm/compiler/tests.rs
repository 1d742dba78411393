//! Compiler tests: disassembly snapshots and focused checks (slots, names, errors).

use super::compile;
use crate::vm::disasm::disassemble;
use crate::vm::parser::parse;

fn dis(src: &str) -> String {
    let prog = parse(src.as_bytes()).expect("parses");
    let unit = compile(&prog, b"/t/test.php").expect("compiles");
    disassemble(&unit)
}

#[test]
fn smoke() {
    let d = dis("<?php $a = 1; echo $a + 2;");
    assert!(d.contains("AssignLocal"), "{d}");
}
