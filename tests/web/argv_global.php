<?php
var_dump(isset($argv), isset($argc), $_SERVER["argc"]);
