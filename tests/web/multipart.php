<?php
var_dump($_POST);
foreach ($_FILES as $k => $f) {
    echo "$k: ";
    var_dump($f);
    if (is_string($f['tmp_name']) && $f['tmp_name'] !== '') {
        var_dump(is_uploaded_file($f['tmp_name']), file_get_contents($f['tmp_name']));
    }
}
$t = $_FILES['up']['tmp_name'];
$dest = sys_get_temp_dir() . '/rhvm-web-moved-' . md5(__FILE__);
var_dump(move_uploaded_file($t, $dest), file_exists($t), file_get_contents($dest), is_uploaded_file($dest));
unlink($dest);
var_dump(move_uploaded_file(__FILE__, $dest), is_uploaded_file(__FILE__));
var_dump(file_get_contents('php://input'));
