<?php
date_default_timezone_set('Europe/Paris');
var_dump(new DateTime('@1000000000'), new DateTime('2000-01-01 00:00:00.5 +02:00'), new DateTimeZone('EST'), new DateInterval('P1D'));
$f0 = DateTime::createFromFormat('Y-m-d H:i:s P', '2022-08-15 01:02:03 +05:30'); var_dump($f0);
$a = new DateTime('2021-01-31 10:00:00');
$b = new DateTime('2021-03-01 09:00:00');
var_dump($a);
$d = $a->diff($b); var_dump($d); echo $d->format('%R %y %m %d %h %i %s %a %% %Y-%M-%D %H:%I:%S %r'), "\n";
echo $b->diff($a)->format('%R%a days, %h hours'), "\n";
echo (new DateTime('2020-01-01'))->diff(new DateTime('2021-03-15 12:30'))->format('%y %m %d %h %i'), "\n";
echo (new DateTime('2021-01-30'))->diff(new DateTime('2021-03-01'))->format('%y %m %d %a'), "\n";
try { new DateTime('garbage'); } catch (Exception $e) { echo get_class($e), ': ', $e->getMessage(), "\n"; }
var_dump($a->modify('garbage'));
try { new DateInterval('xyz'); } catch (Exception $e) { echo get_class($e), ': ', $e->getMessage(), "\n"; }
var_dump(DateTime::createFromFormat('Y-m-d', 'garbage'));
$c = clone $a; var_dump($c == $a, $c < $b, $b > $a, $a <=> $b);
echo $a->modify('+1 month')->format('Y-m-d H:i:s T'), "\n";
echo $a->format(DATE_ATOM), ' ', $a->getTimestamp(), ' ', $a->getOffset(), "\n";
$i = new DateTimeImmutable('2024-02-29 12:34:56.789', new DateTimeZone('America/New_York'));
$j = $i->add(new DateInterval('P1Y2M3DT4H5M6S'));
echo $i->format('Y-m-d H:i:s.u T P e'), ' | ', $j->format('Y-m-d H:i:s.v T'), "\n";
echo $i->sub(new DateInterval('P2W'))->format('c'), "\n";
$k = $i->setTimezone(new DateTimeZone('UTC')); echo $k->format('c e'), ' ', $i->format('c'), "\n";
echo $i->setDate(2020, 13, 1)->format('Y-m-d'), ' ', $i->setTime(25, 0)->format('Y-m-d H:i'), ' ', $i->setTimestamp(0)->format('c'), "\n";
$f = DateTime::createFromFormat('d/m/Y H:i', '15/08/2022 14:30'); echo $f->format('Y-m-d H:i:s'), "\n";
$f = DateTimeImmutable::createFromFormat('!Y-m-d', '2022-08-15'); echo get_class($f), ' ', $f->format('Y-m-d H:i:s.u'), "\n";
$f = DateTime::createFromFormat('U', '1234567890'); echo $f->format('c'), "\n";
$tz = new DateTimeZone('Asia/Tokyo'); echo $tz->getName(), ' ', $tz->getOffset(new DateTime('2022-01-01')), "\n";
$x = date_create('2022-06-15 08:00'); date_add($x, new DateInterval('PT90M')); echo date_format($x, 'H:i'), ' ', date_diff(date_create('2022-01-01'), $x)->days, "\n";
var_dump(date_create('nonsense'));
print_r(new DateTime('2022-06-15 08:00', new DateTimeZone('UTC'))); echo "\n";
var_dump(new DateTime('2022-06-15') == new DateTimeImmutable('2022-06-15'));
var_dump($a instanceof DateTimeInterface, $i instanceof DateTimeInterface);
$m = new DateTime('2022-01-31'); $m->modify('last day of next month'); echo $m->format('Y-m-d'), "\n";
$m->setTime(10, 0)->modify('2023-05-05'); echo $m->format('Y-m-d H:i'), "\n";

echo $i->getTimezone()->getName(), "\n";