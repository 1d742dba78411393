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

/// Runs `src` through parser, compiler and the interpreter; returns the output.
fn run(src: &str) -> String {
    use crate::vm::interp::{LoadError, Loader, Vm};
    use std::cell::RefCell;
    use std::rc::Rc;

    struct Sink(Rc<RefCell<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    struct NoFiles;
    impl Loader for NoFiles {
        fn load(&mut self, _: &[u8]) -> Result<Option<Rc<crate::vm::bytecode::Unit>>, LoadError> {
            Ok(None)
        }
    }
    let buf = Rc::new(RefCell::new(Vec::new()));
    let prog = parse(src.as_bytes()).expect("parses");
    let unit = compile(&prog, b"/t/test.php").expect("compiles");
    let mut vm = Vm::new(Box::new(Sink(buf.clone())), Box::new(NoFiles));
    let _ = vm.run_main(Rc::new(unit));
    drop(vm);
    let out = buf.borrow().clone();
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
#[ignore = "dev harness: RHVM_E2E=file.php cargo test --lib e2e_file -- --ignored --nocapture"]
fn e2e_file() {
    let path = std::env::var("RHVM_E2E").expect("RHVM_E2E");
    let src = std::fs::read_to_string(&path).expect("readable");
    if std::env::var("RHVM_DIS").is_ok() {
        println!("{}", dis(&src));
    }
    print!("{}", run(&src));
}
