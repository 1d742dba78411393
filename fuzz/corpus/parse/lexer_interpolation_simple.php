<?php
$a = [1 => 'one', 'key' => 'val', 'k2' => ['x' => 'deep']];
$o = new stdClass;
$o->b = 'prop';
$o->c = [1 => 'c1'];
$x = 'X';
echo "a1: $a[1]\n";
echo "akey: $a[key]\n";
echo "prop: $o->b\n";
echo "prop then bracket: $o->c[1]\n";
echo "braced: {$o->c[1]}\n";
echo "braced str key: {$a['key']} {$a['k2']['x']}\n";
echo "dollar brace: ${x}\n";
echo "suffix: {$x}s and $x's\n";
echo "not var: $ 5 {$x}{$x}\n";
