<?php
final class Vec2 { public float $x; public float $y;
  public function __construct(float $x, float $y) { $this->x = $x; $this->y = $y; }
  public function add(Vec2 $o): Vec2 { return new Vec2($this->x + $o->x, $this->y + $o->y); }
  public function dot(Vec2 $o): float { return $this->x * $o->x + $this->y * $o->y; } }
$acc = new Vec2(0.0, 0.0); $step = new Vec2(0.5, 0.25); $d = 0.0;
for ($i = 0; $i < 20000; $i++) { $acc = $acc->add($step); $d += $acc->dot($step); }
printf("%.1f\n", $d);
