<?php
function stop() {
    echo "in function\n";
    exit(7);
}
for ($i = 0; $i < 10; $i++) {
    echo $i, "\n";
    if ($i == 2) stop();
}
echo "not reached\n";
