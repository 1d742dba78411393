<?php
$arr = ['a' => ['b' => 'nested']];
$obj = new stdClass;
$obj->list = [10, 20];
$obj->inner = new stdClass;
$obj->inner->name = 'inner';
$i = 1;
$name = 'arr';
echo "{$arr['a']['b']}\n";
echo "{$obj->list[$i]}\n";
echo "{$obj->inner->name}\n";
echo "$obj->list\n";
echo "${name}\n";
$fn = fn($v) => $v * 2;
echo "{$fn(21)}\n";
$k = 0;
echo "neg: $obj->list[0] {$obj->list[-0]}\n";
$b = [-1 => 'minus'];
echo "minus: $b[-1]\n";
