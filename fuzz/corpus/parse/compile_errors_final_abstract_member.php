<?php
abstract class A {
    final abstract function f();
}
