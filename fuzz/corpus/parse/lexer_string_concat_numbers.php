<?php
echo 1 . 2, "\n";
echo 1.5 . "x", "\n";
echo -1 . "", "\n";
$a = 3;
echo "a" . $a + 1, "\n";
