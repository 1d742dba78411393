<?php
// var_export, not var_dump: no string lengths, so the output does not depend on where the
// repository is checked out (paths are normalised to %DIR%).
$s = $_SERVER;
unset($s['REQUEST_TIME'], $s['REQUEST_TIME_FLOAT']);
foreach ($s as $k => $v) {
    echo $k, ' => ', var_export($v, true), "\n";
}
