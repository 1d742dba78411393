<?php
var_dump((array)null, (array)1, (array)"s", (array)1.5, (array)true, (array)[1]);
$o = new stdClass; $o->a = 1; $o->b = [2];
var_dump((array)$o);
var_dump((object)['x' => 1, 'y' => 2]);
var_dump((object)'scalar');
var_dump((object)[]);
