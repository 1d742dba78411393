<?php
// Autoescaping: html by default, the js, css, url and html_attr strategies, autoescape
// blocks, raw, and an environment with autoescape off and by file name.
require __DIR__ . '/../twig.inc';
$vars = ['s' => "<script>alert('x & y')</script> é \u{2028} \"q\"", 'u' => 'a b/c?d=é&f'];
$env = twig([
    'e' => <<<'T'
{{ s }}
{{ s|raw }}
{{ s|e('js') }}
{{ s|e('css') }}
{{ u|e('url') }}
{{ s|e('html_attr') }}
{% autoescape 'js' %}{{ s }}{% endautoescape %}
{% autoescape false %}{{ s }}{% endautoescape %}
{% autoescape 'html' %}{{ s ~ '<b>' }}{{ '<b>lit</b>' }}{% endautoescape %}
{{ s|escape|raw }} {{ s|e|e }}
<a href="?q={{ u|url_encode }}" title="{{ s|e('html_attr') }}">x</a>
T,
]);
render($env, 'e', $vars);
$off = twig(['e' => '{{ s }}'], ['autoescape' => false]);
render($off, 'e', $vars);
$js = twig(['e' => '{{ s }}'], ['autoescape' => 'js']);
render($js, 'e', $vars);
