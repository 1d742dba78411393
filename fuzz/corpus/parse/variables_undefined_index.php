<?php
$a = ['x' => 1, 5 => 'five'];
echo $a['y'];
echo "|\n";
echo $a[7];
echo "|\n";
var_dump($a["5"]);
$list = [1, 2];
var_dump($list[2]);
$nested = ['a' => []];
var_dump($nested['a']['b']);
var_dump($nested['z']['q']);
$n = null;
var_dump($n['k']);
$i = 5;
var_dump($i[0]);
