<?php
// json_encode / json_decode (arrays and stdClass objects) of a small nested document.
$doc = ['id' => 1, 'name' => 'widget', 'tags' => ['a', 'b', 'é'], 'price' => 12.5, 'ok' => true, 'items' => []];
for ($i = 0; $i < 10; $i++) {
    $doc['items'][] = ['sku' => "S$i", 'qty' => $i * 3, 'note' => str_repeat('n', $i)];
}
$n = 0;
for ($i = 0; $i < 2000; $i++) {
    $doc['id'] = $i;
    $s = json_encode($doc);
    $a = json_decode($s, true);
    $o = json_decode($s);
    $n += strlen($s) + $a['items'][3]['qty'] + $o->items[2]->qty;
}
echo $n, "\n";
