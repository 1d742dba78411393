<?php
// Objects decoded by json_decode get their ids in PHP's order (an object is created
// when its first member is parsed); duplicate keys keep their first position.
var_dump(json_decode('{"a":1,"a":2,"0":3,"1x":{"a":4}}'));
var_dump(json_decode('{"a":1,"a":2,"0":3,"1x":{"a":4}}', true));
var_dump(json_decode('{"\u0000x":1}'), json_last_error_msg());
