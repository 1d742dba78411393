<?php
// Jumps that stay inside one finally block, and break/continue of loops inside it, are fine.
function f() {
    try {
        echo "try\n";
    } finally {
        $i = 0;
again:
        $i++;
        if ($i < 3) goto again;
        foreach ([1, 2, 3] as $v) { if ($v == 2) continue; if ($v == 3) break; echo "v=$v\n"; }
        echo "i=$i\n";
    }
}
f();
