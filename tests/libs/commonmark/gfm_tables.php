<?php
require __DIR__ . '/../render.inc';
commonmark('tables', true);
