<?php
// Macros: import, from-import with alias, _self, defaults, recursion, varargs.
require __DIR__ . '/../twig.inc';
$env = twig([
    'm' => <<<'T'
{% import 'macros.twig' as forms %}
{% from 'macros.twig' import input as field, list %}
{{ forms.input('user') }}
{{ forms.input('pass', 's3<cr>t', 'password') }}
{{ field('age', 42, 'number', 3) }}
{{ list([1, [2, 3], 'four']) }}
{{ forms.varargs(1, 2, 3) }}
{% macro local(x) %}[{{ x }}]{% endmacro %}
{{ _self.local('self') }}
T,
]);
render($env, 'm');
