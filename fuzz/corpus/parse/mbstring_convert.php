<?php
// mb_check_encoding, mb_convert_encoding (UTF-8, ISO-8859-1, ASCII; strings and arrays),
// mb_ord, mb_chr, mb_strwidth, mb_decode_numericentity.
$strings = ["plain", "héllo", "\xe9t\xe9", "a\xffb", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "😀", ""];
foreach ($strings as $s) {
    echo bin2hex($s), ": ";
    var_dump(mb_check_encoding($s), mb_check_encoding($s, 'UTF-8'), mb_check_encoding($s, 'ASCII'), mb_check_encoding($s, 'ISO-8859-1'));
    var_dump(bin2hex(mb_convert_encoding($s, 'ISO-8859-1', 'UTF-8')), bin2hex(mb_convert_encoding($s, 'UTF-8', 'ISO-8859-1')),
        bin2hex(mb_convert_encoding($s, 'ASCII')), bin2hex(mb_convert_encoding($s, 'UTF-8', 'UTF-8')));
}
var_dump(mb_check_encoding(["a" => "é", "b" => ["\xff"]]), mb_check_encoding(["ok", 1, null]));
var_dump(mb_convert_encoding(['k' => "caf\xe9", 'n' => ["\xe9"], 3], 'UTF-8', 'ISO-8859-1'));
var_dump(mb_convert_encoding("caf\xe9", 'UTF-8', 'UTF-8, ISO-8859-1'), mb_convert_encoding("café", 'ISO-8859-1', ['ASCII', 'UTF-8']));
try {
    mb_convert_encoding("x", 'NOPE');
} catch (ValueError $e) {
    echo $e->getMessage(), "\n";
}
try {
    mb_convert_encoding("x", 'UTF-8', 'NOPE');
} catch (ValueError $e) {
    echo $e->getMessage(), "\n";
}
foreach (["A", "é", "日", "😀", "\xff", "\xe9"] as $c) {
    var_dump(mb_ord($c), mb_ord($c, 'ISO-8859-1'));
}
try {
    mb_ord("");
} catch (ValueError $e) {
    echo $e->getMessage(), "\n";
}
foreach ([65, 233, 0x65e5, 0x1F600, 0xD800, 0x110000, -1] as $cp) {
    var_dump(mb_chr($cp), mb_chr($cp, 'ISO-8859-1'), mb_chr($cp, 'ASCII'));
}
foreach (["abc", "日本語", "ＡＢＣ", "😀x", "é", "\xff"] as $s) {
    var_dump(mb_strwidth($s));
}
$map = [0x0, 0x2FFFF, 0, 0xFFFF];
foreach (["&#65;&#x42;&#67 &#1234567;x&#;", "&#x1F600;", "&#233; &#XE9; &#0;", "&#12345678901;", "no entities", "&amp;&#"] as $s) {
    var_dump(mb_decode_numericentity($s, $map, 'UTF-8'));
}
var_dump(mb_decode_numericentity("&#65;&#200;", [0x41, 0x41, 0, 0xFF]));
