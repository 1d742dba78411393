<?php
function &gen() {
    yield from [1, 2];
}
