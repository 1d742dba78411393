<?php
// Mix of common string functions.
$n = isset($argv[1]) ? (int)$argv[1] : 20000;
$words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
$acc = 0;
$out = '';
for ($i = 0; $i < $n; $i++) {
    $w = $words[$i & 7];
    $line = sprintf("%s-%05d:%s|%x", $w, $i, strtoupper($w), $i * 7);
    $line = str_replace(['-', '|'], ['_', '/'], $line);
    $pos = strpos($line, ':');
    $head = substr($line, 0, $pos);
    $tail = substr($line, $pos + 1);
    $parts = explode('_', $head);
    $joined = implode(',', [$parts[1], $tail, $parts[0]]);
    $acc = ($acc + strlen($joined) + $pos + ord($joined[3])) & 0xFFFFFFF;
    if (str_contains($tail, 'ETA')) {
        $acc++;
    }
    if (($i & 4095) === 0) {
        $out .= trim(" " . strrev($joined) . " ");
    }
}
echo "str_funcs n=$n acc=$acc outlen=" . strlen($out) . " md5=" . md5($out) . "\n";
