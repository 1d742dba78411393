<?php
interface HasColor { function color(): string; }
enum Suit: string implements HasColor {
    case Hearts = 'H'; case Spades = 'S';
    const Wild = self::Spades;
    function color(): string { return match($this) { self::Hearts => 'Red', self::Spades => 'Black' }; }
    static function fromChar(string $c): self { return self::from($c); }
}
enum Status { case Active; case Inactive; }
enum Num: int { case One = 1; case Two = 2; }
var_dump(Suit::cases(), Status::cases());
var_dump(Suit::from('H'), Suit::tryFrom('X'), Num::from(2), Num::tryFrom(3), Num::from("1"));
try { Suit::from('X'); } catch (ValueError $e) { echo get_class($e), ": ", $e->getMessage(), "\n"; }
try { Num::from(7); } catch (ValueError $e) { echo $e->getMessage(), "\n"; }
var_dump(Suit::Hearts->name, Suit::Hearts->value, Suit::Wild, Suit::Hearts->color(), Suit::fromChar('S'));
var_dump(Suit::Hearts instanceof UnitEnum, Suit::Hearts instanceof BackedEnum, Status::Active instanceof BackedEnum);
var_dump(Suit::Hearts === Suit::from('H'), Suit::Hearts == Suit::Spades, Status::Active < Status::Inactive);
print_r(Suit::Hearts); echo "\n"; var_export(Suit::Hearts); echo "\n"; var_export([Status::Active]); echo "\n";
echo json_encode(Suit::Hearts), json_encode([Num::One]), "\n";
try { echo json_encode(Status::Active); } catch (Throwable $e) {} var_dump(json_last_error_msg());
try { $x = Suit::Hearts; $x->name = 'foo'; } catch (Error $e) { echo $e->getMessage(), "\n"; }
try { $x = Suit::Hearts; $x->foo = 'foo'; } catch (Error $e) { echo $e->getMessage(), "\n"; }
try { new Status(); } catch (Error $e) { echo $e->getMessage(), "\n"; }
try { clone Status::Active; } catch (Error $e) { echo $e->getMessage(), "\n"; }
var_dump((array)Suit::Hearts);
var_dump(Status::Active->name, constant('Status::Active'), defined('Status::Active'));
var_dump(enum_exists('Suit'), Suit::Hearts instanceof HasColor, gettype(Suit::Hearts));
$fn = Num::from(...); var_dump($fn(1));
var_dump(array_map(fn($c) => $c->name, Num::cases()));
