<?php
// The standard-stream constants exist only in the CLI SAPI; php-fpm has none of them.
var_dump(PHP_SAPI, defined('STDIN'), defined('STDOUT'), defined('STDERR'));
var_dump(is_resource(fopen('php://stdin', 'r')));
