<?php
require __DIR__ . '/../render.inc';
commonmark('links', false);
