<?php
// Closures: array_map / array_filter / usort / array_reduce with captured variables.
$n = isset($argv[1]) ? (int)$argv[1] : 3000;
$rounds = 10;
$seed = 12345;
$data = [];
for ($i = 0; $i < $n; $i++) {
    $seed = ($seed * 1103515245 + 12345) & 0x7FFFFFFF;
    $data[] = $seed % 100000;
}
$check = 0;
for ($r = 0; $r < $rounds; $r++) {
    $mul = $r + 3;
    $mapped = array_map(function ($v) use ($mul) { return ($v * $mul) % 100003; }, $data);
    $filtered = array_filter($mapped, fn($v) => ($v & 1) === 0);
    usort($filtered, function ($a, $b) { return $a <=> $b; });
    $sum = array_reduce($filtered, fn($c, $v) => ($c + $v) & 0xFFFFFFF, 0);
    $check = ($check * 7 + $sum + count($filtered) + $filtered[0] + $filtered[count($filtered) - 1]) & 0xFFFFFFF;
}
echo "closures n=$n check=$check\n";
