<?php
// User extensions: filters, functions and tests from closures and static methods, with
// needs_environment / needs_context / is_safe options, globals, and a custom extension class.
require __DIR__ . '/../twig.inc';

class ShoutExtension extends Twig\Extension\AbstractExtension
{
    public function getFilters(): array
    {
        return [new Twig\TwigFilter('shout', [self::class, 'shout'], ['is_safe' => ['html']])];
    }

    public function getFunctions(): array
    {
        return [new Twig\TwigFunction('ctx_keys', function (array $context) {
            return implode(',', array_keys($context));
        }, ['needs_context' => true])];
    }

    public static function shout(string $s): string
    {
        return '<b>' . strtoupper($s) . '!</b>';
    }
}

$env = twig(['x' => <<<'T'
{{ 'hi'|shout }} {{ 'a<b'|rot }} {{ charset() }} {{ site }} {{ 7 is prime ? 'prime' : 'composite' }} {{ 8 is prime ? 'prime' : 'composite' }}
{{ ctx_keys() }} {{ 'x'|wrap('[', ']') }}
T]);
$env->addExtension(new ShoutExtension());
$env->addFilter(new Twig\TwigFilter('rot', 'str_rot13'));
$env->addFilter(new Twig\TwigFilter('wrap', fn ($s, $l, $r) => $l . $s . $r));
$env->addFunction(new Twig\TwigFunction('charset', fn (Twig\Environment $e) => $e->getCharset(), ['needs_environment' => true]));
$env->addTest(new Twig\TwigTest('prime', function (int $n) {
    for ($i = 2; $i * $i <= $n; $i++) {
        if ($n % $i === 0) {
            return false;
        }
    }
    return $n > 1;
}));
$env->addGlobal('site', 'example.org');
render($env, 'x', ['local' => 1]);
