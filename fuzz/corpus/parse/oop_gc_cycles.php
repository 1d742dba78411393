<?php
class N { public $o; public $name; function __construct($n) { $this->name = $n; } function __destruct() { echo "destruct {$this->name}\n"; } }
$a = new N("a"); $b = new N("b"); $a->o = $b; $b->o = $a;
unset($a, $b);
echo "before gc\n";
var_dump(gc_collect_cycles());
echo "after first gc\n";
var_dump(gc_collect_cycles());
class P { public $self; public $n; }
for ($i = 0; $i < 50000; $i++) { $x = new P; $y = new P; $x->self = $y; $y->self = $x; }
$keep = new P; $keep->self = $keep; $keep->n = 42;
gc_collect_cycles();
var_dump($keep->self->self->n);
echo "end\n";
