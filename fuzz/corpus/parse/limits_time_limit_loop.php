<?php
// max_execution_time ends an endless loop with an uncatchable fatal error: catch and
// finally blocks do not run, shutdown functions do.
register_shutdown_function(function () {
    echo "shutdown runs\n";
});
var_dump(set_time_limit(1));
try {
    $i = 0;
    while (true) { $i++; }
} catch (Throwable $e) {
    echo "caught\n";
} finally {
    echo "finally\n";
}
echo "not reached\n";
