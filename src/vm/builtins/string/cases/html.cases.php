<?php
$docs = [ENT_HTML401, ENT_XML1, ENT_XHTML, ENT_HTML5];
$inputs = ["a<b>&c\"d'e", "caf\xc3\xa9 \xe2\x82\xac \xe2\x89\x82\xcc\xb8 \xe2\x89\x82 \xf0\x9f\x98\x80 \xc2\xa0",
  "bad \xc3 \xe2\x82 \xe2\x82x \xf0\x9f\x98 \xff \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xc3\xc3\xa9",
  "&amp; &lt &#65; &#x41; &#xZ; &#1114112; &#0; &#128; &apos; &eacute; &Eacute; &LT; &NotEqualTilde; &bogus; &; &#; &a",
  "ctl \x01\x0b\x0c\x7f \xc2\x80 \xef\xbf\xbe \xef\xb7\x90 &#1; &#12; &#13; &#xD800; &#xFFFE;", "\t\n!#\$%()*+,./:;=?@[\\]^_`{|}~"];
foreach ([0, 2, 3, 3|ENT_IGNORE, 3|ENT_SUBSTITUTE, 3|ENT_DISALLOWED, 3|ENT_SUBSTITUTE|ENT_DISALLOWED] as $q)
  foreach ($docs as $d)
    foreach ($inputs as $s) {
      c('htmlspecialchars', $s, $q|$d);
      c('htmlentities', $s, $q|$d);
      c('htmlspecialchars', $s, $q|$d, null, false);
      c('htmlentities', $s, $q|$d, 'UTF-8', false);
      c('htmlspecialchars_decode', $s, $q|$d);
      c('html_entity_decode', $s, $q|$d);
    }
c('htmlspecialchars', "x");
c('htmlentities', "caf\xc3\xa9<");
c('html_entity_decode', "&eacute;&amp;&#39;&apos;");
c('htmlspecialchars_decode', "&amp;&#39;&apos;&#x3c;");
$bytes = ''; for ($i = 0x80; $i < 0x100; $i++) $bytes .= chr($i);
foreach (["ISO-8859-1", "cp1252", "ISO-8859-15", "KOI8-R", "cp1251", "iso-8859-5", "cp866", "MacRoman", "BIG5", "BIG5-HKSCS", "GB2312", "Shift_JIS", "EUC-JP", "bogus", ""] as $cs) {
  foreach ([3, 3|ENT_SUBSTITUTE, 3|ENT_IGNORE, 3|ENT_DISALLOWED|ENT_SUBSTITUTE, 3|ENT_HTML5] as $fl) {
    c('htmlspecialchars', "a<" . $bytes . "\x01 z", $fl, $cs);
    c('htmlentities', "a<" . $bytes . "\x01 z", $fl, $cs);
    foreach (["\x81\x40", "\x81", "\xa1\xa1\xa1", "\x8e\xa1\x8f\xa1\xa1\x8f\xa0\xa0\xa1\x7f\x81\xfd\xfd\x80\x8e\xff\xa1\xff"] as $mb)
      c('htmlspecialchars', "<$mb>", $fl, $cs);
  }
  c('html_entity_decode', "&eacute;&euro;&#8364;&#xe9;&yen;&Ccedil;&#1046;&lt;&Zcaron;", ENT_QUOTES, $cs);
  c('html_entity_decode', "&eacute;&euro;&lt;&NotEqualTilde;", ENT_QUOTES|ENT_HTML5, $cs);
  c('get_html_translation_table', HTML_ENTITIES, ENT_QUOTES, $cs);
}
foreach ([HTML_SPECIALCHARS, HTML_ENTITIES] as $t)
  foreach ($docs as $d)
    foreach ([ENT_COMPAT, ENT_QUOTES, ENT_NOQUOTES] as $q)
      c('get_html_translation_table', $t, $q|$d);
c('get_html_translation_table');
