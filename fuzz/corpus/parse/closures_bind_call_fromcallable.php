<?php
class A { private $x = 1; function m($a) { return "m$a"; } static function s() { return "s"; } function __call($n, $a) { return "call:$n"; } }
class B { private $x = 2; }
$f = function($add) { return $this->x + $add; };
$g = Closure::bind($f, new A, A::class); var_dump($g(10));
$h = $f->bindTo(new B, 'B'); var_dump($h(20));
var_dump($f->call(new A, 5));
$u = static function() { return isset($this); };
var_dump(@$u->bindTo(new A));
$u->bindTo(new A);
$fc = Closure::fromCallable([new A, 'm']); var_dump($fc(3));
$fs = Closure::fromCallable('A::s'); var_dump($fs());
$fl = Closure::fromCallable('strtoupper'); var_dump($fl("abc"));
$fm = Closure::fromCallable([new A, 'undefinedMeth']); var_dump($fm());
try { Closure::fromCallable('nope'); } catch (TypeError $e) { echo $e->getMessage(), "\n"; }
try { Closure::fromCallable([new B, 'nope']); } catch (TypeError $e) { echo $e->getMessage(), "\n"; }
$s = function() { return static::class; };
var_dump(Closure::bind($s, null, A::class)());
$n = fn() => 42; var_dump(Closure::fromCallable($n) === $n);
var_dump(Closure::bind(function() { return get_class($this); }, new B, null)());
