<?php
require __DIR__ . '/../render.inc';
commonmark('lists', true);
