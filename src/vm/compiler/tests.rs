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

fn compile_err(src: &str) -> (String, u32) {
    let prog = parse(src.as_bytes()).expect("parses");
    let e = compile(&prog, b"/t/test.php").expect_err("compile error");
    (e.message, e.line)
}

fn snap(name: &str, src: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(name);
    settings.bind(|| insta::assert_snapshot!(name, dis(src), src));
}

#[test]
fn snapshot_loop() {
    snap(
        "compiler_loop",
        "<?php\n$sum = 0;\nfor ($i = 0; $i < 10; $i++) {\n    if ($i % 2) continue;\n    $sum += $i;\n}\nwhile ($sum > 0) { $sum--; if ($sum == 3) break; }\necho $sum, \"\\n\";\n",
    );
}

#[test]
fn snapshot_function_defaults_by_ref() {
    snap(
        "compiler_function",
        "<?php\nfunction f(int $a, &$out, $b = [1, 2], ?string $s = null, ...$rest): int {\n    $out = $a + count($b);\n    return $out;\n}\nf(1, $x[0]);\n",
    );
}

#[test]
fn snapshot_closure_captures() {
    snap(
        "compiler_closure",
        "<?php\n$n = 2;\n$total = 0;\n$add = function ($v) use ($n, &$total) { $total += $v * $n; };\n$mul = fn($v) => fn($w) => $v * $w * $n;\n$add(3);\necho $mul(2)(3);\n",
    );
}

#[test]
fn snapshot_class_method() {
    snap(
        "compiler_class",
        "<?php\nnamespace App;\nuse Other\\Thing as T;\nclass Point extends T implements \\Countable {\n    const ORIGIN = [0, 0];\n    public static int $made = 0;\n    public function __construct(public readonly int $x = 0, private int $y = self::DEFAULT_Y) { self::$made++; }\n    public function count(): int { return $this->x + $this->y; }\n    public static function make(): static { return new static(1, 2); }\n}\necho Point::make()->count(), Point::class;\n",
    );
}

#[test]
fn snapshot_foreach_by_ref() {
    snap(
        "compiler_foreach_ref",
        "<?php\n$a = [1, 2, 3];\nforeach ($a as $k => &$v) {\n    $v *= 2;\n}\nunset($v);\nforeach ($a as [$p, $q]) { echo $p; }\nforeach ($a as $o->prop) {}\n",
    );
}

#[test]
fn snapshot_try_catch_finally() {
    snap(
        "compiler_try",
        "<?php\nfunction g() {\n    foreach ([1, 2] as $i) {\n        try {\n            if ($i == 2) break;\n            throw new \\RuntimeException('x');\n        } catch (\\LogicException | \\RuntimeException $e) {\n            echo $e->getMessage();\n        } finally {\n            echo 'f';\n        }\n    }\n    return 1;\n}\n",
    );
}

#[test]
fn slots_params_first_then_body_vars_then_temps() {
    let prog =
        parse(b"<?php function f($a, $b) { $c = $a + $b; $d = [$c]; return $d; }").expect("parses");
    let unit = compile(&prog, b"/t/x.php").expect("compiles");
    let f = &unit.functions[0];
    let names: Vec<String> = f.local_names.iter().map(|n| n.to_string_lossy()).collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    assert!(f.n_slots > 4, "temporaries follow the locals");
    assert_eq!(unit.hoisted_functions, [0]);
}

#[test]
fn this_and_superglobals_are_not_locals() {
    let prog = parse(
        b"<?php class A { function f() { $x = $this; return $_GET['q'] ?? $GLOBALS['z']; } }",
    )
    .expect("parses");
    let unit = compile(&prog, b"/t/x.php").expect("compiles");
    let m = &unit.classes[0].methods[0].func;
    let names: Vec<String> = m.local_names.iter().map(|n| n.to_string_lossy()).collect();
    assert_eq!(names, ["x"]);
    let d = dis("<?php echo $_GET['q'] ?? 1;");
    assert!(d.contains("super(c0=\"_GET\")[c1=\"q\"]"), "{d}");
}

#[test]
fn name_resolution() {
    let d = dis("<?php\nnamespace N\\S;\nuse A\\B;\nuse function F\\g;\nuse const K\\C;\nnew B\\X; new \\Y; new Z; new namespace\\W; g(); h(); \\i(); echo C, D, \\E, B::class, static::class;\n");
    for want in [
        "c0=\"A\\\\B\\\\X\"",
        "\"Y\"",
        "\"N\\\\S\\\\Z\"",
        "\"N\\\\S\\\\W\"",
        "InitFCall c4=\"F\\\\g\", fallback=-",
        "\"N\\\\S\\\\h\", fallback=c7=\"h\"",
        "\"i\", fallback=-",
        "FetchConst r0, c9=\"K\\\\C\", fallback=-",
        "\"N\\\\S\\\\D\", fallback=c11=\"D\"",
        "Echo c13=\"A\\\\B\"",
        "ClassName r0, static",
    ] {
        assert!(d.contains(want), "missing {want}:\n{d}");
    }
}

#[test]
fn folding() {
    let d = dis("<?php echo 1 + 2 * 3, -4, 7 / 2, 'a' . 'b' . 1, TRUE, \\null, 1 / 0, 'x' + 1;");
    assert!(d.contains("Echo c0=7"), "{d}");
    assert!(d.contains("Echo c1=-4"), "{d}");
    assert!(d.contains("Echo c2=3.5"), "{d}");
    assert!(d.contains("Binary Div"), "1/0 must not fold:\n{d}");
    assert!(d.contains("Binary Add"), "'x'+1 must not fold:\n{d}");
}

