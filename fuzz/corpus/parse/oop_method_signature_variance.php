<?php
// Method signature compatibility (LSP) on inheritance, interfaces and traits.
interface Shape { public function area(int $scale = 1): int|float; }
class Base {
    public function make(array $opts = []): iterable { return []; }
    public function take(Base $b, ...$rest) {}
    public function &ref() { static $x; return $x; }
    private function secret(int $a) {}
    public function __construct(int $x) {}
}
class Child extends Base implements Shape {
    public function make(iterable $opts = [], $extra = null): array { return []; }
    public function take(object $b, ...$rest): static { return $this; }
    public function &ref(): mixed { static $y; return $y; }
    private function secret(string $a, $b) {}
    public function __construct(string $y, $z) {}
    public function area(int|float $scale = 1): int { return 1; }
    public function __toString(): string { return "child"; }
}
trait NeedsIt { abstract public function need(int $a): self; }
class UsesTrait { use NeedsIt; public function need(int $a, $b = 2): static { return $this; } }
var_dump(new Child("a", 1) instanceof Stringable);
var_dump((new UsesTrait)->need(1) instanceof UsesTrait);
if (true) {
    class Broken extends Base {
        public function take(Child $b, ...$rest) {}
    }
}
echo "not reached\n";
