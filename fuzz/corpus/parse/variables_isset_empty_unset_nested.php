<?php
$a = ['x' => ['y' => null, 'z' => 0, 'w' => '0', 'v' => 'text'], 'e' => []];
var_dump(isset($a['x']), isset($a['x']['y']), isset($a['x']['z']), isset($a['q']['r']));
var_dump(empty($a['x']['z']), empty($a['x']['w']), empty($a['x']['v']), empty($a['e']), empty($a['missing']));
var_dump(isset($a['x']['v'][0]), isset($a['x']['v'][10]), isset($a['x'], $a['e']), isset($a['x'], $a['nope']));
unset($a['x']['y']);
var_dump(array_keys($a['x']));
unset($a['q']['r']);
var_dump(isset($a['q']));
$o = new stdClass; $o->p = ['k' => 1];
var_dump(isset($o->p['k']), isset($o->nope), empty($o->p));
unset($o->p['k']);
var_dump($o);
$s = null;
var_dump(isset($s), is_null($s), empty($s));
