<?php
var_dump((int) "12abc" ?? 0);
var_dump(( int )"5", (integer)"6", (bool)"0", (boolean)1, (float)"1.5", (double)"2");
var_dump((string)1.0, (array)"a");
