<?php
class Secret {
    private $hidden = 'h';
    public $shown = 's';
}
$s = new Secret;
echo $s->shown, "\n";
try {
    echo $s->hidden;
} catch (Error $e) {
    echo get_class($e), ": ", $e->getMessage(), "\n";
}
print_r($s);
echo "\n";
var_dump($s);
echo $s->hidden;
