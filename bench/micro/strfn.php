<?php
// Builtin string functions: call overhead plus str_replace/strpos/substr/explode/implode/sprintf.
$words = ['alpha', 'beta', 'gamma', 'delta'];
$acc = 0;
for ($i = 0; $i < 20000; $i++) {
    $w = $words[$i & 3];
    $line = sprintf("%s-%05d:%s", $w, $i, strtoupper($w));
    $line = str_replace(['-', ':'], ['_', '/'], $line);
    $pos = strpos($line, '/');
    $parts = explode('_', substr($line, 0, $pos));
    $acc += strlen(implode(',', $parts)) + $pos + (str_contains($line, 'ETA') ? 1 : 0);
}
echo $acc, "\n";
