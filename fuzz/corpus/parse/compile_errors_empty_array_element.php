<?php
[, $b] = [1, 2];
list(, $c) = [3, 4];
echo "$b $c\n";
var_dump([1, , 3]);
