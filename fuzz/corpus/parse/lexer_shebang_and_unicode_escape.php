#!/usr/bin/env php
<?php
// The shebang line is skipped (line numbers still count it); \u{} allows leading zeros.
var_dump("\u{0000001F602}", "\u{00FF}", __LINE__);
try {
    define('A::B', 1);
} catch (ValueError $e) {
    echo $e->getMessage(), "\n";
}
var_dump(~1.5, ~-3);
