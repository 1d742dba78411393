<?php
register_shutdown_function(function () { echo "shutdown (discarded)\n"; });
ob_start();
echo "before\n";
header('X-Before: 1');
var_dump(fastcgi_finish_request());
echo "after (discarded)\n";
header('X-After: 1');
var_dump(fastcgi_finish_request(), headers_sent());
