//! The date/time string parser behind `strtotime`, `new DateTime(...)` and
//! `DateTime::modify`, modelled on timelib's scanner: a string sets absolute fields
//! (year, month, day, time, zone) and relative ones (`+1 day`, `next monday`,
//! `first day of`), and `resolve` applies them to a base time the way timelib's
//! `fill_holes` and `do_adjust_relative` do.
//!
//! Covered: ISO 8601 dates and times (with `T`, fractions and offsets), `@ts`, American
//! `m/d/Y`, `d-m-Y`, `d.m.Y`, month names (`10 September 2000`, `Sep 10, 2000`,
//! `10-Sep-2000`), `am`/`pm`, `now`/`today`/`midnight`/`noon`/`tomorrow`/`yesterday`,
//! numbered and worded relative units with `ago`, weekday names with `next`/`last`/`this`,
//! `first`/`last day of`, zone identifiers and abbreviations. Anything else is an error
//! (`strtotime` returns false). Not covered: week dates (`2008W27`), ordinal weekdays
//! (`second monday of`), business days (`+3 weekdays`).

use super::calendar::{day_of_week, parse_offset, Civil, Zone};

/// Relative parts of a parsed string.
#[derive(Debug, Default, Clone)]
pub struct Relative {
    pub y: i64,
    pub m: i64,
    pub d: i64,
    pub h: i64,
    pub i: i64,
    pub s: i64,
    pub us: i64,
    /// `(weekday 0..=6, behaviour)`: behaviour 0 for `next`/`last monday` (strictly after
    /// today), 1 for a bare `monday` (today counts).
    pub weekday: Option<(i64, i64)>,
    /// `Some(true)` for `first day of`, `Some(false)` for `last day of`.
    pub first_last: Option<bool>,
}

/// What a string says.
#[derive(Debug, Default, Clone)]
pub struct Parsed {
    pub y: Option<i64>,
    pub m: Option<i64>,
    pub d: Option<i64>,
    pub h: Option<i64>,
    pub i: Option<i64>,
    pub s: Option<i64>,
    pub us: Option<i64>,
    pub have_date: bool,
    pub have_time: bool,
    pub rel: Relative,
    pub zone: Option<Zone>,
}

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

