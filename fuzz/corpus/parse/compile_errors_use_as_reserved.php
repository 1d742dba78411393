<?php
use Foo\Bar as int;
