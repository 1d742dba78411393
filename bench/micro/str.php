<?php
$s = ''; for ($i = 0; $i < 100000; $i++) { $s .= 'ab'; if (($i & 7) === 0) { $s .= "[$i]"; } }
echo strlen($s), "\n";
