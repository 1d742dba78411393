<?php
var_dump(0.1 + 0.7, (0.1 + 0.7) * 10, (int)((0.1 + 0.7) * 10));
var_dump(round(2.5), round(-2.5), round(1.955, 2), floor(-1.5), ceil(-1.5));
var_dump(9007199254740993, (float)9007199254740993);
var_dump(PHP_FLOAT_EPSILON, PHP_FLOAT_MAX, PHP_FLOAT_MIN, PHP_FLOAT_DIG);
var_dump(is_nan(NAN), is_infinite(-INF), is_finite(1e308 * 10));
var_dump(1e308 * 10, -1e308 * 10);
var_dump(0.1 + 0.2 == 0.3, abs(0.1 + 0.2 - 0.3) < PHP_FLOAT_EPSILON);
