<?php
class T { function m() { try { } catch (static $e) {} } }
