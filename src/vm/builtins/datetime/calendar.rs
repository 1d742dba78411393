//! Calendar arithmetic and time zones for the date functions: proleptic Gregorian days
//! from civil dates and back, ISO weeks, and `Zone`, the three kinds of time zone PHP
//! knows (an IANA identifier, a fixed UTC offset, an abbreviation).
//!
//! Time zone rules come from `jiff`'s bundled tz database; everything PHP-specific (what
//! the letters of `date()` print, how overflowing fields normalise) is ours.

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Days from 1970-01-01 to `y-m-d` (any `m`/`d`: months outside 1..=12 and days outside the
/// month overflow into neighbouring months and years, as `mktime` does).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = y + (m - 1).div_euclid(12);
    let m = (m - 1).rem_euclid(12) + 1;
    // Howard Hinnant's algorithm, for the first of the month, then add the days.
    let yy = if m <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468 + (d - 1)
}

/// The civil date of a day count from 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Day of the week, 0 = Sunday.
pub fn day_of_week(days: i64) -> i64 {
    (days + 4).rem_euclid(7)
}

/// The ISO-8601 week-numbering year and week of a date.
pub fn iso_week(y: i64, m: i64, d: i64) -> (i64, i64) {
    let days = days_from_civil(y, m, d);
    // ISO weekday 1..=7, Monday first.
    let wd = (day_of_week(days) + 6) % 7 + 1;
    // The Thursday of this week decides the year.
    let thursday = days - wd + 4;
    let (ty, _, _) = civil_from_days(thursday);
    let jan1 = days_from_civil(ty, 1, 1);
    (ty, (thursday - jan1) / 7 + 1)
}

/// A civil date and time with microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub y: i64,
    pub m: i64,
    pub d: i64,
    pub h: i64,
    pub i: i64,
    pub s: i64,
    pub us: i64,
}

impl Civil {
    /// The civil time of `secs` seconds since the epoch, read as UTC.
    pub fn from_secs(secs: i64, us: i64) -> Civil {
        let days = secs.div_euclid(86400);
        let rem = secs.rem_euclid(86400);
        let (y, m, d) = civil_from_days(days);
        Civil {
            y,
            m,
            d,
            h: rem / 3600,
            i: rem % 3600 / 60,
            s: rem % 60,
            us,
        }
    }

    /// Seconds since the epoch of this civil time read as UTC; every field may overflow
    /// (normalised as PHP's `timelib_do_normalize` does). Microseconds are returned apart.
    pub fn to_secs(&self) -> (i64, i64) {
        let extra = self.us.div_euclid(1_000_000);
        let us = self.us.rem_euclid(1_000_000);
        let days = days_from_civil(self.y, self.m, self.d);
        (
            days * 86400 + self.h * 3600 + self.i * 60 + self.s + extra,
            us,
        )
    }

    /// Days since the epoch of the date part.
    pub fn days(&self) -> i64 {
        days_from_civil(self.y, self.m, self.d)
    }
}

/// A time zone as PHP distinguishes them (`timezone_type` 3, 1 and 2).
#[derive(Debug, Clone)]
pub enum Zone {
    /// An IANA identifier (`Europe/Paris`, `UTC`), with the name as the user spelled it.
    Id { name: String, tz: TimeZone },
    /// A fixed offset in seconds east of UTC (`+02:00`).
    Offset(i32),
    /// An abbreviation with its offset and DST flag (`EST`, `CEST`).
    Abbr {
        abbr: String,
        offset: i32,
        dst: bool,
    },
}

/// What a zone says about one instant.
pub struct ZoneInfo {
    pub offset: i32,
    pub dst: bool,
    pub abbr: String,
}

/// Abbreviations PHP knows, with their offset in seconds and DST flag (a subset of
/// timelib's table: the ones programs actually write).
const ABBREVIATIONS: &[(&str, i32, bool)] = &[
    ("utc", 0, false),
    ("gmt", 0, false),
    ("z", 0, false),
    ("est", -5 * 3600, false),
    ("edt", -4 * 3600, true),
    ("cst", -6 * 3600, false),
    ("cdt", -5 * 3600, true),
    ("mst", -7 * 3600, false),
    ("mdt", -6 * 3600, true),
    ("pst", -8 * 3600, false),
    ("pdt", -7 * 3600, true),
    ("cet", 3600, false),
    ("cest", 2 * 3600, true),
    ("met", 3600, false),
    ("mest", 2 * 3600, true),
    ("wet", 0, false),
    ("west", 3600, true),
    ("bst", 3600, true),
    ("eet", 2 * 3600, false),
    ("eest", 3 * 3600, true),
    ("msk", 3 * 3600, false),
    ("jst", 9 * 3600, false),
    ("hst", -10 * 3600, false),
    ("akst", -9 * 3600, false),
    ("akdt", -8 * 3600, true),
];

/// Formats an offset as `+02:00` (`colon`) or `+0200`.
pub fn offset_string(offset: i32, colon: bool) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.unsigned_abs();
    if colon {
        format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
    } else {
        format!("{sign}{:02}{:02}", a / 3600, a % 3600 / 60)
    }
}

impl Zone {
    /// `UTC` as an identifier zone.
    pub fn utc() -> Zone {
        Zone::Id {
            name: "UTC".into(),
            tz: TimeZone::UTC,
        }
    }

