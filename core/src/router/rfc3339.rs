//! A strict RFC 3339 `date-time` parser (section 5.6), to nanoseconds since the Unix epoch.
//!
//! Accepted: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, `T` and `Z` in either case. The date is
//! checked against the calendar (leap years included); a leap second (`:60`) is accepted and
//! counts as the first instant of the next minute. Fraction digits past the ninth are truncated.
//! Everything else (missing offset, `+0100`, a space separator, a week date) is refused, as is an
//! instant outside what an `i64` of nanoseconds holds (1677-09-21 to 2262-04-11).

const NANOS_PER_SECOND: i64 = 1_000_000_000;

/// Parses `text` to nanoseconds since 1970-01-01T00:00:00Z; the error says what is wrong.
pub(crate) fn parse_nanos(text: &str) -> Result<i64, String> {
    let mut cur = Cursor { bytes: text.as_bytes(), pos: 0 };
    let year = cur.digits(4, "year")?;
    cur.expect(b"-", "'-' after the year")?;
    let month = cur.digits(2, "month")?;
    cur.expect(b"-", "'-' after the month")?;
    let day = cur.digits(2, "day")?;
    cur.expect(b"Tt", "'T' between date and time")?;
    let hour = cur.digits(2, "hour")?;
    cur.expect(b":", "':' after the hour")?;
    let minute = cur.digits(2, "minute")?;
    cur.expect(b":", "':' after the minute")?;
    let second = cur.digits(2, "second")?;
    let nanos = if cur.eat(b".") { cur.fraction()? } else { 0 };
    let offset_seconds = cur.offset()?;
    if cur.pos != cur.bytes.len() {
        return Err("unexpected characters after the offset".to_owned());
    }

    if !(1..=12).contains(&month) {
        return Err(format!("month {month} is not 01..12"));
    }
    let month_days = days_in_month(year, month);
    if !(1..=month_days).contains(&day) {
        return Err(format!("day {day} is not 01..{month_days} for that month"));
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err("time of day out of range".to_owned());
    }

    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_seconds;
    // i128: near the lower bound the whole seconds alone are below i64::MIN nanoseconds.
    let total = i128::from(seconds) * i128::from(NANOS_PER_SECOND) + i128::from(nanos);
    i64::try_from(total).map_err(|_| {
        "out of range: only 1677-09-21 to 2262-04-11 fits in 64-bit nanoseconds".to_owned()
    })
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    /// Exactly `count` ASCII digits.
    fn digits(&mut self, count: usize, what: &str) -> Result<i64, String> {
        let field = self
            .bytes
            .get(self.pos..self.pos + count)
            .filter(|field| field.iter().all(u8::is_ascii_digit))
            .ok_or_else(|| format!("expected a {count}-digit {what}"))?;
        self.pos += count;
        Ok(field.iter().fold(0, |n, &b| n * 10 + i64::from(b - b'0')))
    }

    /// Consumes one byte if it is one of `any`.
    fn eat(&mut self, any: &[u8]) -> bool {
        match self.bytes.get(self.pos) {
            Some(b) if any.contains(b) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    fn expect(&mut self, any: &[u8], what: &str) -> Result<(), String> {
        if self.eat(any) {
            Ok(())
        } else {
            Err(format!("expected {what}"))
        }
    }

    /// One or more digits after the `.`, as nanoseconds (digits past the ninth are dropped).
    fn fraction(&mut self) -> Result<i64, String> {
        let start = self.pos;
        let mut nanos = 0;
        while let Some(b) = self.bytes.get(self.pos).filter(|b| b.is_ascii_digit()) {
            if self.pos - start < 9 {
                nanos = nanos * 10 + i64::from(b - b'0');
            }
            self.pos += 1;
        }
        let len = self.pos - start;
        if len == 0 {
            return Err("expected digits after '.'".to_owned());
        }
        Ok(nanos * 10_i64.pow(9_u32.saturating_sub(len as u32)))
    }

    /// `Z` (0) or `±HH:MM` as seconds east of UTC.
    fn offset(&mut self) -> Result<i64, String> {
        if self.eat(b"Zz") {
            return Ok(0);
        }
        let sign = match self.bytes.get(self.pos) {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return Err("expected an offset: 'Z' or '±HH:MM'".to_owned()),
        };
        self.pos += 1;
        let hours = self.digits(2, "offset hour")?;
        self.expect(b":", "':' in the offset")?;
        let minutes = self.digits(2, "offset minute")?;
        if hours > 23 || minutes > 59 {
            return Err("offset out of range".to_owned());
        }
        Ok(sign * (hours * 3_600 + minutes * 60))
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> i64 {
        parse_nanos(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn epoch_and_known_instants() {
        assert_eq!(ok("1970-01-01T00:00:00Z"), 0);
        assert_eq!(ok("2023-11-14T22:13:20Z"), 1_700_000_000 * NANOS_PER_SECOND);
        assert_eq!(ok("2000-02-29T00:00:00Z"), 951_782_400 * NANOS_PER_SECOND);
        assert_eq!(ok("1969-12-31T23:59:59Z"), -NANOS_PER_SECOND);
    }

    #[test]
    fn offsets_move_the_instant() {
        let utc = ok("2024-03-10T12:00:00Z");
        assert_eq!(ok("2024-03-10T14:30:00+02:30"), utc);
        assert_eq!(ok("2024-03-10T07:00:00-05:00"), utc);
        assert_eq!(ok("2024-03-10T12:00:00-00:00"), utc);
        assert_eq!(ok("2024-03-10t12:00:00z"), utc);
        assert_eq!(ok("2024-03-11T00:00:00+12:00"), utc);
    }

    #[test]
    fn fractions() {
        let base = ok("2024-01-01T00:00:00Z");
        assert_eq!(ok("2024-01-01T00:00:00.5Z"), base + 500_000_000);
        assert_eq!(ok("2024-01-01T00:00:00.123Z"), base + 123_000_000);
        assert_eq!(ok("2024-01-01T00:00:00.000000001Z"), base + 1);
        assert_eq!(ok("2024-01-01T00:00:00.1234567899Z"), base + 123_456_789);
        assert_eq!(ok("2024-01-01T01:00:00.25+01:00"), base + 250_000_000);
        assert_eq!(ok("1969-12-31T23:59:59.5Z"), -500_000_000);
    }

    #[test]
    fn leap_second_is_the_next_minute() {
        assert_eq!(ok("2016-12-31T23:59:60Z"), ok("2017-01-01T00:00:00Z"));
    }

    #[test]
    fn range_limits() {
        assert_eq!(ok("2262-04-11T23:47:16.854775807Z"), i64::MAX);
        assert_eq!(ok("1677-09-21T00:12:43.145224192Z"), i64::MIN);
        for out in
            ["2262-04-11T23:47:16.854775808Z", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z"]
        {
            let err = parse_nanos(out).expect_err(out);
            assert!(err.contains("out of range"), "{out}: {err}");
        }
    }

    #[test]
    fn malformed_is_refused() {
        for bad in [
            "",
            "2024-01-01",
            "2024-01-01T00:00:00",
            "2024-01-01 00:00:00Z",
            "2024-1-01T00:00:00Z",
            "2024-01-01T00:00Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+0100",
            "2024-01-01T00:00:00+01",
            "2024-01-01T00:00:00Zjunk",
            "2024-13-01T00:00:00Z",
            "2024-00-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:60:00Z",
            "2024-01-01T00:00:61Z",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01T00:00:00+01:60",
            "+2024-01-01T00:00:00Z",
            "２０２４-01-01T00:00:00Z",
        ] {
            assert!(parse_nanos(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
