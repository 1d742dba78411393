<?php
// String building: .= appends, interpolation, and concatenation of short pieces.
// The buffer is folded into a checksum and reset every $chunk iterations to bound memory.
$n = isset($argv[1]) ? (int)$argv[1] : 300000;
$chunk = 100000;
$s = '';
$h = 0;
$totalLen = 0;
for ($i = 0; $i < $n; $i++) {
    $s .= 'ab';
    if (($i & 7) === 0) {
        $s .= "[$i]";
    }
    if (($i & 1023) === 0) {
        $s .= 'x' . $i . 'y' . ($i % 97) . "\n";
    }
    if ($i % $chunk === $chunk - 1) {
        $totalLen += strlen($s);
        $h = ($h * 31 + crc32($s)) & 0x7FFFFFFF;
        $s = '';
    }
}
$totalLen += strlen($s);
$h = ($h * 31 + crc32($s)) & 0x7FFFFFFF;
echo "strcat n=$n len=$totalLen h=$h\n";
