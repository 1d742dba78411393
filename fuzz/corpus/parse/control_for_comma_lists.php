<?php
for ($i = 0, $j = 10; $i < $j; $i += 3, $j -= 3) {
    echo "$i,$j ";
}
echo "\n";
for ($i = 0; ; $i++) {
    if ($i > 3) break;
    echo $i;
}
echo "\n";
for ($a = 1, $b = 1, $n = 0; $n < 10; $t = $a + $b, $a = $b, $b = $t, $n++);
echo "fib: $a\n";
for ($i = 0, print "init "; print "cond " and $i < 2; $i++) { echo "body "; }
echo "\n";
