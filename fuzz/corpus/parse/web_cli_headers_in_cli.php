<?php
var_dump(http_response_code());
header('X-A: 1');
var_dump(http_response_code(404), http_response_code(), headers_list());
var_dump(function_exists('fastcgi_finish_request'), function_exists('getallheaders'), function_exists('apache_request_headers'));
var_dump(headers_sent($f, $l), basename($f), $l);
header('X-B: 2');
var_dump(setcookie('a', 'b'));
try { setcookie(''); } catch (ValueError $e) { echo $e->getMessage(), "\n"; }
var_dump(connection_status(), connection_aborted(), ignore_user_abort(), is_uploaded_file(__FILE__), move_uploaded_file(__FILE__, '/nonexistent/x'));
header_remove('X-A');
var_dump(headers_list());
