<?php
$tests = ["a", "z", "Az", "zz", "Zz", "a9", "Zz9", "9", "99", "a", "-", "", " ", "1.5", "1e2", "abc!", "9z"];
foreach ($tests as $s) {
    $orig = $s;
    $s++;
    echo var_export($orig, true), " ++ => ", var_export($s, true), "\n";
}
$d = "abc"; $d--; var_dump($d);
$e = "5"; $e--; var_dump($e);
$f = ""; $f--; var_dump($f);
