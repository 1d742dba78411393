<?php
class A { function __destruct() { echo "A gone\n"; exit(3); } }
class B { function __destruct() { echo "B gone\n"; } }
$b = new B;
$a = new A;
function scope() { $t = new B; echo "leaving\n"; }
scope();
echo "done\n";
