<?php
require __DIR__ . '/../render.inc';
commonmark('headings', false);
