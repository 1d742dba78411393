<?php
ob_start();
echo "buffered\n";
header('X-Buffered: yes');
ob_start(function ($s) { return strtoupper($s); });
echo "inner\n";
ob_end_flush();
var_dump(headers_sent());
ob_end_flush();
var_dump(headers_sent($f, $l), basename($f), $l);
register_shutdown_function(function () { echo "shutdown\n"; header('X-Shutdown: 1'); });
