<?php
var_dump(strcmp("a", "b"), strcmp("b", "a"), strcmp("a", "a"), strcmp("abc", "ab"));
var_dump("abc" < "abd", "B" < "a", "apple" == "Apple", "10" < "9", "10" < "9x");
var_dump(str_contains("haystack", "st"), str_starts_with("haystack", "hay"), str_ends_with("haystack", "ack"));
var_dump(substr("hello", 1, 3), substr("hello", -3), strtoupper("abc"), ucfirst("xyz"), strrev("abc"));
