<?php
// Benchmark: Parsedown over the corpus's 1 MB Markdown document, N times (argv[1], default 3).
// Prints the rendering time only (document generation excluded) and a checksum.
require __DIR__ . '/../../tests/libs/docs/big.inc';
require 'Parsedown/autoload.php';
$n = (int) ($argv[1] ?? 3);
$md = big_markdown();
$t = hrtime(true);
for ($i = 0; $i < $n; $i++) {
    $html = (new Parsedown())->text($md);
}
printf("parsedown: %d x 1 MB in %.3f s, md5 %s\n", $n, (hrtime(true) - $t) / 1e9, md5($html));
