<?php
// include (with, only, ignore missing, lists of candidates), embed, include() function.
require __DIR__ . '/../twig.inc';
$env = twig([
    'inc' => <<<'T'
{% include 'partial.twig' %}
{% include 'partial.twig' with {'who': 'World'} %}
{% include 'partial.twig' with {'who': 'Only'} only %}
{% include 'missing.twig' ignore missing %}
{% include ['missing.twig', 'partial.twig'] %}
{{ include('partial.twig', {'greeting': 'Hi', 'extra': 42}) }}
{% for w in ['a', 'b'] %}{% include 'partial.twig' with {'who': w} %}{% endfor %}
{% embed 'embed_box.twig' %}{% block box_body %}embedded body for {{ who }}{% endblock %}{% endembed %}
T,
]);
render($env, 'inc', ['greeting' => 'Hey', 'who' => 'Outer']);
