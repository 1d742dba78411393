<?php
// Trait rules: `insteadof` picks a method, `as` adds aliases and changes visibility;
// two traits bringing the same method without a rule is a fatal error.
trait Hello {
    public function say() { return 'Hello'; }
    public function hidden() { return 'hidden'; }
}
trait World {
    public function say() { return 'World'; }
}
class Greeter {
    use Hello, World {
        Hello::say insteadof World;
        World::say as sayWorld;
        hidden as protected;
        Hello::say as private secretSay;
    }
    public function callSecret() { return $this->secretSay() . '+' . $this->hidden(); }
}
$g = new Greeter();
echo $g->say(), ' ', $g->sayWorld(), ' ', $g->callSecret(), "\n";
print_r(get_class_methods('Greeter'));
try {
    $g->hidden();
} catch (Error $e) {
    echo $e->getMessage(), "\n";
}
if (true) {
    class Clash {
        use Hello, World;
    }
}
echo "not reached\n";
