<?php
echo "never printed\n";
class M { public function __get($a, $b) {} }
