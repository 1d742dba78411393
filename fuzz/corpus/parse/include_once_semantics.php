<?php
var_dump(include_once 'inc/once.inc');
var_dump(include_once 'inc/once.inc');
var_dump(require_once __DIR__ . '/inc/once.inc');
var_dump(require_once 'inc/../inc/once.inc');
echo $onceCounter, " ", declaredInOnce(), "\n";
