<?php
foreach (["Hi all, I said hello", "", "abcabc"] as $s) {
  c('strtr', $s, "ai", "eo");
  c('strtr', $s, "abc", "x");
  c('strtr', $s, ["Hi" => "Hello", "Hello" => "x", "hello" => "hi", "H" => "J", "" => "E", "a" => "b", "b" => "a"]);
  c('strtr', $s, []);
  c('strtr', $s, [1 => "one", "ab" => 7]);
  c('strtr', $s, "ab");
  c('strtr', $s, ["a" => "b"], "x");
  c('strtr', $s, ["a" => "b"], null);
  c('strtr', $s, ["abc" => "1", "ab" => "2", "bca" => "3"]);
}
c('strtr', "a1b2", ["1" => [], "2" => 3.5]);
foreach (["Hello", "", "abcdef"] as $s)
  foreach ([0, 2, -2, 10, -10] as $o)
    foreach ([null, 0, 1, -1, 10, -10] as $l) {
      c('substr_replace', $s, "XY", $o, $l);
    }
c('substr_replace', "abc", ["X", "Y"], 1);
c('substr_replace', "abc", [], 1);
c('substr_replace', "abc", "x", [1]);
c('substr_replace', "abc", "x", 1, [1]);
c('substr_replace', ["a" => "Hello", "b" => "World", 5 => "xyz", 7], "X", 1);
c('substr_replace', ["Hello", "World", "xyz"], ["1", "2"], [1, -2], [0, 1]);
c('substr_replace', ["Hello", "World", "xyz"], "R", [4], 1);
c('substr_replace', ["Hello", "World"], "R", 1, [2]);
c('substr_replace', [], "R", 1);
foreach (["abcdefg", "", "ab"] as $s) foreach ([1, 3, 76, 0, -1] as $n) { c('chunk_split', $s, $n); c('chunk_split', $s, $n, "|"); }
$texts = ["The quick brown fox sat over the lazy dog", "A very long woooooooooooord.", "A very long woooooooooooooooooord. and something", "short", "", "line one\nline two is longer than ten\n", "  lead  spaces  and    runs ", "abc<br>def ghi<br>jkl mnop"];
foreach ($texts as $t) foreach ([0, 1, 5, 10, 15, 75] as $w) foreach (["\n", "<br>", ""] as $b) foreach ([false, true] as $cut) c('wordwrap', $t, $w, $b, $cut);
c('wordwrap', "The quick brown fox");
foreach (["/a/b/c", "/a/b/c/", "a", "", "/", "//", "///a//b//", ".", "..", "a/b", "/a", "c:\\x\\y", "a/b/c/d/e"] as $p) {
  foreach ([1, 2, 3, 10, 0, -1] as $l) c('dirname', $p, $l);
  c('basename', $p); c('basename', $p, "b"); c('basename', $p, ".php");
}
c('basename', "/x/file.php", ".php"); c('basename', "file.php", "file.php"); c('basename', "a.tar.gz", ".gz");
foreach (["/www/htdocs/inc/lib.inc.php", "lib", ".htaccess", "/a/b/", "", "/", "a.", "dir.d/file", "/x/.y.z", "..", "a/b.c/"] as $p) {
  c('pathinfo', $p);
  foreach ([1, 2, 4, 8, 3, 6, 12, 0, 16] as $f) c('pathinfo', $p, $f);
}
