<?php
require __DIR__ . '/../render.inc';
commonmark('html', false);
