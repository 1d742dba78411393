<?php
echo "\n/// Single-byte charsets' bytes 0x80..=0xFF as Unicode code points (0xFFFF: unmapped), as\n";
echo "/// PHP's `html_entity_decode(\"&#N;\", ENT_QUOTES, charset)` maps them.\n";
foreach (["ISO-8859-15"=>"ISO_8859_15","cp1252"=>"CP1252","KOI8-R"=>"KOI8_R","cp1251"=>"CP1251","iso-8859-5"=>"ISO_8859_5","cp866"=>"CP866","MacRoman"=>"MAC_ROMAN"] as $cs=>$name) {
  $map = array_fill(0x80, 128, 0xFFFF);
  for ($cp = 0x80; $cp < 0x10000; $cp++) {
    $d = html_entity_decode("&#$cp;", ENT_QUOTES|ENT_XHTML, $cs);
    if (strlen($d) == 1 && ord($d) >= 0x80 && $map[ord($d)] == 0xFFFF) $map[ord($d)] = $cp;
  }
  if ($cs == "iso-8859-5") for ($b = 0x80; $b < 0xA0; $b++) if ($map[$b]==0xFFFF) $map[$b] = $b;
  echo "#[rustfmt::skip]\npub(super) const $name: [u16; 128] = [\n";
  foreach (array_chunk($map, 8) as $row) echo "    ", implode(", ", array_map(fn($x)=>sprintf("0x%04X",$x), $row)), ",\n";
  echo "];\n";
}
