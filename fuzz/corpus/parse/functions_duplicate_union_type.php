<?php
// Duplicate members of a union type are a compile-time error.
function h(int|INT $x) {}
echo "not reached\n";
