<?php
function f() {
    try {
        echo "try\n";
    } finally {
        goto out;
    }
out:
    return 1;
}
echo f();
