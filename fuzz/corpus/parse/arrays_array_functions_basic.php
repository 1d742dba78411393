<?php
$a = [3, 1, 2];
sort($a);
print_r($a);
$m = array_map(fn($x) => $x * 2, $a);
print_r($m);
print_r(array_filter([1, 0, 2, null, 3]));
print_r(array_merge([1, 2], ['a' => 'b'], [3]));
print_r(array_slice([1, 2, 3, 4], 1, 2));
print_r(array_combine(['a', 'b'], [1, 2]));
print_r(array_flip(['a', 'b']));
print_r(range(1, 10, 3));
print_r(array_reverse(['x' => 1, 2, 3]));
echo implode(",", array_keys(['a' => 1, 'b' => 2])), " ", array_sum([1, 2, 3.5]), " ", array_product([2, 3]), "\n";
var_dump(array_pop($a), array_shift($a), $a);
array_push($a, 'p'); array_unshift($a, 'u');
print_r($a);
