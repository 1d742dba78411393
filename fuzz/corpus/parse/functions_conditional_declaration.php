<?php
if (!function_exists('maybe')) {
    function maybe() { return "first"; }
}
if (!function_exists('maybe')) {
    function maybe() { return "second"; }
}
echo maybe(), "\n";
$flag = true;
if ($flag) {
    function cond() { return "cond defined"; }
}
echo cond(), "\n";
var_dump(function_exists('notyet'));
if (true) { function notyet() {} }
var_dump(function_exists('notyet'));
