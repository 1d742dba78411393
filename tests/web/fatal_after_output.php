<?php
echo "partial\n";
undefined_function();
