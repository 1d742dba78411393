<?php
// Generates src/vm/testdata/floats.txt: "<hex bits> <echo form, precision=14> <var_dump form, serialize_precision=-1> <precision=17 form>"
mt_srand(20240601);
$vals = [];
function bits2f($hex) { return unpack('E', hex2bin($hex))[1]; }
function r64() { return sprintf('%08x%08x', mt_rand(0, 0xffffffff), mt_rand(0, 0xffffffff)); }
for ($i = 0; $i < 8000; $i++) $vals[] = bits2f(r64());
for ($i = 0; $i < 6000; $i++) { $d = mt_rand(1, 17); $m = mt_rand(0, 10 ** min($d, 9)) . (($d > 9) ? mt_rand(0, 10 ** ($d - 9)) : ''); $e = mt_rand(-30, 30); $vals[] = (float)($m . 'e' . $e) * (mt_rand(0,1) ? 1 : -1); }
for ($e = -325; $e <= 308; $e++) { $vals[] = (float)("1e$e"); $vals[] = (float)("5e$e"); $vals[] = (float)("1.5e$e"); }
for ($i = 0; $i < 2000; $i++) { $vals[] = mt_rand(-1000000, 1000000) + 0.5; $vals[] = mt_rand(0, 1 << 30) / 1024; }
for ($i = 0; $i < 1000; $i++) { $vals[] = mt_rand(0, 99999) / 100 + mt_rand(0, 99999) / 1000; }
foreach ([0.0, -0.0, INF, -INF, NAN, PHP_FLOAT_EPSILON, PHP_FLOAT_MAX, PHP_FLOAT_MIN, 5e-324, 0.1+0.2, 1/3, 2**53, 2**53+1, 2**63, 2**64, -2**63] as $v) $vals[] = $v;
foreach ($vals as $v) {
    $v = (float)$v;
    $hex = bin2hex(pack('E', $v));
    ini_set('precision', '14'); $a = (string)$v;
    ini_set('precision', '17'); $c = (string)$v;
    ob_start(); var_dump($v); $b = substr(trim(ob_get_clean()), 6, -1);
    echo "$hex $a $b $c\n";
}
