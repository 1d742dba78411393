<?php
foreach (["42 is the answer", "", "aaab\0cd"] as $s)
  foreach (["1234567890", "a", "\0ab", ""] as $m)
    foreach ([0, 2, -3, 20, -20] as $o)
      foreach ([null, 0, 3, -2, 50, -50] as $l) { c('strspn', $s, $m, $o, $l); c('strcspn', $s, $m, $o, $l); }
foreach (["This is a test", "", "a\0b"] as $s) foreach (["st", "", "\0", "xyz"] as $m) c('strpbrk', $s, $m);
foreach (["1+1=2?", "", "a.b\\c*d[e]^f\$g(h)"] as $s) c('quotemeta', $s);
