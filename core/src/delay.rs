//! Delay sources beyond `Retry-After`: every format a server uses to say
//! how long to wait, where the value is, and how the delays of one response
//! combine.
//!
//! An API's catalog lists its sources (`delays:` in the spec language);
//! generated code holds them as a `static` slice of [`DelaySource`] and the
//! decoder reads every one that is present into the response's
//! [`DelayHints`](crate::DelayHints). Parsing is total: malformed, negative
//! or overflowing values are dropped (or saturate), never a panic, never an
//! allocation.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How a delay value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DelayFormat {
    /// Seconds to wait, an integer or a decimal fraction: `30`, `2.0`, `0.317`.
    Seconds,
    /// Milliseconds to wait, an integer or a decimal fraction: `1500`.
    Milliseconds,
    /// An HTTP-date (IMF-fixdate, RFC 850 or asctime): `Wed, 21 Oct 2015 07:28:00 GMT`.
    HttpDate,
    /// Seconds or an HTTP-date, as `Retry-After` allows.
    SecondsOrDate,
    /// A Unix timestamp in seconds (integer or fraction): the time to wait until.
    UnixSeconds,
    /// A Go or protobuf duration: `6m0s`, `1.5s`, `20ms`, `1h2m3.5s`
    /// (units `h`, `m`, `s`, `ms`, `us`, `µs`, `ns`).
    Duration,
    /// An RFC 3339 timestamp: `2026-11-24T07:28:00Z`, `2026-11-24T09:28:00.5+02:00`.
    Rfc3339,
    /// A parameter of an RFC 9651 structured-field list, in seconds: the
    /// IETF `RateLimit: "default";r=0;t=20` field ([`DelaySource::param`]).
    Structured,
}

impl DelayFormat {
    /// Every format, in declaration order.
    pub const ALL: [DelayFormat; 8] = [
        DelayFormat::Seconds,
        DelayFormat::Milliseconds,
        DelayFormat::HttpDate,
        DelayFormat::SecondsOrDate,
        DelayFormat::UnixSeconds,
        DelayFormat::Duration,
        DelayFormat::Rfc3339,
        DelayFormat::Structured,
    ];

    /// The format's name as written in specs (`seconds_or_date`).
    pub const fn as_str(self) -> &'static str {
        match self {
            DelayFormat::Seconds => "seconds",
            DelayFormat::Milliseconds => "milliseconds",
            DelayFormat::HttpDate => "http_date",
            DelayFormat::SecondsOrDate => "seconds_or_date",
            DelayFormat::UnixSeconds => "unix_seconds",
            DelayFormat::Duration => "duration",
            DelayFormat::Rfc3339 => "rfc3339",
            DelayFormat::Structured => "structured",
        }
    }

    /// The format named `name` in a spec.
    pub fn from_name(name: &str) -> Option<DelayFormat> {
        DelayFormat::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

/// A delay as the server wrote it: relative, or a time to wait until.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delay {
    /// Wait this long.
    After(Duration),
    /// Wait until this time (a time in the past means no wait).
    At(SystemTime),
}

