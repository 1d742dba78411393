<?php
// Whitespace control: trailing newline removal, {%- -%}, {{- -}}, the ~ modifiers, apply spaceless.
require __DIR__ . '/../twig.inc';
$env = twig([
    'w' => "<ul>\n    {%- for i in [1, 2] %}\n    <li>  {{- i -}}  </li>\n    {%- endfor %}\n</ul>\n{% if true %}\n  kept\n{% endif %}\nA {{~ 'b' ~}} C\n{% apply spaceless %}\n<div>  <p>x</p>  </div>\n{% endapply %}\n{% verbatim %}{{ not parsed }}{% endverbatim %}\n",
]);
render($env, 'w');
