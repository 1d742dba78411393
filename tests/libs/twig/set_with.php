<?php
// set (values, multiple, block capture), with (scoped, only), apply, deprecated filters.
require __DIR__ . '/../twig.inc';
$env = twig([
    's' => <<<'T'
{% set a = 1 %}{% set b, c = 'two', [3] %}{{ a }} {{ b }} {{ c|join }}
{% set block %}captured <b>{{ a }}</b>{% endset %}{{ block }}|{{ block|length }}
{% with {'a': 'inner'} %}{{ a }} {{ b }}{% endwith %} {{ a }}
{% with {'x': 1} only %}{{ x }}{{ b|default('no b') }}{% endwith %}
{% set m = {'k': 'v', (1 + 1): 'two', 'n': {'d': 'deep'}} %}{{ m.k }} {{ m[2] }} {{ m.n.d }}
{% apply upper %}applied {{ a }}{% endapply %}
{% set s = 'héllo' %}{{ s|length }} {{ s|upper }} {{ s[1:3] }} {{ s|slice(1) }}
T,
]);
render($env, 's');
