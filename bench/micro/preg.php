<?php
// preg_match with captures, preg_replace with a backreference, preg_split.
$n = 0;
for ($i = 0; $i < 10000; $i++) {
    $line = "GET /item$i?x=" . ($i * 3) . " 200";
    if (preg_match('/^(\w+) ([^ ?]+)(?:\?(\S*))? (\d{3})$/', $line, $m)) {
        $n += strlen($m[2]) + (int)$m[4];
    }
    $n += strlen(preg_replace('/item(\d+)/', 'obj-$1', $line));
    $n += count(preg_split('/[\s\/?]+/', $line));
}
echo $n, "\n";
