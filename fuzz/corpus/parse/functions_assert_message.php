<?php
// assert(): passing assertions, the failure message PHP builds from the expression,
// custom messages and exceptions, and a dynamic call without the text.
namespace Foo;
class B {}
function t($f) { try { $f(); echo "passed\n"; } catch (\AssertionError $e) { echo get_class($e), ': ', $e->getMessage(), "\n"; } catch (\Throwable $e) { echo get_class($e), ': ', $e->getMessage(), "\n"; } }
$x = 1; $a = [1]; $o = new B;
t(fn() => assert($x === 1));
t(fn() => assert($x instanceof B));
t(fn() => assert(!($x instanceof \Foo\B)));
t(fn() => assert($x === 2 && $a[0] == "s'q" || false));
t(fn() => assert(($x + 1) * 2 === -3));
t(fn() => assert(\count($a) > 5));
t(fn() => assert(is_string($o->p ?? null) and $o::class === 'x'));
t(fn() => assert($x > 5, "custom"));
t(fn() => assert($x > 5, new \RuntimeException("rt")));
t(fn() => assert(isset($a[1], $x) || empty($a) || [1, 'a' => 2] == $a || B::class === 'y'));
t(fn() => assert($x ? false : true));
t(fn() => assert(null));
t(fn() => \call_user_func('assert', 0));
var_dump(assert(true));
