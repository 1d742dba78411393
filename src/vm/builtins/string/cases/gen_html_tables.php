<?php
function lit($s) { $o = ""; foreach (mb_str_split_safe($s) as $c) $o .= $c; return '"' . addcslashes_rust($s) . '"'; }
function mb_str_split_safe($s) { return [$s]; }
function addcslashes_rust($s) {
  $o = "";
  // Emit printable ASCII as is, escape quotes/backslashes, and everything else as \u{..}.
  $cps = preg_split('//u', $s, -1, PREG_SPLIT_NO_EMPTY);
  foreach ($cps as $c) {
    $cp = mb_ord_($c);
    if ($c === '"' || $c === '\\') $o .= '\\' . $c;
    elseif ($cp >= 0x20 && $cp < 0x7f) $o .= $c;
    else $o .= sprintf('\u{%x}', $cp);
  }
  return $o;
}
function mb_ord_($c) { $u = unpack('N', iconv_('UTF-8', $c)); return $u[1]; }
function iconv_($f, $c) {
  $b = array_values(unpack('C*', $c)); $n = count($b);
  if ($n == 1) $cp = $b[0];
  elseif ($n == 2) $cp = (($b[0] & 0x1f) << 6) | ($b[1] & 0x3f);
  elseif ($n == 3) $cp = (($b[0] & 0x0f) << 12) | (($b[1] & 0x3f) << 6) | ($b[2] & 0x3f);
  else $cp = (($b[0] & 0x07) << 18) | (($b[1] & 0x3f) << 12) | (($b[2] & 0x3f) << 6) | ($b[3] & 0x3f);
  return pack('N', $cp);
}
echo "//! Entity tables for the `htmlspecialchars` family, generated from PHP 8.2 itself:\n";
echo "//! `get_html_translation_table(HTML_ENTITIES, ENT_QUOTES | doctype)` for the encoding\n";
echo "//! tables (in PHP's order, which `get_html_translation_table` reproduces), and every HTML5\n";
echo "//! name (from the WHATWG list) decoded by `html_entity_decode(..., ENT_QUOTES | ENT_HTML5)`\n";
echo "//! for the decoding table. Data only; the logic is in `html.rs`.\n\n";
echo "/// HTML 4.01 (and XHTML) `htmlentities` table: (character, entity), in PHP's order.\n";
echo "pub(super) const ENCODE_HTML401: &[(&str, &str)] = &[\n";
foreach (get_html_translation_table(HTML_ENTITIES, ENT_QUOTES|ENT_HTML401) as $k => $v) echo "    (", lit($k), ", ", lit($v), "),\n";
echo "];\n\n";
echo "/// HTML5 `htmlentities` table: (character sequence, entity), in PHP's order.\n";
echo "pub(super) const ENCODE_HTML5: &[(&str, &str)] = &[\n";
foreach (get_html_translation_table(HTML_ENTITIES, ENT_QUOTES|ENT_HTML5) as $k => $v) echo "    (", lit($k), ", ", lit($v), "),\n";
echo "];\n\n";
$names = json_decode(file_get_contents('/tmp/html5names.json'));
sort($names, SORT_STRING);
echo "/// HTML5 named references (name without `&` and `;`, decoded text), sorted by name.\n";
echo "pub(super) const DECODE_HTML5: &[(&str, &str)] = &[\n";
foreach ($names as $n) {
  $d = html_entity_decode("&$n;", ENT_QUOTES|ENT_HTML5, "UTF-8");
  if ($d === "&$n;") { fwrite(STDERR, "not decoded: $n\n"); continue; }
  echo "    (", lit($n), ", ", lit($d), "),\n";
}
echo "];\n";
