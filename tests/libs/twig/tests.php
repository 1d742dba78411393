<?php
// Twig tests: defined, empty, null, even/odd, iterable, same as, divisible by, constant.
require __DIR__ . '/../twig.inc';
class Holder { const ANSWER = 42; public $prop = 'p'; public function method() { return 'm'; } }
$env = twig([
    't' => <<<'T'
{% for v in [0, 1, '', 'x', null, [], [1]] %}{{ loop.index }}:{{ v is empty ? 'empty' : 'full' }}/{{ v is null ? 'null' : 'nn' }}/{{ v is iterable ? 'it' : 'scalar' }} {% endfor %}
{{ undefinedvar is defined ? 'def' : 'undef' }} {{ obj.prop is defined ? 'def' : 'undef' }} {{ obj.nope is defined ? 'def' : 'undef' }}
{{ 4 is even }} {{ 3 is odd }} {{ 9 is divisible by(3) ? 'div' : 'nodiv' }} {{ 1 is same as(1) ? 'same' : 'diff' }} {{ 1 is same as('1') ? 'same' : 'diff' }}
{{ 42 is constant('Holder::ANSWER') ? 'const' : 'nc' }} {{ obj.method }} {{ obj.prop }} {{ attribute(obj, 'method') }}
{{ arr.key }} {{ arr['key'] }} {{ arr.missing ?? 'fallback' }} {{ arr.nested.deep }}
{% if 1 < 2 and not (2 < 1) or false %}logic ok{% endif %} {{ 1 b-and 3 }} {{ 1 b-or 2 }} {{ 3 b-xor 1 }}
{{ 1 <=> 2 }} {{ 'a' ~ 'b' ~ 3 }} {{ true ? 'yes' }} {{ null ?: 'elvis' }}
T,
]);
render($env, 't', ['obj' => new Holder(), 'arr' => ['key' => 'val', 'nested' => ['deep' => 'D']]]);
