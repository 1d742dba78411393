<?php
require __DIR__ . '/../render.inc';
commonmark('emphasis', true);
