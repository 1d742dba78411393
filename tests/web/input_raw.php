<?php
$in = fopen('php://input', 'r');
var_dump(fread($in, 5), stream_get_contents($in));
var_dump(file_get_contents('php://input'), $_POST, $_SERVER['REQUEST_METHOD']);
var_dump(getallheaders() === apache_request_headers(), getallheaders());
