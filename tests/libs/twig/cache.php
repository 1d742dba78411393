<?php
// The on-disk template cache: the first Environment compiles templates to PHP files in
// the cache directory; a second Environment (as in a new request) finds and includes them
// without compiling. The rendered pages must be identical.
require __DIR__ . '/../twig.inc';

$dir = sys_get_temp_dir() . '/rhvm-twig-cache-' . getmypid();
$rows = [];
for ($i = 0; $i < 5; $i++) {
    $rows[] = ['name' => "user $i", 'email' => "u$i@example.com", 'score' => $i * 1.5, 'tags' => ['t' . $i]];
}
$vars = ['title' => 'Cached', 'rows' => $rows];

$cold = twig([], ['cache' => $dir]);
$first = $cold->render('page.twig', $vars);
function files_under(string $dir): array
{
    $out = [];
    foreach (scandir($dir) as $e) {
        if ($e !== '.' && $e !== '..') {
            $p = "$dir/$e";
            $out = array_merge($out, is_dir($p) ? files_under($p) : [$p]);
        }
    }
    return $out;
}
$files = files_under($dir);
sort($files);
echo count($files), " compiled templates written\n";
foreach ($files as $f) {
    $src = file_get_contents($f);
    echo preg_match('/^class (__TwigTemplate_\w+) extends Template/m', $src) ? "class found" : "no class", ", ",
        substr_count($src, "\n") > 10 ? "has body" : "empty", "\n";
}

$warm = twig([], ['cache' => $dir]);
$second = $warm->render('page.twig', $vars);
echo $first === $second ? "warm render identical\n" : "warm render DIFFERS\n";
echo $second, "\n";

foreach ($files as $f) {
    unlink($f);
}
foreach (array_unique(array_map('dirname', $files)) as $d) {
    @rmdir($d);
}
@rmdir($dir);
echo is_dir($dir) ? "cache left behind\n" : "cache removed\n";
