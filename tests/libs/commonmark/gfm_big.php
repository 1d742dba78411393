<?php
require __DIR__ . '/../render.inc';
commonmark('big', true);
