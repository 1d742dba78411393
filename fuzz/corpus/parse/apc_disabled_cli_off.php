<?php
// Without apc.enable_cli the CLI has APC switched off: every call answers false.
var_dump(apcu_enabled());
var_dump(apcu_store("a", 1), apcu_fetch("a", $ok), $ok, apcu_add("a", 1), apcu_inc("a"), apcu_exists("a"));
var_dump(apcu_cache_info());
