<?php
$s = $_SERVER;
unset($s['REQUEST_TIME'], $s['REQUEST_TIME_FLOAT']);
var_dump($s);
