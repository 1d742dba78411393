<?php
var_dump($_POST, $_GET, $_REQUEST, file_get_contents('php://input'), $_SERVER['CONTENT_TYPE'], $_SERVER['CONTENT_LENGTH']);
