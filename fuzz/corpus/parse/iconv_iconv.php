<?php
// iconv between UTF-8, ISO-8859-1 and ASCII with //TRANSLIT and //IGNORE; iconv_strlen,
// iconv_substr, iconv_strpos, iconv_strrpos; illegal sequences and unknown charsets.
var_dump(iconv("UTF-8", "ISO-8859-1", "a\xc3\xa9"));
var_dump(iconv("UTF-8", "ISO-8859-1", "a\xc3\xa9\xe2\x82\xac"));
var_dump(iconv("UTF-8", "ISO-8859-1//TRANSLIT", "a\xc3\xa9\xe2\x82\xac"));
var_dump(iconv("UTF-8", "ASCII//TRANSLIT", "café € “quoted” – done…"));
var_dump(iconv("UTF-8", "ISO-8859-1//IGNORE", "a\xc3\xa9\xe2\x82\xac"));
var_dump(iconv("ISO-8859-1", "UTF-8", "caf\xe9"));
var_dump(iconv("UTF-8", "UTF-8", "a\xffb"));
var_dump(iconv("utf-8", "us-ascii", "plain"));
var_dump(iconv("FOO", "UTF-8", "a"));
var_dump(iconv_strlen("a\xffb"), iconv_strlen("日本"), iconv_strlen("caf\xe9", "ISO-8859-1"), iconv_strlen(""));
var_dump(iconv_substr("日本語", 1), iconv_substr("日本語", -2, 1), iconv_substr("日本語", 5), iconv_substr("abc", 1, -1));
var_dump(iconv_strpos("日本語日本", "本"), iconv_strpos("日本語日本", "本", 2), iconv_strpos("abc", "z"), iconv_strrpos("日本語日本", "本"));
