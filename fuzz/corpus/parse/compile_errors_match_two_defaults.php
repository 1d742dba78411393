<?php
echo "never printed\n";
$x = match (1) {
    default => 'a',
    1 => 'b',
    default => 'c',
};
