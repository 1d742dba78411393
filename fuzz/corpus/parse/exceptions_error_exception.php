<?php
$e = new ErrorException("m", 1, E_WARNING, "f.php", 7);
var_dump($e->getSeverity(), $e->getFile(), $e->getLine(), $e->getCode());
$e = new ErrorException();
var_dump($e->getSeverity() === E_ERROR, $e->getMessage());
try { new ErrorException(new stdClass); } catch (TypeError $t) { echo $t->getMessage(), "\n"; }
try { new Exception("a", "x"); } catch (TypeError $t) { echo $t->getMessage(), "\n"; }
try { new Error("a", 1, "p"); } catch (TypeError $t) { echo $t->getMessage(), "\n"; }
class MyEx extends Exception {}
try { new MyEx([]); } catch (TypeError $t) { echo $t->getMessage(), "\n"; }
print_r(new ErrorException("x", 2, E_NOTICE, "z.php", 3));
