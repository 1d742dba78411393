<?php
// Benchmark: league/commonmark (GitHub-flavoured) over the 1 MB document, N times.
require __DIR__ . '/../../tests/libs/docs/big.inc';
require 'League/CommonMark/autoload.php';
$n = (int) ($argv[1] ?? 1);
$md = big_markdown();
$t = hrtime(true);
for ($i = 0; $i < $n; $i++) {
    $html = (string) (new League\CommonMark\GithubFlavoredMarkdownConverter())->convert($md);
}
printf("commonmark: %d x 1 MB in %.3f s, md5 %s\n", $n, (hrtime(true) - $t) / 1e9, md5($html));
