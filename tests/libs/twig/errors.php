<?php
// Errors with template names and line numbers: syntax errors, unknown filters/functions/
// tags/templates, runtime errors under strict_variables, errors from included templates.
require __DIR__ . '/../twig.inc';
$templates = [
    'unclosed' => "line 1\n{% if true %}\nline 3\n",
    'bad_filter' => "a\nb\n{{ x|nosuchfilter }}\n",
    'bad_function' => "{{ nosuchfunction() }}",
    'bad_tag' => "ok\n{% nosuchtag %}",
    'bad_token' => "{{ 1 + }}",
    'unclosed_var' => "text {{ 'unterminated",
    'endblock_mismatch' => "{% block a %}x{% endblock b %}",
    'missing_include' => "before\n{% include 'nope.twig' %}",
    'strict' => "one\ntwo {{ undefined_var }}",
    'strict_attr' => "{{ obj.missing }}",
    'includes_strict' => "x\n{% include 'strict' %}",
    'call_method_error' => "{{ range(1, 2, 0)|join }}",
    'extends_missing' => "{% extends 'nowhere.twig' %}",
];
$env = twig($templates, ['strict_variables' => true]);
foreach (array_keys($templates) as $name) {
    echo "-- $name: ";
    render($env, $name, ['obj' => new stdClass()]);
}
try {
    $env->render('not_there');
} catch (Twig\Error\LoaderError $e) {
    echo get_class($e), ': ', $e->getMessage(), ' | line ', $e->getTemplateLine(), "\n";
}
try {
    $env->render('bad_filter');
} catch (Twig\Error\SyntaxError $e) {
    echo 'line ', $e->getTemplateLine(), ' of ', $e->getSourceContext()->getName(), ': ', $e->getRawMessage(), "\n";
}
