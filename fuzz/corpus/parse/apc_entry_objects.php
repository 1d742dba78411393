<?php
// apcu_entry computes once; objects go through serialisation semantics.
var_dump(apcu_entry("e", function ($k) { echo "generating $k\n"; return strtoupper($k); }));
var_dump(apcu_entry("e", function ($k) { echo "not called\n"; return "no"; }));
try {
    apcu_entry("boom", function () { throw new RuntimeException("gen failed"); });
} catch (RuntimeException $e) {
    echo get_class($e), ": ", $e->getMessage(), "\n";
}
unset($e); // its trace holds the closure (object ids below depend on it)
var_dump(apcu_exists("boom"));

class Point {
    public $x = 1;
    protected $y = 2;
    private $z = 3;
    public function __sleep() { echo "sleep\n"; return ["x", "y"]; }
    public function __wakeup() { echo "wakeup\n"; }
}
class Custom {
    public $data = [1, 2];
    public function __serialize(): array { echo "serialize\n"; return ["d" => $this->data]; }
    public function __unserialize(array $a): void { echo "unserialize\n"; $this->data = $a["d"]; }
}
enum Suit: string { case Hearts = "H"; case Spades = "S"; }

$p = new Point;
apcu_store("p", $p);
$p->x = 99;
var_dump(apcu_fetch("p"));
apcu_store("c", new Custom);
var_dump(apcu_fetch("c"));
$o = new stdClass;
$o->self = "x";
apcu_store("shared", [$o, $o]);
$back = apcu_fetch("shared");
var_dump($back[0] === $back[1]);
apcu_store("suit", Suit::Hearts);
var_dump(apcu_fetch("suit") === Suit::Hearts);
try {
    apcu_store("closure", function () {});
} catch (Exception $e) {
    echo get_class($e), ": ", $e->getMessage(), "\n";
}
