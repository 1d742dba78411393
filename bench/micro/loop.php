<?php
$x = 0;
for ($i = 0; $i < 300000; $i++) { $x = $x + $i; }
echo $x, "\n";
