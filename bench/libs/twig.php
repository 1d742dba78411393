<?php
// Benchmark: the corpus's Twig page of 1,000 rows rendered N times (argv[1], default 1000)
// from a warm on-disk template cache (filled by one render before the clock starts).
require 'Twig/autoload.php';
require __DIR__ . '/../../tests/libs/twig/page.inc';
$n = (int) ($argv[1] ?? 1000);
$dir = sys_get_temp_dir() . '/rhvm-bench-twig-' . getmypid();
$twig = function () use ($dir) {
    return new Twig\Environment(new Twig\Loader\FilesystemLoader(__DIR__ . '/../../tests/libs/twig/templates'), ['cache' => $dir]);
};
$vars = page_vars(1000);
$twig()->render('page.twig', $vars);
$env = $twig();
$t = hrtime(true);
for ($i = 0; $i < $n; $i++) {
    $html = $env->render('page.twig', $vars);
}
printf("twig: %d x 1,000-row page in %.3f s, md5 %s\n", $n, (hrtime(true) - $t) / 1e9, md5($html));
exec('rm -rf ' . escapeshellarg($dir));
