<?php
// league/commonmark with an Environment built by hand: CommonMark core plus the GFM
// extensions one by one, footnotes, heading permalinks, a table of contents, smart
// punctuation, descriptions lists, and the HTML/unsafe-link options.
require __DIR__ . '/../render.inc';
require_once 'League/CommonMark/autoload.php';

use League\CommonMark\Environment\Environment;
use League\CommonMark\Extension;
use League\CommonMark\MarkdownConverter;

function convert(array $config, array $extensions, string $md): string
{
    $env = new Environment($config);
    $env->addExtension(new Extension\CommonMark\CommonMarkCoreExtension());
    foreach ($extensions as $e) {
        $env->addExtension($e);
    }
    return (string) (new MarkdownConverter($env))->convert($md);
}

$all = doc('headings') . doc('links') . doc('tables') . doc('emphasis') . doc('lists');
echo "== footnotes, strikethrough, tables, task lists, autolinks\n";
echo convert([], [
    new Extension\Footnote\FootnoteExtension(),
    new Extension\Strikethrough\StrikethroughExtension(),
    new Extension\Table\TableExtension(),
    new Extension\TaskList\TaskListExtension(),
    new Extension\Autolink\AutolinkExtension(),
], $all);
echo "== heading permalinks and table of contents\n";
echo convert([
    'heading_permalink' => ['symbol' => '#'],
    'table_of_contents' => ['position' => 'top'],
], [
    new Extension\HeadingPermalink\HeadingPermalinkExtension(),
    new Extension\TableOfContents\TableOfContentsExtension(),
], doc('headings'));
echo "== smart punctuation\n";
echo convert([], [new Extension\SmartPunct\SmartPunctExtension()],
    "\"Double\" and 'single' quotes -- dashes --- and ellipsis...\n");
echo "== description lists\n";
echo convert([], [new Extension\DescriptionList\DescriptionListExtension()],
    "Term\n: Definition one\n: Definition two\n\nOther *term*\n: More\n");
echo "== html_input escape, unsafe links refused\n";
echo convert(['html_input' => 'escape', 'allow_unsafe_links' => false], [], doc('html') . doc('links'));
echo "== html_input strip\n";
echo convert(['html_input' => 'strip'], [], doc('html'));
