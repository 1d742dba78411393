<?php
// Declared property reads and writes on $this and on another object, and `new`.
final class P {
    public int $a = 0;
    public float $b = 0.0;
    private $c = null;
    public function __construct(int $a) { $this->a = $a; $this->c = $a; }
    public function step(P $o): void {
        $this->a = $this->a + $o->a;
        $this->b = $this->b + 0.5;
        $this->c = $o->c;
    }
}
$p = new P(1);
$s = 0;
for ($i = 0; $i < 20000; $i++) {
    $q = new P($i & 7);
    $p->step($q);
    $s += $p->a + $q->a;
}
echo $s, " ", $p->b, "\n";
