<?php
// The benchmark page: 1,000 rows through inheritance, loops, filters and cycle().
require __DIR__ . '/../twig.inc';
require __DIR__ . '/page.inc';
$html = twig()->render('page.twig', page_vars(1000));
echo strlen($html), ' bytes, md5 ', md5($html), "\n", substr($html, 0, 1500), "\n";
