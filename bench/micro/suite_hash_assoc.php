<?php
// Associative array with string keys: insert, lookup (hit and miss), update, iterate.
$n = isset($argv[1]) ? (int)$argv[1] : 20000;
$rounds = 2;
$total = 0;
$hits = 0;
for ($r = 0; $r < $rounds; $r++) {
    $map = [];
    for ($i = 0; $i < $n; $i++) {
        $map["key_" . $i . "_" . ($i % 13)] = $i;
    }
    for ($i = 0; $i < $n; $i += 2) {
        $k = "key_" . $i . "_" . ($i % 13);
        if (isset($map[$k])) {
            $hits++;
            $map[$k] += 1;
        }
        $miss = "nokey_" . $i;
        if (isset($map[$miss])) {
            $hits += 1000000;
        }
    }
    foreach ($map as $k => $v) {
        $total += $v;
    }
    $total += count($map);
}
echo "hash_assoc n=$n hits=$hits total=$total\n";