const DAYS: &[&str] = &[
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

/// A month name or its three-letter (or `sept`) abbreviation.
fn month_of(word: &str) -> Option<i64> {
    MONTHS
        .iter()
        .position(|m| {
            *m == word
                || (word.len() == 3 && m.starts_with(word))
                || word == "sept" && *m == "september"
        })
        .map(|i| i as i64 + 1)
}

fn weekday_of(word: &str) -> Option<i64> {
    DAYS.iter()
        .position(|d| {
            *d == word
                || (word.len() == 3 && d.starts_with(word))
                || (word.len() > 3
                    && d.starts_with(word)
                    && (word == "tues" || word == "wednes" || word == "thur" || word == "thurs"))
        })
        .map(|i| i as i64)
}

/// A relative unit word: `(field, multiplier)` with field one of `y m d h i s u`, or
/// `w` with the weekday as multiplier.
fn unit_of(word: &str) -> Option<(char, i64)> {
    Some(match word {
        "sec" | "secs" | "second" | "seconds" => ('s', 1),
        "min" | "mins" | "minute" | "minutes" => ('i', 1),
        "hour" | "hours" => ('h', 1),
        "day" | "days" => ('d', 1),
        "week" | "weeks" => ('d', 7),
        "fortnight" | "fortnights" | "forthnight" | "forthnights" => ('d', 14),
        "month" | "months" => ('m', 1),
        "year" | "years" => ('y', 1),
        "usec" | "usecs" | "microsecond" | "microseconds" => ('u', 1),
        "msec" | "msecs" | "millisecond" | "milliseconds" => ('u', 1000),
        _ => return weekday_of(word).map(|w| ('w', w)),
    })
}

/// Worded numbers usable before a unit (`next month`, `third day`).
fn text_number(word: &str) -> Option<(i64, i64)> {
    // (amount, behaviour): "this" has behaviour 1, as in timelib.
    Some(match word {
        "last" | "previous" => (-1, 0),
        "this" => (0, 1),
        "next" | "first" => (1, 0),
        "second" => (2, 0),
        "third" => (3, 0),
        "fourth" => (4, 0),
        "fifth" => (5, 0),
        "sixth" => (6, 0),
        "seventh" => (7, 0),
        "eighth" => (8, 0),
        "ninth" => (9, 0),
        "tenth" => (10, 0),
        "eleventh" => (11, 0),
        "twelfth" => (12, 0),
        _ => return None,
    })
}

struct Scanner<'a> {
    /// The lower-cased input.
    s: &'a [u8],
    /// The input as given (zone identifiers keep their case).
    orig: &'a [u8],
    pos: usize,
    out: Parsed,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn at(&self, off: usize) -> Option<u8> {
        self.s.get(self.pos + off).copied()
    }

    /// Counts the digits starting at `from`.
    fn digits_at(&self, from: usize) -> usize {
        self.s[from.min(self.s.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    }

    fn number(&self, from: usize, len: usize) -> i64 {
        self.s[from..from + len].iter().fold(0i64, |n, &c| {
            n.saturating_mul(10).saturating_add(i64::from(c - b'0'))
        })
    }

    /// A word of letters (and `_`/`/` when `zone_chars`) at `from`.
    fn word_at(&self, from: usize, zone_chars: bool) -> &str {
        let len = self.s[from.min(self.s.len())..]
            .iter()
            .take_while(|c| {
                c.is_ascii_alphabetic() || (zone_chars && matches!(c, b'_' | b'/' | b'-'))
            })
            .count();
        std::str::from_utf8(&self.s[from..from + len]).unwrap_or("")
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b',')) {
            self.pos += 1;
        }
    }

    fn set_date(&mut self, y: Option<i64>, m: i64, d: i64) -> Option<()> {
        if self.out.have_date {
            return None;
        }
        self.out.have_date = true;
        if let Some(y) = y {
            self.out.y = Some(y);
        }
        self.out.m = Some(m);
        self.out.d = Some(d);
        Some(())
    }

    fn set_time(&mut self, h: i64, i: i64, s: i64, us: i64) -> Option<()> {
        if self.out.have_time {
            return None;
        }
        self.out.have_time = true;
        self.out.h = Some(h);
        self.out.i = Some(i);
        self.out.s = Some(s);
        self.out.us = Some(us);
        Some(())
    }

    /// timelib's `TIMELIB_UNHAVE_TIME`: the time becomes midnight and may be set again.
    fn unhave_time(&mut self) {
        self.out.have_time = false;
        self.out.h = Some(0);
        self.out.i = Some(0);
        self.out.s = Some(0);
        self.out.us = Some(0);
    }

    fn add_relative(&mut self, amount: i64, unit: (char, i64), behaviour: i64) {
        let r = &mut self.out.rel;
        match unit.0 {
            'y' => r.y += amount * unit.1,
            'm' => r.m += amount * unit.1,
            'd' => r.d += amount * unit.1,
            'h' => r.h += amount * unit.1,
            'i' => r.i += amount * unit.1,
            's' => r.s += amount * unit.1,
            'u' => r.us += amount * unit.1,
            _ => {
                // A weekday: `next monday` is the first Monday after today.
                r.d += (if amount > 0 { amount - 1 } else { amount }) * 7;
                r.weekday = Some((unit.1, behaviour));
                self.unhave_time();
            }
        }
    }

    /// A two-digit year as PHP reads it (`y` < 70 is 20xx).
    fn year(&self, from: usize, len: usize) -> i64 {
        let y = self.number(from, len);
        if len <= 2 {
            if y < 70 {
                2000 + y
            } else {
                1900 + y
            }
        } else {
            y
        }
    }

    /// A time `HH:MM[:SS[.frac]]` with optional `am`/`pm`, at the cursor.
    fn time(&mut self) -> Option<bool> {
        let p = self.pos;
        let hl = self.digits_at(p);
        if !(1..=2).contains(&hl) || self.s.get(p + hl) != Some(&b':') {
            return Some(false);
        }
        let ml = self.digits_at(p + hl + 1);
        if ml != 2 {
            return Some(false);
        }
        let mut h = self.number(p, hl);
        let i = self.number(p + hl + 1, 2);
        let mut end = p + hl + 3;
        let mut s = 0;
        let mut us = 0;
        if self.s.get(end) == Some(&b':') && self.digits_at(end + 1) == 2 {
            s = self.number(end + 1, 2);
            end += 3;
            if matches!(self.s.get(end), Some(b'.' | b',')) && self.digits_at(end + 1) > 0 {
                let fl = self.digits_at(end + 1);
                let frac = &self.s[end + 1..end + 1 + fl.min(6)];
                let mut v = frac.iter().fold(0i64, |n, &c| n * 10 + i64::from(c - b'0'));
                for _ in frac.len()..6 {
                    v *= 10;
                }
                us = v;
                end += 1 + fl;
            }
        }
        self.pos = end;
        if let Some(pm) = self.meridian() {
            if !(1..=12).contains(&h) {
                return None;
            }
            h = h % 12 + if pm { 12 } else { 0 };
        } else if h > 23 || i > 59 || s > 60 {
            return None;
        }
        self.set_time(h, i, s, us)?;
        Some(true)
    }

    /// `am`/`pm` (also `a.m.`), after optional spaces; consumes it.
    fn meridian(&mut self) -> Option<bool> {
        let mut p = self.pos;
        while self.s.get(p) == Some(&b' ') {
            p += 1;
        }
        let rest = &self.s[p.min(self.s.len())..];
        for (text, pm) in [
            (&b"a.m."[..], false),
            (b"p.m.", true),
            (b"am", false),
            (b"pm", true),
        ] {
            if rest.starts_with(text)
                && !rest
                    .get(text.len())
                    .is_some_and(|c| c.is_ascii_alphabetic())
            {
                self.pos = p + text.len();
                return Some(pm);
            }
        }
        None
    }

    /// One item at the cursor. `None` is a syntax error.
    fn item(&mut self) -> Option<()> {
        let c = self.peek()?;
        let p = self.pos;
        if c == b'@' {
            let neg = self.at(1) == Some(b'-');
            let start = p + 1 + usize::from(neg);
            let n = self.digits_at(start);
            if n == 0 {
                return None;
            }
            let mut v = self.number(start, n);
            if neg {
                v = -v;
            }
            let mut end = start + n;
            let mut us = 0;
            if self.s.get(end) == Some(&b'.') && self.digits_at(end + 1) > 0 {
                let fl = self.digits_at(end + 1);
                let frac = &self.s[end + 1..end + 1 + fl.min(6)];
                let mut f = frac.iter().fold(0i64, |n, &c| n * 10 + i64::from(c - b'0'));
                for _ in frac.len()..6 {
                    f *= 10;
                }
                us = if neg { -f } else { f };
                end += 1 + fl;
            }
            self.set_date(Some(1970), 1, 1)?;
            self.set_time(0, 0, 0, 0)?;
            self.out.rel.s += v;
            self.out.rel.us += us;
            self.out.zone = Some(Zone::Offset(0));
            self.pos = end;
            return Some(());
        }
        if c.is_ascii_digit() {
            return self.numeric_item();
        }
        if c == b'+' || c == b'-' {
            // `+1 day`, or a zone offset `+02:00`.
            let n = self.digits_at(p + 1);
            if n > 0 {
                let mut q = p + 1 + n;
                while self.s.get(q) == Some(&b' ') {
                    q += 1;
                }
                let word = self.word_at(q, false);
                if let Some(unit) = unit_of(word) {
                    let mut amount = self.number(p + 1, n);
                    if c == b'-' {
                        amount = -amount;
                    }
                    self.pos = q + word.len();
                    self.add_relative(amount, unit, 0);
                    return Some(());
                }
                let len = self.s[p + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit() || **c == b':')
                    .count();
                let off = parse_offset(&self.s[p + 1..p + 1 + len])?;
                self.out.zone = Some(Zone::Offset(if c == b'-' { -off } else { off }));
                self.pos = p + 1 + len;
                return Some(());
            }
            return None;
        }
        if c.is_ascii_alphabetic() {
            return self.word_item();
        }
        None
    }

    fn numeric_item(&mut self) -> Option<()> {
        let p = self.pos;
        let n = self.digits_at(p);
        let sep = self.s.get(p + n).copied();
        // ISO date `YYYY-MM-DD` or `YYYY/MM/DD`.
        if n == 4 && matches!(sep, Some(b'-' | b'/')) {
            let sep = sep?;
            let ml = self.digits_at(p + 5);
            if (1..=2).contains(&ml) && self.s.get(p + 5 + ml) == Some(&sep) {
                let dl = self.digits_at(p + 6 + ml);
                if (1..=2).contains(&dl) {
                    let y = self.number(p, 4);
                    let m = self.number(p + 5, ml);
                    let d = self.number(p + 6 + ml, dl);
                    if m > 12 || d > 31 {
                        return None;
                    }
                    self.set_date(Some(y), m, d)?;
                    self.pos = p + 6 + ml + dl;
                    // `T` between date and time.
                    if self.peek() == Some(b't') && self.at(1).is_some_and(|c| c.is_ascii_digit()) {
                        self.pos += 1;
                    }
                    return Some(());
                }
            }
            // `YYYY-MM`.
            if sep == b'-' && ml == 2 {
                self.set_date(Some(self.number(p, 4)), self.number(p + 5, 2), 1)?;
                self.pos = p + 7;
                return Some(());
            }
            return None;
        }
        if (1..=2).contains(&n) {
            // A time.
            if sep == Some(b':') {
                if self.time()? {
                    return Some(());
                }
                return None;
            }
            // `m/d/Y` or `m/d`.
            if sep == Some(b'/') {
                let dl = self.digits_at(p + n + 1);
                if !(1..=2).contains(&dl) {
                    return None;
                }
                let m = self.number(p, n);
                let d = self.number(p + n + 1, dl);
                let mut end = p + n + 1 + dl;
                let mut y = None;
                if self.s.get(end) == Some(&b'/') {
                    let yl = self.digits_at(end + 1);
                    if yl == 0 {
                        return None;
                    }
                    y = Some(self.year(end + 1, yl));
                    end += 1 + yl;
                }
                if m > 12 || d > 31 {
                    return None;
                }
                self.set_date(y, m, d)?;
                self.pos = end;
                return Some(());
            }
            // `d-m-Y` and `d.m.Y`.
            if matches!(sep, Some(b'-' | b'.')) && self.digits_at(p + n + 1) > 0 {
                let sep = sep?;
                let ml = self.digits_at(p + n + 1);
                if (1..=2).contains(&ml) && self.s.get(p + n + 1 + ml) == Some(&sep) {
                    let yl = self.digits_at(p + n + 2 + ml);
                    if yl == 4 || (sep == b'.' && yl == 2) {
                        let d = self.number(p, n);
                        let m = self.number(p + n + 1, ml);
                        let y = self.year(p + n + 2 + ml, yl);
                        if m > 12 || d > 31 {
                            return None;
                        }
                        self.set_date(Some(y), m, d)?;
                        self.pos = p + n + 2 + ml + yl;
                        return Some(());
                    }
                }
                return None;
            }
            // `10 September 2000`, `10-Sep-2000`, `10th of September`.
            let mut q = p + n;
            for suffix in ["st", "nd", "rd", "th"] {
                if self.s[q..].starts_with(suffix.as_bytes()) {
                    q += 2;
                    break;
                }
            }
            while matches!(self.s.get(q), Some(b' ' | b'-' | b'.')) {
                q += 1;
            }
            if self.s[q..].starts_with(b"of ") {
                q += 3;
            }
            let word = self.word_at(q, false);
            if let Some(m) = month_of(word) {
                let d = self.number(p, n);
                let mut end = q + word.len();
                let mut r = end;
                while matches!(self.s.get(r), Some(b' ' | b'-' | b'.' | b',')) {
                    r += 1;
                }
                let yl = self.digits_at(r);
                let mut y = None;
                if yl == 4 || (yl > 0 && yl <= 2 && self.s.get(r + yl) != Some(&b':')) {
                    y = Some(self.year(r, yl));
                    end = r + yl;
                }
                self.set_date(y, m, d)?;
                self.pos = end;
                return Some(());
            }
            // `3pm`, `3 pm`.
            self.pos = p + n;
            if let Some(pm) = self.meridian() {
                let h = self.number(p, n);
                if !(1..=12).contains(&h) {
                    return None;
                }
                self.set_time(h % 12 + if pm { 12 } else { 0 }, 0, 0, 0)?;
                return Some(());
            }
            self.pos = p;
        }
        // `8 days`, `1 week ago`: a number and a unit.
        let mut q = p + n;
        while self.s.get(q) == Some(&b' ') {
            q += 1;
        }
        let word = self.word_at(q, false);
        if let Some(unit) = unit_of(word) {
            let amount = self.number(p, n);
            self.pos = q + word.len();
            self.add_relative(amount, unit, 0);
            return Some(());
        }
        // A bare four-digit year after a month (`September 2000` is handled there) or a
        // compact `YYYYMMDD`.
        if n == 8 {
            let y = self.number(p, 4);
            let m = self.number(p + 4, 2);
            let d = self.number(p + 6, 2);
            if m > 12 || d > 31 {
                return None;
            }
            self.set_date(Some(y), m, d)?;
            self.pos = p + 8;
            if self.peek() == Some(b't') && self.at(1).is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
            return Some(());
        }
        if n == 4 && self.out.have_date && self.out.y.is_none() {
            self.out.y = Some(self.number(p, 4));
            self.pos = p + 4;
            return Some(());
        }
        None
    }

    fn word_item(&mut self) -> Option<()> {
        let p = self.pos;
        let word = self.word_at(p, false).to_string();
        let end = p + word.len();
        match word.as_str() {
            "now" => {
                self.pos = end;
                return Some(());
            }
            "today" | "midnight" => {
                self.unhave_time();
                self.pos = end;
                return Some(());
            }
            "noon" => {
                self.unhave_time();
                self.out.have_time = true;
                self.out.h = Some(12);
                self.pos = end;
                return Some(());
            }
            "tomorrow" | "yesterday" => {
                self.unhave_time();
                self.out.rel.d += if word == "tomorrow" { 1 } else { -1 };
                self.pos = end;
                return Some(());
            }
            "ago" => {
                let r = &mut self.out.rel;
                r.y = -r.y;
                r.m = -r.m;
                r.d = -r.d;
                r.h = -r.h;
                r.i = -r.i;
                r.s = -r.s;
                r.us = -r.us;
                self.pos = end;
                return Some(());
            }
            "t" if self.at(1).is_some_and(|c| c.is_ascii_digit()) => {
                self.pos = p + 1;
                return Some(());
            }
            _ => {}
        }
        // `first day of` / `last day of`.
        for (phrase, first) in [(&b"first day of"[..], true), (b"last day of", false)] {
            if self.s[p..].starts_with(phrase) {
                self.out.rel.first_last = Some(first);
                self.pos = p + phrase.len();
                return Some(());
            }
        }
        // `next month`, `last friday`, `this week`.
        if let Some((amount, behaviour)) = text_number(&word) {
            let mut q = end;
            while self.s.get(q) == Some(&b' ') {
                q += 1;
            }
            let unit_word = self.word_at(q, false);
            if let Some(unit) = unit_of(unit_word) {
                self.pos = q + unit_word.len();
                self.add_relative(amount, unit, behaviour);
                return Some(());
            }
            return None;
        }
        if let Some(wd) = weekday_of(&word) {
            let r = &mut self.out.rel;
            let behaviour = r.weekday.map_or(1, |(_, b)| if b == 2 { 2 } else { 1 });
            r.weekday = Some((wd, behaviour));
            self.unhave_time();
            self.pos = end;
            return Some(());
        }
        if let Some(m) = month_of(&word) {
            // `September 10, 2000`, `Sep 10 2000 10:00`, `September 2000`.
            let mut q = end;
            while matches!(self.s.get(q), Some(b' ' | b'-' | b'.')) {
                q += 1;
            }
            let n = self.digits_at(q);
            if n == 4 {
                self.set_date(Some(self.number(q, 4)), m, 1)?;
                self.pos = q + 4;
                return Some(());
            }
            if (1..=2).contains(&n) && self.s.get(q + n) != Some(&b':') {
                let d = self.number(q, n);
                let mut r = q + n;
                for suffix in ["st", "nd", "rd", "th"] {
                    if self.s[r..].starts_with(suffix.as_bytes()) {
                        r += 2;
                        break;
                    }
                }
                let mut end = r;
                while matches!(self.s.get(r), Some(b' ' | b',' | b'.' | b'-')) {
                    r += 1;
                }
                let yl = self.digits_at(r);
                let mut y = None;
                if yl == 4 && self.s.get(r + 4) != Some(&b':') {
                    y = Some(self.number(r, 4));
                    end = r + 4;
                }
                self.set_date(y, m, d)?;
                self.pos = end;
                return Some(());
            }
            // A month alone keeps today's day.
            if self.out.have_date {
                return None;
            }
            self.out.have_date = true;
            self.out.m = Some(m);
            self.pos = end;
            return Some(());
        }
        // A time zone: abbreviation or identifier (keeps the original case).
        let zone_word = self.word_at(p, true);
        let orig = std::str::from_utf8(&self.orig[p..p + zone_word.len()]).ok()?;
        let zone = if zone_word.contains('/') {
            Zone::from_id(orig)
        } else if zone_word == "utc" {
            Some(Zone::utc())
        } else {
            Zone::from_abbr(&word)
        }?;
        let len = if zone_word.contains('/') {
            zone_word.len()
        } else {
            word.len()
        };
        self.out.zone = Some(zone);
        self.pos = p + len;
        Some(())
    }
}

