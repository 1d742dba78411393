<?php
var_dump($_GET, $_SERVER['QUERY_STRING'], $_SERVER['SCRIPT_NAME'], $_SERVER['PHP_SELF']);
var_dump(isset($_SERVER['REQUEST_TIME']), is_float($_SERVER['REQUEST_TIME_FLOAT']), $_SERVER['argv'], $_SERVER['argc']);
echo __FILE__, "\n";
