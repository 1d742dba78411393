<?php
// line comment ?> after close tag in comment ends php
still html
<?php
# hash comment
echo "a"; // trailing
/* block
   comment */ echo "b";
/** doc comment */
echo "c"; # another
#[SomeAttribute]
function f() { return "d"; }
echo f(), "\n";
echo 1 /* inline */ + 2, "\n";
