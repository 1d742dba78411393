<?php
// User calls: a 3-argument function, a method, a static method and a closure run by array_map.
function add3(int $a, int $b, int $c): int { return $a + $b + $c; }
final class C {
  public function twice(int $x): int { return $x * 2; }
  public static function half(int $x): int { return $x >> 1; }
}
$s = 0; $c = new C();
for ($i = 0; $i < 20000; $i++) { $s = add3($s, $i, 1) & 0xFFFFFF; }
for ($i = 0; $i < 20000; $i++) { $s = ($s + $c->twice($i)) & 0xFFFFFF; }
for ($i = 0; $i < 20000; $i++) { $s = ($s + C::half($i)) & 0xFFFFFF; }
$m = array_map(fn($v) => $v * 2, range(1, 20000));
echo $s, " ", array_sum($m), "\n";
