<?php
var_dump(headers_sent($file, $line), basename($file), $line);
echo "out\n";
var_dump(headers_sent($file, $line), basename($file), $line);
header('X-Late: 1');
setcookie('late', '1');
var_dump(http_response_code(500));
header_remove('X-Late');
var_dump(headers_list());
