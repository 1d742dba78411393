<?php
// Output callbacks get PHP_OUTPUT_HANDLER_START on their first run; ob_clean runs them in
// clean mode; buffers left open at the end are flushed through their callbacks.
function test($s, $mode)
{
    return "<" . $mode . ">" . $s;
}
ob_start("test");
echo "one ";
ob_flush();
echo "two ";
ob_end_flush();
echo "\n";
ob_start("test");
echo "dropped ";
ob_clean();
echo "kept ";
ob_end_flush();
echo "\n";
ob_start(function ($s, $mode) { return strtoupper($s) . "[$mode]\n"; });
echo "left open at the end";
