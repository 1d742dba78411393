<?php
require __DIR__ . '/../render.inc';
parsedown('links');
