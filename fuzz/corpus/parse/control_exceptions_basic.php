<?php
function thrower($x) {
    if ($x > 1) throw new InvalidArgumentException("too big: $x");
    return $x;
}
try {
    echo thrower(1), "\n";
    echo thrower(2), "\n";
} catch (InvalidArgumentException $e) {
    echo "caught ", get_class($e), " ", $e->getMessage(), " line ", $e->getLine(), "\n";
} finally {
    echo "finally\n";
}
function f() {
    try { return "try"; } finally { echo "finally runs before return\n"; }
}
echo f(), "\n";
try {
    try { throw new RuntimeException("inner"); }
    catch (LogicException $e) { echo "wrong\n"; }
} catch (RuntimeException | TypeError $e) {
    echo "outer caught ", $e->getMessage(), "\n";
}
throw new Exception("uncaught at top");
