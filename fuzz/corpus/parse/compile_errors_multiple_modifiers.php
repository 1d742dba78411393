<?php
class A {
    public static static function f() {}
}
