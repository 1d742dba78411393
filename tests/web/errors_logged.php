<?php
echo $undefined;
$a = [];
echo $a['k'];
trigger_error("user notice & <tag>", E_USER_NOTICE);
@trigger_error("silenced");
echo "end\n";
error_log("from error_log()");
error_log("sapi logger", 4);
