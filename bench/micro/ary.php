<?php
$n = 2000; $x = [];
for ($i = 0; $i < $n; $i++) { $x[] = $i + 1; }
$y = array_fill(0, $n, 0);
for ($p = 0; $p < 60; $p++) { for ($i = $n - 1; $i >= 0; $i--) { $y[$i] += $x[$i]; } }
echo $y[0], "\n";
