<?php
function f() { throw new Exception("boom <b>"); }
f();
