<?php
var_dump($_COOKIE, $_REQUEST);
