<?php
$c = $_GET['c'] ?? '';
switch ($c) {
case 'all':
    header('X-A: 1');
    header('X-Multi: a');
    header('X-Multi: b', false);
    header('x-a: 2');
    setcookie('c1', 'v1');
    setcookie('c2', 'v 2', ['path' => '/', 'httponly' => true, 'samesite' => 'Lax']);
    setcookie('c3', '');
    setcookie('c4', 'x', 1, '/p', 'example.com', true, true);
    setrawcookie('c5', 'raw%20v', ['expires' => 1, 'secure' => true]);
    header('Content-Type: text/plain');
    header('NoColon');
    header("X-Trail:  t  \r\n");
    header_remove('X-Multi');
    http_response_code(404);
    var_dump(headers_list(), http_response_code(), headers_sent());
    echo "custom 404 body\n";
    break;
case 'redirect':
    header('Location: /index.php?from=redirect');
    var_dump(http_response_code());
    break;
case 'redirect301':
    header('Location: http://example.invalid/elsewhere', true, 301);
    break;
case 'created':
    http_response_code(201);
    header('Location: /new');
    break;
case 'status-header':
    header('Status: 418 I am a teapot');
    var_dump(http_response_code());
    break;
case 'custom-reason':
    header('HTTP/1.1 299 Custom Reason');
    var_dump(http_response_code());
    break;
case 'bare-status':
    header('HTTP/1.0 404');
    break;
case 'no-phrase':
    var_dump(http_response_code(418));
    break;
case '204':
    http_response_code(204);
    break;
case 'auth':
    header('WWW-Authenticate: Basic realm="x"');
    break;
case 'remove-all':
    header('X-A: 1');
    header_remove();
    break;
case 'remove-type':
    header('Content-Type: application/json');
    header_remove('content-type');
    echo "{}";
    break;
case 'json':
    header('Content-Type: application/json');
    echo "{}";
    break;
case 'newline':
    header("X-A: 1\nX-B: 2");
    break;
case 'cookie-errors':
    foreach ([['', 'v'], ['a=b', 'v'], ['a', 'v', ['foo' => 1]], ['a', 'v', [0 => 1]], ['a', 'v', ['path' => 'a;b']], ['a', 'v', ['domain' => "a\nb"]], ['a', 'v', ['expires' => 253402300800]]] as $args) {
        try { setcookie(...$args); } catch (\Throwable $e) { echo get_class($e), ': ', $e->getMessage(), "\n"; }
    }
    try { setrawcookie('a', 'b c'); } catch (\Throwable $e) { echo get_class($e), ': ', $e->getMessage(), "\n"; }
    try { setcookie('a', 'b', [], '/'); } catch (\Throwable $e) { echo get_class($e), ': ', $e->getMessage(), "\n"; }
    break;
}
