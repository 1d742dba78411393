<?php
// Generates src/vm/testdata/ops.txt (run: php -n src/vm/testdata/genops.php > src/vm/testdata/ops.txt).
// Line 1..: "V <serialized operand>" defines operand #k (in order).
// Then "<op> <a> <b> <result>[ <diag>...]" with a, b operand numbers; result is the
// serialized value or "!Class:message"; each diag is "~level:message". Bytes outside
// printable ASCII, spaces and backslashes are escaped as \xHH.
$operands = [null, true, false, 0, 1, -1, 7, 3, 64, 65, -64, PHP_INT_MAX, PHP_INT_MIN, 0.0, -0.0, 1.5, -2.5, 2.0, 1e20, NAN, INF, -INF,
    "", "0", "1", "12", " 12", "12 ", "1.5", "1e3", "abc", "5 apples", "0x1A", "-3", "1e1000", "9223372036854775808", " ", "00", "a", "z", "Az", "zZ9", "9", "-9.5", "1.0",
    [], [1, 2], ["a" => 1, "b" => 2], ["b" => 2, "a" => 1], [0 => "x"], [1, "2"], [1, [2]]];
function esc($s) { $o = ''; for ($i = 0; $i < strlen($s); $i++) { $c = ord($s[$i]); $o .= ($c <= 0x20 || $c >= 0x7f || $c == 0x5c) ? sprintf('\\x%02x', $c) : $s[$i]; } return $o; }
$diags = [];
set_error_handler(function ($no, $msg) use (&$diags) { $diags[] = "~$no:$msg"; return true; });
foreach ($operands as $v) echo "V ", esc(serialize($v)), "\n";
$bin = [
    'add' => fn($a, $b) => $a + $b, 'sub' => fn($a, $b) => $a - $b, 'mul' => fn($a, $b) => $a * $b,
    'div' => fn($a, $b) => $a / $b, 'mod' => fn($a, $b) => $a % $b, 'pow' => fn($a, $b) => $a ** $b,
    'and' => fn($a, $b) => $a & $b, 'or' => fn($a, $b) => $a | $b, 'xor' => fn($a, $b) => $a ^ $b,
    'shl' => fn($a, $b) => $a << $b, 'shr' => fn($a, $b) => $a >> $b, 'concat' => fn($a, $b) => $a . $b,
    'eq' => fn($a, $b) => $a == $b, 'identical' => fn($a, $b) => $a === $b, 'cmp' => fn($a, $b) => $a <=> $b,
    'lt' => fn($a, $b) => $a < $b, 'gt' => fn($a, $b) => $a > $b,
];
$un = [
    'neg' => fn($a) => -$a, 'plus' => fn($a) => +$a, 'bitnot' => fn($a) => ~$a,
    'inc' => function ($a) { ++$a; return $a; }, 'dec' => function ($a) { --$a; return $a; },
];
function run($f, ...$args) {
    global $diags;
    $diags = [];
    try { $r = esc(serialize($f(...$args))); } catch (Throwable $e) { $r = '!' . get_class($e) . ':' . esc($e->getMessage()); }
    return $r . ($diags ? ' ' . implode(' ', array_map('esc', $diags)) : '');
}
foreach ($bin as $name => $f) foreach ($operands as $i => $a) foreach ($operands as $j => $b) echo "$name $i $j ", run($f, $a, $b), "\n";
foreach ($un as $name => $f) foreach ($operands as $i => $a) echo "$name $i - ", run($f, $a), "\n";
