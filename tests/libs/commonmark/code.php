<?php
require __DIR__ . '/../render.inc';
commonmark('code', false);
