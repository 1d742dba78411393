<?php
// for loops and loop.*: index, index0, revindex, revindex0, first, last, length,
// parent, else, keys, conditions, nested loops, iterating objects and generators.
require __DIR__ . '/../twig.inc';
function gen() { yield 'g1' => 1; yield 'g2' => 2; }
$env = twig([
    'l' => <<<'T'
{% for i in 1..4 %}[{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first ? 'F' }}{{ loop.last ? 'L' }}/{{ loop.length }}]{% endfor %}
{% for k, v in {'a': 1, 'b': 2} %}{{ k }}={{ v }};{% endfor %}
{% for v in [] %}never{% else %}empty else{% endfor %}
{% for row in [[1, 2], [3, 4]] %}{% for c in row %}{{ loop.parent.loop.index }}.{{ loop.index }}={{ c }} {% endfor %}{% endfor %}
{% for k, v in gen %}{{ k }}:{{ v }} {% endfor %}
{% for v in items|filter(v => v > 1) %}{{ v }}{% endfor %}
{% for c in 'a'..'e' %}{{ c }}{{ cycle(['-', '+'], loop.index0) }}{% endfor %}
{% set total = 0 %}{% for v in items %}{% set total = total + v %}{% endfor %}total={{ total }}
{% for i in range(10, 0, -3) %}{{ i }} {% endfor %}
T,
]);
render($env, 'l', ['gen' => gen(), 'items' => [1, 2, 3]]);
