<?php
$a = [1, 2, [3, 4]];
$b = $a;
$b[] = 5;
$b[2][0] = 'changed';
var_dump($a, $b);
function modify(array $arr) { $arr[0] = 'in func'; return $arr; }
$c = modify($a);
echo $a[0], " ", $c[0], "\n";
$d = $a;
$d[2][] = 'x';
echo count($a[2]), " ", count($d[2]), "\n";
