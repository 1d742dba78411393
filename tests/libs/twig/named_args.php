<?php
// Named arguments to filters and functions (Twig maps them to parameters by reflection).
require __DIR__ . '/../twig.inc';
$env = twig([
    'n' => <<<'T'
{{ '  left  '|trim(side='left') }}|
{{ 1234.5|number_format(decimal=2, decimal_point=',') }}
{{ [3, 1, 2]|slice(start=1, length=1)|join }}
{{ range(low=1, high=5, step=2)|join }}
{{ 'x'|default(default='y') }}
T,
]);
render($env, 'n');
