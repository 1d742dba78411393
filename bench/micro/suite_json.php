<?php
// json_encode / json_decode round trips of a nested structure.
$n = isset($argv[1]) ? (int)$argv[1] : 1000;
$doc = [
    'id' => 0,
    'name' => 'widget',
    'tags' => ['a', 'b', 'c', 'unicode-é'],
    'price' => 12.5,
    'active' => true,
    'dims' => ['w' => 10, 'h' => 20, 'd' => 3.25],
    'items' => [],
];
for ($i = 0; $i < 20; $i++) {
    $doc['items'][] = ['sku' => "S$i", 'qty' => $i * 3, 'note' => str_repeat('n', $i % 7), 'ok' => ($i % 2) === 0];
}
$totalLen = 0;
$qtySum = 0;
for ($i = 0; $i < $n; $i++) {
    $doc['id'] = $i;
    $s = json_encode($doc);
    $totalLen += strlen($s);
    $back = json_decode($s, true);
    $qtySum += $back['items'][$i % 20]['qty'] + $back['id'];
    $obj = json_decode($s);
    $qtySum += $obj->dims->w;
}
echo "json n=$n bytes=$totalLen qty=$qtySum crc=" . crc32(json_encode($back)) . "\n";