#[test]
fn fused_loop_conditions_swap_gt() {
    // Loop conditions are tested at the bottom: jump back while they hold.
    let d = dis("<?php while ($a > $b) {} while ($a <= 3) {}");
    assert!(d.contains("JmpLt r1, r0, L"), "{d}");
    assert!(d.contains("JmpLe r0, c0=3, L"), "{d}");
    let d = dis("<?php if ($a > $b) { echo $a; } if ($a <= 3) { echo $b; }");
    assert!(d.contains("JmpNotLt r1, r0, L"), "{d}");
    assert!(d.contains("JmpNotLe r0, c0=3, L"), "{d}");
}

#[test]
fn binary_into_local() {
    let d = dis("<?php $x = $a + $b; $x -= 2; $y = $a . $b;");
    assert!(d.contains("BinaryLocal Add r0, r1, r2"), "{d}");
    assert!(d.contains("BinaryLocal Sub r0, r0, c0=2"), "{d}");
    assert!(d.contains("Binary Concat"), "{d}");
}

#[test]
fn keys_before_rhs() {
    let d = dis("<?php $a[f()] = g();");
    let f = d.find("c0=\"f\"").expect("f");
    let g = d.find("c1=\"g\"").expect("g");
    assert!(f < g, "{d}");
}

#[test]
fn compile_errors_use_php_messages() {
    let cases: &[(&str, &str)] = &[
        ("<?php\nbreak;", "'break' not in the 'loop' or 'switch' context"),
        ("<?php\ncontinue;", "'continue' not in the 'loop' or 'switch' context"),
        ("<?php\nfor(;;){break 2;}", "Cannot 'break' 2 levels"),
        ("<?php\n$this = 1;", "Cannot re-assign $this"),
        ("<?php\nunset($this);", "Cannot unset $this"),
        ("<?php\n$b = $a[];", "Cannot use [] for reading"),
        ("<?php\nisset(1 + 1);", "Cannot use isset() on the result of an expression (you can use \"null !== expression\" instead)"),
        ("<?php\nfunction f(){}\nfunction f(){}", "Cannot redeclare f() (previously declared in /t/test.php:2)"),
        ("<?php\nfunction f($a, $a){}", "Redefinition of parameter $a"),
        ("<?php\nglobal $this;", "Cannot use $this as global variable"),
        ("<?php\nstatic $this;", "Cannot use $this as static variable"),
        ("<?php\n$f = function() use ($this) {};", "Cannot use $this as lexical variable"),
        ("<?php\nforeach ([] as $this) {}", "Cannot re-assign $this"),
        ("<?php\n[] = $x;", "Cannot use empty list"),
        ("<?php\ngoto nowhere;", "'goto' to undefined label 'nowhere'"),
    ];
    for (src, msg) in cases {
        let (m, line) = compile_err(src);
        assert_eq!(&m, msg, "for {src}");
        assert!(line >= 2, "line for {src}: {line}");
    }
}

#[test]
fn conditional_declarations_are_not_hoisted() {
    let prog = parse(b"<?php if (true) { function f() {} class C {} } class D {}").expect("parses");
    let unit = compile(&prog, b"/t/x.php").expect("compiles");
    assert!(unit.hoisted_functions.is_empty());
    assert_eq!(unit.hoisted_classes, [1]);
    let d = disassemble(&unit);
    assert!(
        d.contains("DeclareFunction #0") && d.contains("DeclareClass #0"),
        "{d}"
    );
}

#[test]
fn end_to_end_programs_match_php() {
    let src = "<?php\nfunction add(int $a, $b = 10, &$c = null) { $c = $a + $b; return $c * 2; }\n$x = 0;\necho add(1, 2, $x), ' ', $x, \"\\n\";\nfor ($i = 0; $i < 5; $i++) { if ($i == 3) continue; echo $i; }\n$arr = ['a' => 1, 'b' => 2];\nforeach ($arr as $k => &$v) { $v = $v * 10; }\nunset($v);\nforeach ($arr as $k => $v) echo \"$k=$v,\";\n$m = 3; $f = function ($n) use ($m, &$x) { $x++; return $n * $m; }; $g = fn($n) => $n + $m;\necho $f(2), $g(2), $x;\ntry { throw new Exception('boom'); } catch (Exception $e) { echo $e->getMessage(); } finally { echo '!'; }\n[$q, [$r, $s]] = [1, [2, 3]]; echo $q + $r + $s;\nswitch ($q) { case 0: echo 'zero'; break; case 1: echo 'one'; default: echo '+d'; }\necho match(true) { $q > 5 => 'big', default => 'small' };\n";
    assert_eq!(run(src), "6 3\n0124a=10,b=20,654boom!6one+dsmall");
}

#[test]
fn nullsafe_short_circuits_the_whole_chain() {
    let src = "<?php\nclass B { public $c = 7; function m($x) { echo \"m$x \"; return $this; } }\nclass A { public $b; function __construct() { $this->b = new B; } }\n$o = null; $a = new A;\necho '[', $o?->b->c, ',', $a?->b->c, ',', $o?->m(print('side'))->c, ',', $a?->b?->m(1)->c, ']';\n";
    assert_eq!(run(src), "[,7,,m1 7]");
}
