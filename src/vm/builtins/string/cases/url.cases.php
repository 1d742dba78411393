<?php
function parse_str_result($s) { parse_str($s, $r); return $r; }
$urls = ["http://user:pass@www.example.com:8080/path/to?x=1&y=2#frag", "https://example.com", "//example.com/path", "/just/path?q#", "a.com:80", "a.com:80/x", "mailto:someone@example.com", "file:///etc/passwd", "file:///c:/dir/file.txt", "http://[::1]:80/x", "http://host:65536/", "http://host:/", "http://:80", "http:///x", ":80", "x:", "?q=1", "#f", "", "http://a@b@c/d", "http://h?x#y?z", "foo://bar:baz@/x", "www.example.com/path", "host:123456", "a:b:c", "ht tp://x", "http://h/p\x01q", "123:456/abc", "sc+h-e.me://h", "C:\\windows", "http://u:p@h", "http://h:0/"];
foreach ($urls as $u) { c('parse_url', $u); foreach ([0, 1, 2, 3, 4, 5, 6, 7] as $k) c('parse_url', $u, $k); }
c('parse_url', "http://x", 8);
c('parse_url', "http://x", -2);
c('http_build_query', ["a" => 1, "b" => "x y~z", "c" => [1, 2, ["d" => "e"]], 3 => "n", "e" => null, "f" => true, "g" => false, "h" => 0.1 + 0.2, "i" => [], "j k" => "&="]);
c('http_build_query', ["a" => 1, 3 => "n", 4 => [5 => "x"]], "p_");
c('http_build_query', ["a" => 1, "b" => "x y~"], "", ";");
c('http_build_query', ["a" => 1, "b" => "x y~"], "", null, PHP_QUERY_RFC3986);
c('http_build_query', []);
c('http_build_query', [1.5, 1e100, -0.0]);
foreach (["a=1&b=2", "a[]=1&a[]=2", "a[x][y]=1&a[x][z]=2", "a.b=1&c d=2&e[f.g]=3", "a[b=1", "a[b][=1", "a]b=1", "=1&&b", "a", "a+b=c+d&e=%41%zz", " lead=1", "a[]=1&a=2&a[]=3", "a=1&a[b]=2", "x[1]=a&x[01]=b&x[]=c", "a[b]c=1", "a[b][c]d=1", "arr[a[b]]=1", "%00a=1", "a%00b=1", "a[%00]=1", "a=%00b", "[a]=1", ".a=1", "a..b[c.d][e f]=1", "a[ b ]=1"] as $q) c('parse_str_result', $q);
