<?php
require __DIR__ . '/../render.inc';
commonmark('escapes', false);
