<?php
// Parsedown's switches: safe mode, markup escaping, line breaks, URL linking, inline `line()`.
require __DIR__ . '/../render.inc';
require_once 'Parsedown/autoload.php';

$md = doc('html') . "\n" . doc('links') . "\nline one\nline two\n";
$p = new Parsedown();
echo "== safe mode\n", $p->setSafeMode(true)->text($md), "\n";
$p = new Parsedown();
echo "== markup escaped\n", $p->setMarkupEscaped(true)->text($md), "\n";
$p = new Parsedown();
echo "== breaks enabled\n", $p->setBreaksEnabled(true)->text($md), "\n";
$p = new Parsedown();
echo "== urls not linked\n", $p->setUrlsLinked(false)->text($md), "\n";
echo "== line\n", (new Parsedown())->line('*em* and **strong** and `code` <b>x</b>'), "\n";
echo "== instance\n", Parsedown::instance() === Parsedown::instance() ? "same" : "different", "\n";