    /// An IANA identifier (case-insensitive), or `None` when unknown.
    pub fn from_id(name: &str) -> Option<Zone> {
        if name.eq_ignore_ascii_case("utc") {
            return Some(Zone::utc());
        }
        let tz = TimeZone::get(name).ok()?;
        let canonical = tz.iana_name().unwrap_or(name).to_string();
        Some(Zone::Id {
            name: canonical,
            tz,
        })
    }

    /// A known abbreviation (`est`, any case).
    pub fn from_abbr(name: &str) -> Option<Zone> {
        let lc = name.to_ascii_lowercase();
        ABBREVIATIONS
            .iter()
            .find(|(a, _, _)| *a == lc)
            .map(|&(_, offset, dst)| Zone::Abbr {
                abbr: name.to_ascii_uppercase(),
                offset,
                dst,
            })
    }

    /// A zone as `DateTimeZone::__construct` and `date_default_timezone_set` read it: an
    /// offset (`+02:00`), an abbreviation, or an identifier.
    pub fn parse(name: &str) -> Option<Zone> {
        let b = name.as_bytes();
        if matches!(b.first(), Some(b'+' | b'-')) {
            return parse_offset(&b[1..]).map(|o| Zone::Offset(if b[0] == b'-' { -o } else { o }));
        }
        if !name.eq_ignore_ascii_case("utc") {
            if let Some(z) = Zone::from_abbr(name) {
                return Some(z);
            }
        }
        Zone::from_id(name)
    }

    /// `timezone_type` as `var_dump` shows it.
    pub fn kind(&self) -> i64 {
        match self {
            Zone::Offset(_) => 1,
            Zone::Abbr { .. } => 2,
            Zone::Id { .. } => 3,
        }
    }

    /// The zone's name (`e`, `DateTimeZone::getName`, `var_dump`'s `timezone`).
    pub fn name(&self) -> String {
        match self {
            Zone::Id { name, .. } => name.clone(),
            Zone::Offset(o) => offset_string(*o, true),
            Zone::Abbr { abbr, .. } => abbr.clone(),
        }
    }

    /// Offset, DST flag and abbreviation at `ts`.
    pub fn info(&self, ts: i64) -> ZoneInfo {
        match self {
            Zone::Id { tz, .. } => {
                let t = Timestamp::from_second(
                    ts.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second()),
                )
                .unwrap_or(Timestamp::UNIX_EPOCH);
                let info = tz.to_offset_info(t);
                ZoneInfo {
                    offset: info.offset().seconds(),
                    dst: info.dst().is_dst(),
                    abbr: info.abbreviation().to_string(),
                }
            }
            Zone::Offset(o) => ZoneInfo {
                offset: *o,
                dst: false,
                abbr: offset_string(*o, true),
            },
            Zone::Abbr { abbr, offset, dst } => ZoneInfo {
                offset: *offset,
                dst: *dst,
                abbr: abbr.clone(),
            },
        }
    }

    /// The offset at `ts`.
    pub fn offset_at(&self, ts: i64) -> i64 {
        i64::from(self.info(ts).offset)
    }

    /// The timestamp of local time `local` (seconds, read as UTC) in this zone. In a gap
    /// the time moves forward; in an overlap the earlier (DST) instant wins, as in PHP.
    pub fn local_to_ts(&self, local: i64) -> i64 {
        let first = local - self.offset_at(local);
        let second = local - self.offset_at(first);
        if second == first {
            return first;
        }
        // Transition nearby: prefer an instant whose offset is consistent.
        let third = local - self.offset_at(second);
        if third == second {
            // Both guesses are consistent in an overlap; take the earlier one.
            if local - self.offset_at(first) == first {
                first.min(second)
            } else {
                second
            }
        } else {
            // A gap: PHP takes the offset from before the transition.
            first.max(second)
        }
    }

    /// The local civil time of `ts` in this zone.
    pub fn civil(&self, ts: i64, us: i64) -> Civil {
        Civil::from_secs(ts + self.offset_at(ts), us)
    }
}

/// `HH:MM`, `HHMM` or `HH` after the sign; seconds east of UTC.
pub fn parse_offset(b: &[u8]) -> Option<i32> {
    let digits = |s: &[u8]| -> Option<i32> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    let (h, m) = if let Some(colon) = b.iter().position(|&c| c == b':') {
        (digits(&b[..colon])?, digits(&b[colon + 1..])?)
    } else if b.len() <= 2 {
        (digits(b)?, 0)
    } else if b.len() == 4 {
        (digits(&b[..2])?, digits(&b[2..])?)
    } else {
        return None;
    };
    if h > 99 || m > 59 {
        return None;
    }
    Some(h * 3600 + m * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips() {
        for days in [-800_000, -1, 0, 1, 59, 365, 10_957, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2000, 13, 1), days_from_civil(2001, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 0), days_from_civil(2000, 2, 29));
    }

    #[test]
    fn iso_weeks() {
        assert_eq!(iso_week(2021, 1, 1), (2020, 53));
        assert_eq!(iso_week(2024, 12, 30), (2025, 1));
        assert_eq!(iso_week(2023, 6, 15), (2023, 24));
    }

    #[test]
    fn zones_resolve_local_times() {
        let paris = Zone::from_id("Europe/Paris").expect("tzdb has Paris");
        // 2021-07-01 12:00 local is 10:00 UTC.
        let local = days_from_civil(2021, 7, 1) * 86400 + 12 * 3600;
        assert_eq!(paris.local_to_ts(local), local - 7200);
        assert_eq!(paris.info(local).abbr, "CEST");
    }
}
