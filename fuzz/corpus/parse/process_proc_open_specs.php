<?php
// Descriptor shapes: file, redirect, null, an existing stream; cwd, env, array commands.
$dir = sys_get_temp_dir() . '/rhvm_proc_specs_fixture';
@mkdir($dir);
$out = "$dir/out.txt";
$p = proc_open('echo to-file; echo err-too >&2', [1 => ['file', $out, 'w'], 2 => ['redirect', 1]], $pipes);
var_dump($pipes, proc_close($p));
var_dump(file_get_contents($out));
$p = proc_open('echo appended', [1 => ['file', $out, 'a']], $pipes);
proc_close($p);
var_dump(file_get_contents($out));
file_put_contents("$dir/in.txt", "from a file\n");
$p = proc_open('cat', [0 => ['file', "$dir/in.txt", 'r'], 1 => ['pipe', 'w']], $pipes);
var_dump(stream_get_contents($pipes[1]));
proc_close($p);
$p = proc_open('echo gone; cat', [0 => ['null'], 1 => ['null'], 2 => ['pipe', 'w']], $pipes);
var_dump(stream_get_contents($pipes[2]), proc_close($p));
$f = fopen("$dir/stream.txt", 'w');
$p = proc_open('echo via-stream', [1 => $f], $pipes);
proc_close($p);
fclose($f);
var_dump(file_get_contents("$dir/stream.txt"));
$p = proc_open('pwd; echo "[$FOO][$BAR]"; env | wc -l', [1 => ['pipe', 'w']], $pipes, $dir, ['FOO' => 'foo', 'BAR' => 42]);
var_dump(stream_get_contents($pipes[1]));
proc_close($p);
$p = proc_open(['printf', '%s|%s\n', 'a b', '$HOME'], [1 => ['pipe', 'w']], $pipes);
var_dump(stream_get_contents($pipes[1]), proc_close($p));
try { proc_open([], [], $pipes); } catch (ValueError $e) { echo $e->getMessage(), "\n"; }
foreach (glob("$dir/*") as $f) unlink($f);
rmdir($dir);
