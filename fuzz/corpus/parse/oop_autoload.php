<?php
spl_autoload_register(function ($c) {
    echo "autoload($c)\n";
    if ($c === 'Base') { eval('class Base { const K = 1; static function s() { return "s"; } }'); }
    if ($c === 'Child') { eval('class Child extends Base implements Iface {}'); }
    if ($c === 'Iface') { eval('interface Iface {}'); }
});
var_dump(class_exists('Nope'));
var_dump(class_exists('Nope2', false));
$c = new Child;
var_dump($c instanceof Iface, Base::K, Base::s());
var_dump($c instanceof Missing);
var_dump(count(spl_autoload_functions()));
try { new Missing2; } catch (Error $e) { echo $e->getMessage(), "\n"; }
