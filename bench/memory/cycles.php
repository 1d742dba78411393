<?php
// Creates and drops one million object cycles (pairs pointing at each other, a
// self-reference through an array, a closure capturing its owner). Peak memory must
// stay flat: measure with `/usr/bin/time -v rhvm run bench/memory/cycles.php`
// ("Maximum resident set size"); issue 3 asks for under 64 MB.
class Node { public $other; public $data; public $fn; }
$n = (int) ($argv[1] ?? 1000000);
for ($i = 0; $i < $n; $i++) {
    $a = new Node; $b = new Node;
    $a->other = $b; $b->other = $a;
    $a->data = [$i, $a];
    $b->fn = function () use ($b) { return $b; };
}
unset($a, $b);
echo "done\n";
