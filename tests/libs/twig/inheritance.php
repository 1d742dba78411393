<?php
// Template inheritance: blocks, parent(), block(), multi-level and dynamic extends.
require __DIR__ . '/../twig.inc';
$env = twig();
render($env, 'base.twig');
render($env, 'child.twig', ['name' => 'Zoë']);
render($env, 'grandchild.twig', ['name' => 'Ana', 'year' => 2026]);
render($env, 'dynamic_parent.twig', ['layout' => 'base.twig']);
