<?php
interface Shape { public function area(): float; }
interface Named { const PREFIX = "shape:"; public function name(): string; }
class Rect implements Shape, Named {
    public function __construct(private float $w, private float $h) {}
    public function area(): float { return $this->w * $this->h; }
    public function name(): string { return self::PREFIX . "rect"; }
}
class Circle implements Shape {
    public function __construct(private float $r) {}
    public function area(): float { return 3.0 * $this->r * $this->r; }
}
$shapes = [new Rect(2.0, 3.0), new Circle(1.5)];
$total = 0.0;
foreach ($shapes as $s) { $total += $s->area(); }
printf("total=%.2f\n", $total);
echo $shapes[0]->name(), "\n";
var_dump($shapes[0] instanceof Shape, $shapes[1] instanceof Named, $shapes[0] instanceof Named);
