<?php
// Generates src/vm/testdata/coerce.txt for coerce.rs's `user_function_table` test:
//   (php -n src/vm/testdata/gencoerce.php 0; php -n src/vm/testdata/gencoerce.php 1) > src/vm/testdata/coerce.txt
// The argument selects strict_types (the calls are made from an included file with the declare).
// Each line: "<strict 0/1>\t<type>\t<value index>\t<serialized result or !Class:message>[ ~level:diag...]".
$types = ['int', 'float', 'string', 'bool', 'int|float', '?int', 'string|bool', 'int|bool', 'int|string',
    'float|string', 'float|bool', 'array|false', 'int|float|bool', 'iterable', 'object', 'array|string|null', '?float', 'mixed', '?bool', 'true'];
$vals = ['3', '3.0', 2.5, 'abc', null, '12abc', ' 12', '12 ', '1e2', 1e20, NAN, INF, true, false, [], 0.1 + 0.2, 3, -0.0, '1.5', 1e15, '', [1], '9223372036854775808', -1e19];
$code = ($argv[1] ? "declare(strict_types=1);\n" : "") . "\$out = [];\n";
foreach ($types as $t => $type) $code .= "function f$t($type \$x) { return \$x; }\n";
$code .= 'foreach ($GLOBALS["types"] as $t => $type) foreach ($GLOBALS["vals"] as $i => $v) { $GLOBALS["diags"] = []; try { $r = serialize(("f$t")($v)); } catch (Throwable $e) { $r = "!" . get_class($e) . ":" . preg_replace("/, called in .*/", "", $e->getMessage()); } echo $GLOBALS["argv"][1], "\t", $type, "\t", $i, "\t", implode(" ", array_merge([$r], $GLOBALS["diags"])), "\n"; }';
set_error_handler(function ($no, $msg) { $GLOBALS['diags'][] = "~$no:$msg"; return true; });
file_put_contents('/tmp/gencoerce_inner.php', "<?php\n" . $code);
include '/tmp/gencoerce_inner.php';
