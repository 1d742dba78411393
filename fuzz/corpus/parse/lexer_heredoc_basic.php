<?php
$name = "rhvm";
$arr = ['k' => 'v', 2 => 'two'];
echo <<<EOT
Hello $name
Array: $arr[k] and {$arr['k']} and $arr[2]
Escapes: \t tab \x41 \$name
EOT;
echo "\n";
echo <<<"QUOTED"
quoted label $name
QUOTED;
echo "\n";
