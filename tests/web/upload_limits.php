<?php
var_dump($_POST);
foreach ($_FILES as $k => $f) {
    echo "$k: name=", json_encode($f['name']), " error=", json_encode($f['error']), " size=", json_encode($f['size']), " tmp=", json_encode(is_string($f['tmp_name']) ? $f['tmp_name'] !== '' : array_map(fn($t) => array_map(fn($u) => $u !== '', $t), $f['tmp_name'])), "\n";
}
var_dump(strlen(file_get_contents('php://input')));
