<?php
$map = []; for ($i = 0; $i < 20000; $i++) { $map["key_" . $i] = $i; }
$t = 0; for ($i = 0; $i < 20000; $i++) { if (isset($map["key_" . $i])) { $t += $map["key_" . $i]; } }
echo $t, "\n";
