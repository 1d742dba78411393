<?php
echo "x";
function (
