<?php
class P {
    public function __construct(public readonly $x) {}
}
