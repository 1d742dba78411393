<?php
interface I { function a(); function b(); }
abstract class Base implements I { abstract protected function c(); function a() {} }
class Impl extends Base { protected function c() {} function b() {} }
echo get_class(new Impl), "\n";
class Broken extends Base {}