/// Parses a date/time string; `None` when PHP would fail to parse it.
pub fn parse(input: &[u8]) -> Option<Parsed> {
    let lower = input.to_ascii_lowercase();
    let mut sc = Scanner {
        s: &lower,
        orig: input,
        pos: 0,
        out: Parsed::default(),
    };
    loop {
        sc.skip_spaces();
        if sc.pos >= sc.s.len() {
            break;
        }
        sc.item()?;
    }
    Some(sc.out)
}

/// How the base time fills what the string leaves unset.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// `strtotime` and `new DateTime`: a date without a time means midnight.
    Create,
    /// `DateTime::modify`: a date keeps the object's time.
    Modify,
}

/// Applies a parsed string to `base` (local civil time in `zone`): returns the
/// timestamp, microseconds and the zone the result is in.
pub fn resolve(
    p: &Parsed,
    base_ts: i64,
    base_us: i64,
    zone: &Zone,
    fill: Fill,
) -> (i64, i64, Zone) {
    // The base fills the unset fields as local time in the base's zone, even when the
    // string names another zone (timelib's fill_holes).
    let base = zone.civil(base_ts, base_us);
    let zone = p.zone.clone().unwrap_or_else(|| zone.clone());
    let mut t = Civil {
        y: p.y.unwrap_or(base.y),
        m: p.m.unwrap_or(base.m),
        d: p.d.unwrap_or(base.d),
        h: p.h.unwrap_or(base.h),
        i: p.i.unwrap_or(base.i),
        s: p.s.unwrap_or(base.s),
        us: 0,
    };
    let any_field = [p.y, p.m, p.d, p.h, p.i, p.s].iter().any(Option::is_some);
    t.us = p.us.unwrap_or(if any_field { 0 } else { base_us });
    if fill == Fill::Create && p.have_date && !p.have_time && p.h.is_none() {
        t.h = 0;
        t.i = 0;
        t.s = 0;
        t.us = 0;
    }
    // Weekday names move the (normalised) date first, as timelib's do_adjust_for_weekday.
    let r = &p.rel;
    if let Some((weekday, behaviour)) = r.weekday {
        let days = t.days();
        let (y, m, d) = super::calendar::civil_from_days(days);
        t.y = y;
        t.m = m;
        t.d = d;
        let current = day_of_week(days);
        let mut diff = weekday - current;
        if (r.d < 0 && diff < 0) || (r.d >= 0 && diff <= -behaviour) {
            diff += 7;
        }
        t.d += diff;
    }
    t.y += r.y;
    t.m += r.m;
    t.d += r.d;
    t.h += r.h;
    t.i += r.i;
    t.s += r.s;
    t.us += r.us;
    match r.first_last {
        Some(true) => t.d = 1,
        Some(false) => {
            t.d = 0;
            t.m += 1;
        }
        None => {}
    }
    let (local, us) = t.to_secs();
    (zone.local_to_ts(local), us, zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str, base: i64) -> Option<i64> {
        let p = parse(s.as_bytes())?;
        Some(resolve(&p, base, 0, &Zone::utc(), Fill::Create).0)
    }

    // 2021-03-10 15:30:00 UTC, a Wednesday.
    const BASE: i64 = 1_615_390_200;

    #[test]
    fn absolute_forms() {
        assert_eq!(at("2021-03-10", 0), Some(1_615_334_400));
        assert_eq!(at("2021-03-10 15:30:00", 0), Some(BASE));
        assert_eq!(at("2021-03-10T15:30:00Z", 0), Some(BASE));
        assert_eq!(at("2021-03-10T17:30:00+02:00", 0), Some(BASE));
        assert_eq!(at("03/10/2021 3:30pm", 0), Some(BASE));
        assert_eq!(at("10 March 2021 15:30", 0), Some(BASE));
        assert_eq!(at("@1615390200", 0), Some(BASE));
    }

    #[test]
    fn relative_forms() {
        assert_eq!(at("+1 day", BASE), Some(BASE + 86400));
        assert_eq!(at("1 week ago", BASE), Some(BASE - 7 * 86400));
        assert_eq!(at("tomorrow", BASE), Some(1_615_334_400 + 86400));
        // Next Monday is 2021-03-15.
        assert_eq!(at("next monday", BASE), Some(1_615_334_400 + 5 * 86400));
        assert_eq!(at("wednesday", BASE), Some(1_615_334_400));
        assert_eq!(at("last wednesday", BASE), Some(1_615_334_400 - 7 * 86400));
    }

    #[test]
    fn garbage_fails() {
        assert!(parse(b"not a date").is_none());
        assert!(parse(b"2021-13-45").is_none());
    }
}
