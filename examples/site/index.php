<?php
// A tiny page for `rhvm serve --http 127.0.0.1:8080 --docroot examples/site`.
$name = isset($_GET['name']) ? htmlspecialchars($_GET['name']) : 'visitor';
$visits = isset($_COOKIE['visits']) ? (int) $_COOKIE['visits'] + 1 : 1;
setcookie('visits', (string) $visits);
?>
<!DOCTYPE html>
<html>
<head><title>rhvm example site</title></head>
<body>
<h1>Hello, <?= $name ?>!</h1>
<p>This page was run by rhvm <?= PHP_VERSION ?> on <?= date('Y-m-d') ?>, visit number <?= $visits ?>.</p>
<form method="get"><input name="name" placeholder="your name"> <button>Greet me</button></form>
<p><a href="/hello.txt">a static file</a></p>
</body>
</html>
