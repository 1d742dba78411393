<?php
$pairs = [
    [0, "a"], ["1", "01"], ["10", "1e1"], [100, "1e2"], [0, ""], [null, false],
    [null, 0], [null, ""], [null, []], ["abc", 0], ["1", " 1"], ["1", "1 "],
    [1, "1 "], [1, " 1"], ["abc", "ABC"], [[], false], [0, "0"], ["0", false],
    ["", false], [" ", 0], ["0.0", "0"], [1.0, "1"], [true, "false"], [INF, INF],
    [NAN, NAN], [-0.0, 0], ["1e3", "1000"], ["+1", "1"], ["null", null], [0, null],
];
foreach ($pairs as [$a, $b]) {
    echo var_export($a, true), " == ", var_export($b, true), ": ", var_export($a == $b, true),
        "  !=: ", var_export($a != $b, true), "  ===: ", var_export($a === $b, true), "\n";
}
