<?php
// apc_fetch of a small array in a loop (issue 7's benchmark): one store, N fetches.
$n = (int)($argv[1] ?? 1000000);
apcu_store("row", ["id" => 42, "name" => "Widget", "tags" => ["a", "b", "c"], "price" => 9.99, "stock" => true]);
$sum = 0;
for ($i = 0; $i < $n; $i++) {
    $row = apcu_fetch("row");
    $sum += $row["id"] + count($row["tags"]);
}
echo $sum, "\n";
