<?php
// Core filters on strings, numbers, arrays and dates.
require __DIR__ . '/../twig.inc';
$env = twig([
    'f' => <<<'T'
{{ 'hello world'|upper }} {{ 'HeLLo'|lower }} {{ 'hello big world'|title }} {{ 'hello'|capitalize }}
{{ '  pad  '|trim }}|{{ 'xxhixx'|trim('x') }}|{{ '  left'|trim(' ', 'left') }}
{{ [1, 2, 3]|join(', ') }} {{ [1, 2, 3]|join(', ', ' and ') }} {{ 'a,b,c'|split(',')|join('|') }}
{{ 'abc'|split('')|join('-') }} {{ 'aabbcc'|split('', 2)|join('-') }}
{{ 'héllo wörld'|length }} {{ [1, 2]|length }} {{ 'héllo'|reverse }} {{ [3, 1, 2]|reverse|join }}
{{ [3, 1, 2]|sort|join }} {{ {'b': 2, 'a': 1}|keys|join }} {{ [1, 2]|merge([3, 4])|join }}
{{ 'abcdef'|slice(1, 3) }} {{ 'héllo'|slice(-3) }} {{ [1, 2, 3, 4]|slice(1, 2)|join }} {{ [1, 2, 3]|first }} {{ [1, 2, 3]|last }} {{ 'héllo'|first }} {{ 'héllo'|last }}
{{ null|default('dflt') }} {{ ''|default('empty') }} {{ 'set'|default('no') }}
{{ 1234567.891|number_format }} {{ 1234567.891|number_format(2) }} {{ 1234567.891|number_format(1, ',', '.') }}
{{ 3.14159|round(2) }} {{ 3.5|round(0, 'floor') }} {{ -5|abs }} {{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }}
{{ 'I like %s and %s.'|format('this', 'that') }} {{ 'a-b-c'|replace({'-': '+'}) }}
{{ '<p>tags <b>here</b></p>'|striptags }} {{ "line1\nline2"|nl2br }}
{{ 'a b&c/d?é'|url_encode }} {{ {'q': 'x y', 'n': 1}|url_encode }}
{{ {'a': 1, 'b': [1, 2], 'c': 'é<'}|json_encode }} {{ [1, 2]|json_encode(constant('JSON_PRETTY_PRINT')) }}
{{ [1, 2, 3, 4, 5]|batch(2, 'x')|map(b => b|join)|join(' ') }}
{{ [{'n': 'a', 'v': 1}, {'n': 'b', 'v': 2}]|column('n')|join }}
{{ [1, 2, 3, 4]|filter(v => v is even)|join }} {{ [1, 2, 3]|map(v => v * 10)|join(',') }} {{ [1, 2, 3]|reduce((c, v) => c + v, 10) }}
{{ 1700000000|date('Y-m-d H:i:s') }} {{ '2024-02-29'|date('D, d M Y') }} {{ 1700000000|date('U') }}
{{ 'ÉCOLE ÇA'|lower }} {{ 'straße'|upper }} {{ 'élan vital'|title }} {{ 'ñandú'|capitalize }}
{{ 'café'|convert_encoding('ISO-8859-1', 'UTF-8')|url_encode }}
{{ min([1, 2, 3]) }} {{ max(4, 9, 2) }} {{ range(1, 10, 3)|join }} {{ 'a'..'e'|join }}
{{ {'b': 1, 'a': 2}|sort|keys|join }} {{ ['x', 'y']|keys|join }} {{ 'abc' starts with 'a' ? 'yes' : 'no' }} {{ 'abc' ends with 'bc' ? 'yes' : 'no' }}
{{ 'abc' matches '/^a/' ? 'm' : 'nm' }} {{ 'b' in 'abc' ? 'in' : 'out' }} {{ 5 not in [1, 2] ? 'not in' : 'in' }}
{{ "interp #{1 + 2} ok" }} {{ 'x'|spaceless }}
T,
]);
render($env, 'f');
