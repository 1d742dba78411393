<?php
header('Content-Type: text/plain');
$line = str_repeat('0123456789abcdef', 4) . "\n";
for ($i = 0; $i < 16384; $i++) { echo $line; }
