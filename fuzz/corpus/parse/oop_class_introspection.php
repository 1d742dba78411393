<?php
class A { public $a = 1; protected $b = 2; private $c = 3; static $sa = 4; public int $t; function fa(){} private function pa(){} static function sfa(){} }
trait T { function tm(){} function fa(){} }
class B extends A { use T; public $d = 5; static $sb = 6; function fb(){} function pa2(){} }
var_dump(get_class_vars('B'), get_class_methods('B'), get_class_methods(new A));
var_dump(get_class_vars('nope'));
var_dump(class_alias('A', 'AA'), new AA, class_alias('A', 'AA'), class_alias('Nope', 'X'));
try { var_dump(get_class_methods('nope')); } catch (TypeError $e) { echo $e->getMessage(), "\n"; }
var_dump(class_alias('stdClass', 'S2'));
