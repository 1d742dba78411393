<?php
$r = print "hello\n";
var_dump($r);
print("parens ") && print("chained\n");
$v = 5 + print "side\n";
var_dump($v);
