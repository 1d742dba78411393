<?php
// preg_match / preg_replace / preg_split over generated log-like lines.
$n = isset($argv[1]) ? (int)$argv[1] : 20000;
$methods = ['GET', 'POST', 'PUT', 'DELETE'];
$matched = 0;
$bytes = 0;
$codes = 0;
for ($i = 0; $i < $n; $i++) {
    $line = sprintf('127.0.0.%d - - [%02d/Jan/2024] "%s /path/to/item%d?x=%d HTTP/1.1" %d %d',
        $i % 255, $i % 28 + 1, $methods[$i & 3], $i, $i * 3, ($i % 5 === 0) ? 404 : 200, $i * 13 % 9999);
    if (preg_match('/^(\S+) \S+ \S+ \[([^\]]+)\] "(\w+) ([^ ?"]+)(?:\?[^ "]*)? HTTP\/[\d.]+" (\d{3}) (\d+)$/', $line, $m)) {
        $matched++;
        $codes += (int)$m[5];
        $bytes += (int)$m[6];
    }
    $r = preg_replace('/item(\d+)/', 'obj-$1', $line);
    $bytes += strlen($r);
    if (($i & 15) === 0) {
        $parts = preg_split('/[\s\/]+/', $line);
        $bytes += count($parts);
    }
}
echo "preg n=$n matched=$matched codes=$codes bytes=$bytes\n";
