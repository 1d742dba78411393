<?php
$name = "nope";
echo <<<'EOT'
No $name interpolation \n here
{$name} stays
EOT;
echo "\n";
$s = <<<'X'
    indented nowdoc
      keep two
    X;
var_dump($s);