impl Delay {
    /// How long to wait, seen from `now`.
    pub fn from_now(self, now: SystemTime) -> Duration {
        match self {
            Delay::After(d) => d,
            Delay::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

/// Where a delay value is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelayFrom {
    /// A response header (lower-case name).
    Header(&'static str),
    /// A value of the body: the capture with this index, of the layout's
    /// captures (the body walker finds it).
    Body(usize),
}

/// A condition on a rate-limit dimension: the delay applies only when the
/// dimension is spent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenSpent {
    /// Always applies.
    Always,
    /// Applies unless this header (lower-case name) says requests remain (a
    /// number above 0). Absent or malformed: the delay applies.
    Header(&'static str),
    /// For [`DelayFormat::Structured`]: applies to the list members whose
    /// parameter of this name is 0 (the IETF field's `r`).
    Param(&'static str),
}

/// One place a server may put a delay, and how it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DelaySource {
    /// Where the value is.
    pub from: DelayFrom,
    /// How it is written.
    pub format: DelayFormat,
    /// For [`DelayFormat::Structured`]: the parameter holding the seconds (`t`).
    pub param: Option<&'static str>,
    /// When the delay applies.
    pub when: WhenSpent,
    /// The source's name for reports (`retry-after-ms`, `/retry_after`).
    pub name: &'static str,
}

/// Parses `text` as `format`. `param` and `when_param` only matter for
/// [`DelayFormat::Structured`] (see [`parse_structured`]). Total: anything
/// malformed or negative gives `None`; huge values saturate.
///
/// ```
/// use std::time::Duration;
/// use errspec::__private::delay::{parse_delay, Delay, DelayFormat};
///
/// let after = |s: &str, f| parse_delay(s, f, None, None);
/// assert_eq!(after("2.5", DelayFormat::Seconds), Some(Delay::After(Duration::from_millis(2500))));
/// assert_eq!(after("1500", DelayFormat::Milliseconds), Some(Delay::After(Duration::from_millis(1500))));
/// assert_eq!(after("6m0s", DelayFormat::Duration), Some(Delay::After(Duration::from_secs(360))));
/// assert!(matches!(after("2026-11-24T07:28:00Z", DelayFormat::Rfc3339), Some(Delay::At(_))));
/// assert_eq!(
///     parse_delay(r#""default";r=0;t=20"#, DelayFormat::Structured, Some("t"), Some("r")),
///     Some(Delay::After(Duration::from_secs(20)))
/// );
/// assert_eq!(after("-1", DelayFormat::Seconds), None);
/// ```
pub fn parse_delay(
    text: &str,
    format: DelayFormat,
    param: Option<&str>,
    when_param: Option<&str>,
) -> Option<Delay> {
    let text = text.trim_ascii();
    if text.is_empty() {
        return None;
    }
    match format {
        DelayFormat::Seconds => parse_decimal(text, 1_000_000_000).map(Delay::After),
        DelayFormat::Milliseconds => parse_decimal(text, 1_000_000).map(Delay::After),
        DelayFormat::HttpDate => httpdate::parse_http_date(text).ok().map(Delay::At),
        DelayFormat::SecondsOrDate => parse_decimal(text, 1_000_000_000)
            .map(Delay::After)
            .or_else(|| httpdate::parse_http_date(text).ok().map(Delay::At)),
        DelayFormat::UnixSeconds => parse_decimal(text, 1_000_000_000)
            .and_then(|d| UNIX_EPOCH.checked_add(d).map(Delay::At)),
        DelayFormat::Duration => parse_go_duration(text).map(Delay::After),
        DelayFormat::Rfc3339 => parse_rfc3339(text).map(Delay::At),
        DelayFormat::Structured => {
            parse_structured(text, param.unwrap_or("t"), when_param).map(Delay::After)
        }
    }
}

/// A delay given as a JSON number (Discord's `"retry_after": 0.317`) in
/// `format`: seconds, milliseconds or a Unix timestamp; other formats are
/// written as text, so a number gives `None`, and so do negative, NaN and
/// infinite values. Huge values saturate.
pub fn delay_from_number(value: f64, format: DelayFormat) -> Option<Delay> {
    if value.is_nan() || value < 0.0 || value.is_infinite() {
        return None;
    }
    let secs = |scale: f64| {
        Duration::try_from_secs_f64(value * scale).unwrap_or(Duration::from_secs(u64::MAX))
    };
    match format {
        DelayFormat::Seconds | DelayFormat::SecondsOrDate => Some(Delay::After(secs(1.0))),
        DelayFormat::Milliseconds => Some(Delay::After(secs(0.001))),
        DelayFormat::UnixSeconds => UNIX_EPOCH.checked_add(secs(1.0)).map(Delay::At),
        _ => None,
    }
}

/// A non-negative decimal number (`30`, `2.0`, `.5` is rejected) times
/// `unit_nanos` nanoseconds, saturating at [`Duration::MAX`]-ish bounds
/// (`u64::MAX` seconds). Signs, exponents and anything else: `None`.
fn parse_decimal(text: &str, unit_nanos: u64) -> Option<Duration> {
    let digits = |part: &[u8]| !part.is_empty() && part.iter().all(u8::is_ascii_digit);
    let text = text.as_bytes();
    let (int, frac) = match text.iter().position(|&b| b == b'.') {
        Some(dot) => (&text[..dot], Some(&text[dot + 1..])),
        None => (text, None),
    };
    if !digits(int) || frac.is_some_and(|frac| !digits(frac)) {
        return None;
    }
    Some(scaled(int, frac.unwrap_or_default(), unit_nanos))
}

/// `int.frac` (ASCII digits) units of `unit_nanos` nanoseconds,
/// saturating. Fraction digits beyond nanosecond precision are ignored.
///
/// Written for the usual delay (`30`, `64.57`): an integer part of up to
/// 19 digits is read in a `u64` and multiplied once, and divisions are by
/// `u64` constants (a multiplication each), where `u128` overflow checks
/// and divisions are calls of 50–100 instructions.
fn scaled(int: &[u8], frac: &[u8], unit_nanos: u64) -> Duration {
    const MAX_NANOS: u128 = (u64::MAX as u128) * 1_000_000_000;
    let digit = |b: &u8| b - b'0';
    let mut nanos = if int.len() <= 19 {
        // Below 10^19 < u64::MAX: no overflow, and the product of two
        // `u64`s fits a `u128`.
        let whole = int
            .iter()
            .fold(0u64, |acc, b| acc * 10 + u64::from(digit(b)));
        u128::from(whole) * u128::from(unit_nanos)
    } else {
        int.iter()
            .fold(0u128, |acc, b| {
                acc.saturating_mul(10).saturating_add(u128::from(digit(b)))
            })
            .saturating_mul(u128::from(unit_nanos))
    };
    // The fraction: digit k (1-based) is worth unit_nanos / 10^k.
    let mut place = unit_nanos;
    for b in frac {
        place /= 10;
        if place == 0 {
            break;
        }
        nanos = nanos.saturating_add(u128::from(u64::from(digit(b)) * place));
    }
    match u64::try_from(nanos) {
        Ok(nanos) => Duration::from_nanos(nanos),
        Err(_) => {
            let nanos = nanos.min(MAX_NANOS);
            Duration::new(
                u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX),
                u32::try_from(nanos % 1_000_000_000).unwrap_or(0),
            )
        }
    }
}

/// A Go (`time.ParseDuration`) or protobuf JSON duration, non-negative:
/// `0`, `20ms`, `1.5s`, `6m0s`, `1h2m3.5s`.
pub fn parse_go_duration(text: &str) -> Option<Duration> {
    if text == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = text;
    let mut total = Duration::ZERO;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let number_len = rest
            .bytes()
            .position(|b| !(b.is_ascii_digit() || b == b'.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let unit_len = after
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(after.len(), |(i, _)| i);
        let (unit, next) = after.split_at(unit_len);
        let unit_nanos: u64 = match unit {
            "h" => 3_600_000_000_000,
            "m" => 60_000_000_000,
            "s" => 1_000_000_000,
            "ms" => 1_000_000,
            "us" | "µs" | "μs" => 1_000,
            "ns" => 1,
            _ => return None,
        };
        total = total.saturating_add(parse_decimal(number, unit_nanos)?);
        rest = next;
    }
    Some(total)
}

/// An RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` (`t`, `z`
/// and a space for `T` accepted). Leap seconds (`:60`) read as the next
/// second's start. Before 1970: `None`.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let part = b.get(r)?;
        part.iter().all(u8::is_ascii_digit).then(|| {
            part.iter()
                .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if leap => 29,
        _ => 28,
    };
    if day == 0 || day > days_in_month {
        return None;
    }
    let mut i = 19;
    let mut frac = "";
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        frac = &text[start..i];
    }
    // The offset from UTC, in seconds, and its sign.
    let offset: i64 = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let hours = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
            let minutes = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
            if hours > 23 || minutes > 59 {
                return None;
            }
            let secs = hours * 3600 + minutes * 60;
            if *sign == b'+' { secs } else { -secs }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let local = days * 86_400 + i64::try_from(hour * 3600 + minute * 60 + second).ok()?;
    let utc = u64::try_from(local - offset).ok()?;
    let fraction = scaled(b"0", frac.as_bytes(), 1_000_000_000);
    UNIX_EPOCH.checked_add(Duration::from_secs(utc).saturating_add(fraction))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm), for years 0–9999.
fn days_from_civil(year: u64, month: u64, day: u64) -> i64 {
    let y = i64::try_from(year).unwrap_or(0) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::try_from(month).unwrap_or(1);
    let d = i64::try_from(day).unwrap_or(1);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The longest value, in seconds, of parameter `param` among the members of
/// an RFC 9651 structured-field list (`"default";r=0;t=20, "day";r=5;t=3600`).
/// With `when_param`, only members whose `when_param` is `0` count (the IETF
/// `RateLimit` field's `r`: remaining quota). Values are sf-integers or
/// sf-decimals; members whose value is anything else are skipped.
pub fn parse_structured(text: &str, param: &str, when_param: Option<&str>) -> Option<Duration> {
    let mut longest: Option<Duration> = None;
    for member in split_outside_quotes(text, b',') {
        let mut params = split_outside_quotes(member, b';');
        // The member's item itself (a token or string): not needed.
        params.next();
        let mut value = None;
        let mut spent = when_param.is_none();
        for p in params {
            let (key, v) = match p.trim_ascii().split_once('=') {
                Some((k, v)) => (k.trim_ascii(), v.trim_ascii()),
                None => (p.trim_ascii(), "?1"),
            };
            if key == param {
                value = parse_decimal(v, 1_000_000_000);
            }
            if Some(key) == when_param {
                spent = parse_decimal(v, 1).is_some_and(|left| left.is_zero());
            }
        }
        if let (true, Some(v)) = (spent, value) {
            longest = Some(longest.map_or(v, |l| l.max(v)));
        }
    }
    longest
}

/// Splits at `sep` bytes that are not inside a double-quoted string.
fn split_outside_quotes(text: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        let mut quoted = false;
        let mut escaped = false;
        for (i, b) in s.bytes().enumerate() {
            match b {
                _ if escaped => escaped = false,
                b'\\' if quoted => escaped = true,
                b'"' => quoted = !quoted,
                _ if b == sep && !quoted => {
                    rest = Some(&s[i + 1..]);
                    return Some(&s[..i]);
                }
                _ => {}
            }
        }
        rest = None;
        Some(s)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(text: &str, format: DelayFormat) -> Option<Duration> {
        match parse_delay(text, format, None, None)? {
            Delay::After(d) => Some(d),
            Delay::At(_) => None,
        }
    }

    fn at(text: &str, format: DelayFormat) -> Option<u64> {
        match parse_delay(text, format, None, None)? {
            Delay::At(t) => Some(t.duration_since(UNIX_EPOCH).ok()?.as_secs()),
            Delay::After(_) => None,
        }
    }

    #[test]
    fn seconds_and_fractions() {
        let s = DelayFormat::Seconds;
        assert_eq!(after("30", s), Some(Duration::from_secs(30)));
        assert_eq!(after("2.0", s), Some(Duration::from_secs(2)));
        assert_eq!(after("0.317", s), Some(Duration::from_millis(317)));
        assert_eq!(after(" 1.5 ", s), Some(Duration::from_millis(1500)));
        for bad in [
            "", "-1", "+1", ".5", "1.", "1e3", "1,5", "NaN", "inf", "1..2", "٣",
        ] {
            assert_eq!(after(bad, s), None, "{bad:?}");
        }
        assert_eq!(
            after("99999999999999999999999999999999999999999", s),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            after("1.0000000001", s),
            Some(Duration::from_secs(1)),
            "below a nanosecond is dropped"
        );
    }

    #[test]
    fn values_on_both_sides_of_u64_nanoseconds() {
        let (s, ms) = (DelayFormat::Seconds, DelayFormat::Milliseconds);
        let max = Duration::from_nanos(u64::MAX);
        assert_eq!(after("18446744073.709551615", s), Some(max));
        assert_eq!(
            after("18446744073.709551616", s),
            Some(max + Duration::from_nanos(1))
        );
        assert_eq!(
            after("18446744073709.551617", ms),
            Some(Duration::new(18_446_744_073, 709_551_617))
        );
        assert_eq!(
            after("18446744073709551616.5", s),
            Some(Duration::from_secs(u64::MAX)),
            "past u64::MAX seconds: saturated"
        );
        assert_eq!(
            parse_go_duration("5124095576h30m"),
            Some(Duration::from_secs(5_124_095_576 * 3600 + 1800))
        );
    }

    #[test]
    fn milliseconds() {
        let ms = DelayFormat::Milliseconds;
        assert_eq!(after("1500", ms), Some(Duration::from_millis(1500)));
        assert_eq!(after("0.5", ms), Some(Duration::from_micros(500)));
        assert_eq!(after("abc", ms), None);
    }

    #[test]
    fn dates_and_timestamps() {
        assert_eq!(
            at("Wed, 21 Oct 2015 07:28:00 GMT", DelayFormat::HttpDate),
            Some(1_445_412_480)
        );
        assert_eq!(
            at("Wed, 21 Oct 2015 07:28:00 GMT", DelayFormat::SecondsOrDate),
            Some(1_445_412_480)
        );
        assert_eq!(
            after("2.0", DelayFormat::SecondsOrDate),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            at("1700000000", DelayFormat::UnixSeconds),
            Some(1_700_000_000)
        );
        assert_eq!(at("30", DelayFormat::HttpDate), None);
    }

    #[test]
    fn go_and_protobuf_durations() {
        let d = DelayFormat::Duration;
        assert_eq!(after("6m0s", d), Some(Duration::from_secs(360)));
        assert_eq!(after("1s", d), Some(Duration::from_secs(1)));
        assert_eq!(after("20ms", d), Some(Duration::from_millis(20)));
        assert_eq!(after("1.5s", d), Some(Duration::from_millis(1500)));
        assert_eq!(after("1h2m3.5s", d), Some(Duration::from_millis(3_723_500)));
        assert_eq!(after("7µs", d), Some(Duration::from_micros(7)));
        assert_eq!(after("0", d), Some(Duration::ZERO));
        for bad in ["", "5", "-1s", "1x", "s", "1.s", "1m-2s", "ms", "1 s"] {
            assert_eq!(after(bad, d), None, "{bad:?}");
        }
    }

    #[test]
    fn rfc3339() {
        let r = DelayFormat::Rfc3339;
        assert_eq!(at("1970-01-01T00:00:00Z", r), Some(0));
        assert_eq!(at("2015-10-21T07:28:00Z", r), Some(1_445_412_480));
        assert_eq!(at("2015-10-21T09:28:00+02:00", r), Some(1_445_412_480));
        assert_eq!(at("2015-10-21t07:28:00.75z", r), Some(1_445_412_480));
        assert_eq!(at("2024-02-29T00:00:00Z", r), Some(1_709_164_800));
        for bad in [
            "2015-10-21",
            "2015-10-21T07:28:00",
            "2015-13-21T07:28:00Z",
            "2023-02-29T00:00:00Z",
            "2015-10-21T24:00:00Z",
            "2015-10-21T07:28:00+2:00",
            "1969-12-31T23:59:59Z",
            "2015-10-21T07:28:00.Z",
            "2015-10-21T07:28:00Zjunk",
        ] {
            assert_eq!(at(bad, r), None, "{bad:?}");
        }
    }

    #[test]
    fn structured_fields() {
        let t = |s| parse_structured(s, "t", Some("r"));
        assert_eq!(t(r#""default";r=0;t=20"#), Some(Duration::from_secs(20)));
        assert_eq!(t(r#""default";r=5;t=20"#), None, "requests remain");
        assert_eq!(
            t(r#""burst";r=0;t=1, "day";r=0;t=3600, "hour";r=9;t=60"#),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(t(r#""a;b,c";r=0;t=2.5"#), Some(Duration::from_millis(2500)));
        assert_eq!(
            parse_structured("x;t=7", "t", None),
            Some(Duration::from_secs(7))
        );
        assert_eq!(t("garbage"), None);
        assert_eq!(t(r#""unterminated;r=0;t=3"#), None);
    }

    #[test]
    fn from_now() {
        let now = UNIX_EPOCH + Duration::from_secs(100);
        assert_eq!(Delay::At(UNIX_EPOCH).from_now(now), Duration::ZERO);
        assert_eq!(
            Delay::At(UNIX_EPOCH + Duration::from_secs(130)).from_now(now),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn numbers_from_bodies() {
        assert_eq!(
            delay_from_number(0.317, DelayFormat::Seconds),
            Some(Delay::After(Duration::from_secs_f64(0.317)))
        );
        assert_eq!(
            delay_from_number(1500.0, DelayFormat::Milliseconds),
            Some(Delay::After(Duration::from_millis(1500)))
        );
        assert_eq!(delay_from_number(-1.0, DelayFormat::Seconds), None);
        assert_eq!(delay_from_number(f64::NAN, DelayFormat::Seconds), None);
        assert_eq!(delay_from_number(3.0, DelayFormat::Duration), None);
        assert_eq!(
            delay_from_number(1e300, DelayFormat::Seconds),
            Some(Delay::After(Duration::from_secs(u64::MAX)))
        );
    }

    #[test]
    fn names_round_trip() {
        for f in DelayFormat::ALL {
            assert_eq!(DelayFormat::from_name(f.as_str()), Some(f));
        }
    }
}
