//! Delay hints read from response headers: `Retry-After` and rate-limit headers.
//!
//! Parsing is total: malformed, negative, fractional or repeated values are
//! dropped (`None`), never a panic. Integers too large for a `u64` saturate to
//! [`u64::MAX`] instead of overflowing, so an absurd `Retry-After` still reads
//! as "a very long time" and the retry policy can refuse to wait for it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::GetAll;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::decode::{Captured, Captures};
use crate::delay::{
    Delay, DelayFormat, DelayFrom, DelaySource, WhenSpent, delay_from_number, parse_delay,
};
use crate::layout::{ApiLayout, CodeSource, HeaderLayout, RateLimitLayout, ResetUnit};

/// How far ahead a rate-limit reset may plausibly be. A reset further away
/// is almost always a unit mistake (a Unix timestamp in milliseconds, or a
/// timestamp where seconds were expected) and is ignored.
pub const MAX_PLAUSIBLE_RESET: Duration = Duration::from_secs(366 * 24 * 60 * 60);

/// A parsed `Retry-After` value.
///
/// Serialized as `{"seconds": N}` or `{"date": UNIX_SECONDS}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: <seconds>`.
    Seconds(u64),
    /// `Retry-After: <HTTP-date>`.
    Date(SystemTime),
}

impl RetryAfter {
    /// How long to wait from `now`. A date in the past needs no wait
    /// ([`Duration::ZERO`]).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use errspec::RetryAfter;
    ///
    /// let now = SystemTime::now();
    /// assert_eq!(RetryAfter::Seconds(3).delay(now), Duration::from_secs(3));
    /// assert_eq!(RetryAfter::Date(now - Duration::from_secs(5)).delay(now), Duration::ZERO);
    /// ```
    pub fn delay(&self, now: SystemTime) -> Duration {
        match *self {
            RetryAfter::Seconds(secs) => Duration::from_secs(secs),
            RetryAfter::Date(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

/// A parsed rate-limit reset value.
///
/// Serialized as `{"at": UNIX_SECONDS}` or `{"after": N}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimitReset {
    /// The window resets at this time (from a Unix timestamp).
    At(SystemTime),
    /// The window resets after this many seconds.
    After(u64),
}

impl RateLimitReset {
    /// How long until the window resets, seen from `now`.
    ///
    /// A reset in the past needs no wait ([`Duration::ZERO`]). A reset more
    /// than [`MAX_PLAUSIBLE_RESET`] ahead is taken for a unit mistake and
    /// gives `None`.
    pub fn delay(&self, now: SystemTime) -> Option<Duration> {
        let delay = match *self {
            RateLimitReset::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
            RateLimitReset::After(secs) => Duration::from_secs(secs),
        };
        (delay <= MAX_PLAUSIBLE_RESET).then_some(delay)
    }
}

/// The delay-related headers of one response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DelayHints {
    /// `Retry-After`.
    pub retry_after: Option<RetryAfter>,
    /// The rate-limit window's quota.
    pub rate_limit_limit: Option<u64>,
    /// Requests left in the rate-limit window.
    pub rate_limit_remaining: Option<u64>,
    /// When the rate-limit window resets.
    pub rate_limit_reset: Option<RateLimitReset>,
    /// The longest relative delay that the API's further delay sources
    /// ([`HeaderLayout::delays`]) gave, and its source.
    pub longest: Option<SourcedDelay>,
    /// The latest time to wait until that those sources gave, and its source.
    pub latest: Option<SourcedDelay>,
    /// The API's floor on any server delay ([`HeaderLayout::min_delay`]).
    pub min_delay: Option<Duration>,
}

/// A delay and the source that gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourcedDelay {
    /// The delay.
    pub delay: Delay,
    /// The source: its header name or body pointer, as the catalog wrote it.
    pub source: &'static str,
}

/// Which source a server delay came from ([`DelayHints::server_delay_with_source`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DelayOrigin {
    /// The `Retry-After` header (`headers.retry_after`).
    RetryAfter,
    /// The rate-limit reset header (`headers.rate_limit.reset`).
    RateLimitReset,
    /// A further delay source, by name (`retry-after-ms`, `/retry_after`).
    Source(&'static str),
    /// The API's `min_delay`, longer than every delay the server sent.
    MinDelay,
}

impl DelayOrigin {
    /// A short name: `retry_after`, `rate_limit_reset`, `min_delay`, or the
    /// source's header name or pointer.
    pub const fn as_str(self) -> &'static str {
        match self {
            DelayOrigin::RetryAfter => "retry_after",
            DelayOrigin::RateLimitReset => "rate_limit_reset",
            DelayOrigin::Source(name) => name,
            DelayOrigin::MinDelay => "min_delay",
        }
    }
}

impl serde::Serialize for DelayOrigin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

// The serde implementations below are written out rather than derived, so
// that the runtime's build needs no proc-macro crate (serde_derive and syn
// are most of what errspec would otherwise add to a reqwest user's build).

/// Seconds since the Unix epoch (0 before it).
fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Whole milliseconds, saturating.
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl serde::Serialize for RetryAfter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            RetryAfter::Seconds(n) => s.serialize_newtype_variant("RetryAfter", 0, "seconds", &n),
            RetryAfter::Date(at) => {
                s.serialize_newtype_variant("RetryAfter", 1, "date", &unix_seconds(at))
            }
        }
    }
}

impl serde::Serialize for RateLimitReset {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            RateLimitReset::At(at) => {
                s.serialize_newtype_variant("RateLimitReset", 0, "at", &unix_seconds(at))
            }
            RateLimitReset::After(n) => {
                s.serialize_newtype_variant("RateLimitReset", 1, "after", &n)
            }
        }
    }
}

/// `{"retry_after", "rate_limit_limit", "rate_limit_remaining",
/// "rate_limit_reset"}` always (`null` when absent), then `longest`,
/// `latest` and `min_delay` (milliseconds) when present.
impl serde::Serialize for DelayHints {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let present = [
            self.longest.is_some(),
            self.latest.is_some(),
            self.min_delay.is_some(),
        ];
        let len = 4 + present.iter().filter(|p| **p).count();
        let mut st = s.serialize_struct("DelayHints", len)?;
        st.serialize_field("retry_after", &self.retry_after)?;
        st.serialize_field("rate_limit_limit", &self.rate_limit_limit)?;
        st.serialize_field("rate_limit_remaining", &self.rate_limit_remaining)?;
        st.serialize_field("rate_limit_reset", &self.rate_limit_reset)?;
        if let Some(longest) = &self.longest {
            st.serialize_field("longest", longest)?;
        }
        if let Some(latest) = &self.latest {
            st.serialize_field("latest", latest)?;
        }
        if let Some(min_delay) = self.min_delay {
            st.serialize_field("min_delay", &millis(min_delay))?;
        }
        st.end()
    }
}

/// `{"delay": {"after_ms": N} or {"at": UNIX_SECONDS}, "source": "..."}`.
impl serde::Serialize for SourcedDelay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("SourcedDelay", 2)?;
        st.serialize_field("delay", &SerializeDelay(self.delay))?;
        st.serialize_field("source", self.source)?;
        st.end()
    }
}

struct SerializeDelay(Delay);

impl serde::Serialize for SerializeDelay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = s.serialize_map(Some(1))?;
        match self.0 {
            Delay::After(after) => map.serialize_entry("after_ms", &millis(after))?,
            Delay::At(at) => map.serialize_entry("at", &unix_seconds(at))?,
        }
        map.end()
    }
}

impl DelayHints {
    /// Reads the headers named by `layout`. Missing, malformed or
    /// conflicting headers leave their hint `None`, except `Retry-After`:
    /// of several values the longest is taken (the policy bounds it).
    ///
    /// Plumbing, like the [`HeaderLayout`] it takes: generated code and the
    /// derive read a response's hints with their decoder
    /// ([`ApiError::read_delay_hints`](crate::ApiError::read_delay_hints));
    /// users ask an error for the hints it kept
    /// ([`ApiError::delay_hints`](crate::ApiError::delay_hints)).
    ///
    /// ```
    /// use errspec::__private::layout::HeaderLayout;
    /// use errspec::{DelayHints, RetryAfter};
    ///
    /// let layout = HeaderLayout { retry_after: Some("retry-after"), ..HeaderLayout::NONE };
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("retry-after", http::HeaderValue::from_static("7"));
    /// let hints = DelayHints::from_headers(&layout, &headers);
    /// assert_eq!(hints.retry_after, Some(RetryAfter::Seconds(7)));
    /// ```
    #[doc(hidden)]
    pub fn from_headers(layout: &HeaderLayout, headers: &HeaderMap) -> DelayHints {
        HintHeaders::new(layout, None).read(headers)
    }

    /// The rate-limit window's reset when the window is spent: `remaining`
    /// read 0 (not merely absent) and the reset was given.
    ///
    /// ```
    /// use errspec::{DelayHints, RateLimitReset};
    ///
    /// let spent = DelayHints {
    ///     rate_limit_remaining: Some(0),
    ///     rate_limit_reset: Some(RateLimitReset::After(30)),
    ///     ..DelayHints::default()
    /// };
    /// assert_eq!(spent.spent_window_reset(), Some(RateLimitReset::After(30)));
    /// let left = DelayHints { rate_limit_remaining: Some(4), ..spent };
    /// assert_eq!(left.spent_window_reset(), None);
    /// ```
    pub fn spent_window_reset(&self) -> Option<RateLimitReset> {
        if self.rate_limit_remaining != Some(0) {
            return None;
        }
        self.rate_limit_reset
    }

    /// How long the server asked the client to wait, seen from `now`.
    ///
    /// Every source that applies gives a delay and **the longest wins**:
    ///
    /// - `Retry-After`; a date in the past means no wait
    ///   ([`Duration::ZERO`]). It is never second-guessed here: a huge value
    ///   is returned as is, for the retry policy to refuse.
    /// - The rate-limit reset, but only when the window is spent
    ///   (`remaining` is 0 or absent): a window with requests left is no
    ///   reason to wait. A reset in the past means no wait; a reset more than
    ///   [`MAX_PLAUSIBLE_RESET`] ahead (typically milliseconds sent where
    ///   seconds were meant) is ignored.
    /// - The API's further sources ([`longest`](Self::longest),
    ///   [`latest`](Self::latest)); a time more than [`MAX_PLAUSIBLE_RESET`]
    ///   ahead is ignored as above.
    ///
    /// When any source applied, the API's [`min_delay`](Self::min_delay) is
    /// a floor.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use errspec::{DelayHints, RateLimitReset, RetryAfter};
    ///
    /// let now = SystemTime::now();
    /// let hints = DelayHints {
    ///     retry_after: Some(RetryAfter::Seconds(2)),
    ///     rate_limit_reset: Some(RateLimitReset::After(30)),
    ///     ..DelayHints::default()
    /// };
    /// assert_eq!(hints.server_delay(now), Some(Duration::from_secs(30)));
    /// ```
    pub fn server_delay(&self, now: SystemTime) -> Option<Duration> {
        self.server_delay_with_source(now).map(|(delay, _)| delay)
    }

    /// [`server_delay`](Self::server_delay) and the source that decided it
    /// (on a tie, the first of `Retry-After`, the rate-limit reset, the
    /// further sources).
    pub fn server_delay_with_source(&self, now: SystemTime) -> Option<(Duration, DelayOrigin)> {
        let mut best: Option<(Duration, DelayOrigin)> = None;
        let mut offer = |delay: Option<Duration>, origin: DelayOrigin| {
            if let Some(delay) = delay
                && best.is_none_or(|(b, _)| delay > b)
            {
                best = Some((delay, origin));
            }
        };
        offer(
            self.retry_after.map(|r| r.delay(now)),
            DelayOrigin::RetryAfter,
        );
        if self.rate_limit_remaining.is_none_or(|left| left == 0) {
            offer(
                self.rate_limit_reset.and_then(|reset| reset.delay(now)),
                DelayOrigin::RateLimitReset,
            );
        }
        for sourced in [self.longest, self.latest].into_iter().flatten() {
            let delay = sourced.delay.from_now(now);
            let plausible =
                matches!(sourced.delay, Delay::After(_)) || delay <= MAX_PLAUSIBLE_RESET;
            offer(
                plausible.then_some(delay),
                DelayOrigin::Source(sourced.source),
            );
        }
        match (best, self.min_delay) {
            (Some((delay, _)), Some(min)) if min > delay => Some((min, DelayOrigin::MinDelay)),
            (best, _) => best,
        }
    }

    /// Records a delay from one of the API's further sources: kept when it
    /// is longer (or later) than what those sources gave so far.
    pub fn offer(&mut self, delay: Delay, source: &'static str) {
        let sourced = SourcedDelay { delay, source };
        match delay {
            Delay::After(d) => {
                if self
                    .longest
                    .is_none_or(|l| matches!(l.delay, Delay::After(x) if d > x))
                {
                    self.longest = Some(sourced);
                }
            }
            Delay::At(t) => {
                if self
                    .latest
                    .is_none_or(|l| matches!(l.delay, Delay::At(x) if t > x))
                {
                    self.latest = Some(sourced);
                }
            }
        }
    }

    /// Whether no hint was found.
    pub fn is_empty(&self) -> bool {
        *self == DelayHints::default()
    }
}

/// The value of header `name` when it is present once, or several times with
/// identical values. Conflicting repeated values are malformed: `None`.
pub fn single_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h HeaderValue> {
    agreed(headers.get_all(name))
}

/// The one value of a header, or `None` when values conflict.
fn agreed(values: GetAll<'_, HeaderValue>) -> Option<&HeaderValue> {
    let mut values = values.iter();
    let first = values.next()?;
    values.all(|other| other == first).then_some(first)
}

/// A header name from a layout or a rule, resolved once to an
/// [`HeaderName`] when it is a valid lower-case name, as catalogs' names
/// are: looking up a resolved name hashes it and compares, where looking up
/// a `&str` parses and lower-cases it first (200–400 instructions a
/// lookup). Other names (which a hand-written layout may hold) are looked
/// up as text, as [`single_value`] does, so both agree.
///
/// Generated code keeps the ones its rules and directive read in `static`s
/// ([`LayoutHeader::resolved`] is `const`), and refers to them:
///
/// ```
/// use errspec::__private::hints::LayoutHeader;
///
/// static HEADER: LayoutHeader = LayoutHeader::resolved("x-should-retry");
/// let mut headers = http::HeaderMap::new();
/// headers.insert("x-should-retry", http::HeaderValue::from_static("true"));
/// assert_eq!(HEADER.name(), "x-should-retry");
/// assert_eq!(HEADER.single_value(&headers).map(|v| v.as_bytes()), Some(&b"true"[..]));
/// ```
#[derive(Clone)]
pub struct LayoutHeader {
    name: &'static str,
    resolved: Option<HeaderName>,
}

impl LayoutHeader {
    /// `name`; with `resolve`, resolved when it is a valid lower-case
    /// header name (resolving costs about one lookup by text, so it pays
    /// only when done once, at compile time, for many lookups).
    pub(crate) const fn new(name: &'static str, resolve: bool) -> LayoutHeader {
        let resolved = if resolve && is_lower_case_token(name) {
            Some(HeaderName::from_static(name))
        } else {
            None
        };
        LayoutHeader { name, resolved }
    }

    /// `name`, resolved when it is a valid lower-case header name: for a
    /// `static`, built at compile time and looked up many times.
    pub const fn resolved(name: &'static str) -> LayoutHeader {
        LayoutHeader::new(name, true)
    }

    /// The name, as the catalog wrote it.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The header as a prepared layout refers to it.
    pub(crate) fn by_ref(&self) -> HeaderRef<'_> {
        HeaderRef {
            name: self.name,
            resolved: self.resolved.as_ref(),
        }
    }

    /// The header's single value, as [`single_value`] finds it.
    pub fn single_value<'h>(&self, headers: &'h HeaderMap) -> Option<&'h HeaderValue> {
        self.by_ref().single_value(headers)
    }
}

/// A header of a prepared layout: its name as the catalog wrote it and,
/// when resolved, its [`HeaderName`] in a [`HeaderNames`] `static`.
///
/// It holds only references: a [`HeaderName`] is not `Freeze` (it may
/// hold a shared `Bytes`), so a prepared
/// [`Decoder`](crate::decode::Decoder) that held names could only be a
/// `static` in writable memory, whose tables the compiler reads at every
/// decode instead of folding them.
#[derive(Clone, Copy)]
pub(crate) struct HeaderRef<'n> {
    name: &'static str,
    resolved: Option<&'n HeaderName>,
}

impl<'n> HeaderRef<'n> {
    /// `name`, looked up as text.
    pub(crate) const fn text(name: &'static str) -> HeaderRef<'n> {
        HeaderRef {
            name,
            resolved: None,
        }
    }

    /// Every value of the header.
    pub(crate) fn all<'h>(self, headers: &'h HeaderMap) -> GetAll<'h, HeaderValue> {
        match self.resolved {
            Some(name) => headers.get_all(name),
            None => headers.get_all(self.name),
        }
    }

    /// Whether `headers` has this header: a resolved name compared with
    /// its names; otherwise its names compared as text, ignoring ASCII
    /// case, as a lookup by text compares them.
    pub(crate) fn is_named_in(self, headers: &HeaderMap) -> bool {
        match self.resolved {
            Some(name) => headers.keys().any(|key| key == name),
            None => self.is_named_in_text(headers),
        }
    }

    #[inline(never)]
    fn is_named_in_text(self, headers: &HeaderMap) -> bool {
        headers
            .keys()
            .any(|key| key.as_str().eq_ignore_ascii_case(self.name))
    }

    /// The header's single value, as [`single_value`] finds it.
    pub(crate) fn single_value(self, headers: &HeaderMap) -> Option<&HeaderValue> {
        match self.resolved {
            Some(name) => agreed(headers.get_all(name)),
            None => single_value(headers, self.name),
        }
    }
}

/// The name, as written.
impl std::fmt::Debug for HeaderRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.name, f)
    }
}

/// Where each header a layout may name has its resolved name in a
/// [`HeaderNames`]: the code and request id headers, the delay headers,
/// then the first [`RESOLVED_SOURCES`] delay sources' headers and their
/// `remaining` headers.
mod slot {
    use super::RESOLVED_SOURCES;

    pub(super) const CODE: usize = 0;
    pub(super) const REQUEST_ID: usize = 1;
    pub(super) const RETRY_AFTER: usize = 2;
    pub(super) const LIMIT: usize = 3;
    pub(super) const REMAINING: usize = 4;
    pub(super) const RESET: usize = 5;
    pub(super) const SOURCES: usize = 6;
    pub(super) const SOURCE_REMAINING: usize = SOURCES + RESOLVED_SOURCES;
    pub(super) const COUNT: usize = SOURCE_REMAINING + RESOLVED_SOURCES;
}

/// The header names of one [`ApiLayout`], resolved to [`HeaderName`]s at
/// compile time, for [`Decoder::resolved`](crate::decode::Decoder::resolved).
///
/// Generated code keeps them in a `static` of their own, beside a
/// constant `Decoder` that refers to them: the decoder's tables are then
/// constants the compiler folds into each API's decode. Names that are
/// not valid lower-case header names are not resolved (they are looked
/// up as text).
///
/// ```
/// use errspec::__private::decode::Decoder;
/// use errspec::__private::hints::HeaderNames;
/// use errspec::__private::layout::*;
///
/// static LAYOUT: ApiLayout = ApiLayout {
///     body: BodyLayout::JSON,
///     headers: HeaderLayout { retry_after: Some("retry-after"), ..HeaderLayout::NONE },
/// };
/// static NAMES: HeaderNames = HeaderNames::new(&LAYOUT);
/// const DECODER: &Decoder = &Decoder::resolved(&LAYOUT, &NAMES);
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("retry-after", http::HeaderValue::from_static("3"));
/// assert_eq!(
///     DECODER.read_delay_hints(&headers).retry_after,
///     Some(errspec::RetryAfter::Seconds(3)),
/// );
/// ```
pub struct HeaderNames([HeaderName; slot::COUNT]);

impl HeaderNames {
    /// The names of `layout`'s headers, resolved.
    pub const fn new(layout: &ApiLayout) -> HeaderNames {
        let code = match layout.body.code {
            Some(CodeSource::Header(name)) => Some(name),
            _ => None,
        };
        let n = slot_names(&layout.headers, code);
        HeaderNames([
            resolve(n[0]),
            resolve(n[1]),
            resolve(n[2]),
            resolve(n[3]),
            resolve(n[4]),
            resolve(n[5]),
            resolve(n[6]),
            resolve(n[7]),
            resolve(n[8]),
            resolve(n[9]),
            resolve(n[10]),
            resolve(n[11]),
            resolve(n[12]),
            resolve(n[13]),
        ])
    }
}

/// The name in a [`HeaderNames`] slot: the header's, resolved, when it
/// has a valid lower-case name; otherwise a stand-in that no lookup uses
/// ([`header_ref`] refers to a slot only when its name resolves).
const fn resolve(name: Option<&'static str>) -> HeaderName {
    match name {
        Some(name) if is_lower_case_token(name) => HeaderName::from_static(name),
        _ => HeaderName::from_static("x-not-resolved"),
    }
}

/// The header names of a layout, by [`slot`]: its `headers` and its code
/// header, if its code is one.
const fn slot_names(
    headers: &HeaderLayout,
    code: Option<&'static str>,
) -> [Option<&'static str>; slot::COUNT] {
    let (limit, remaining, reset) = match headers.rate_limit {
        Some(RateLimitLayout {
            limit,
            remaining,
            reset,
            ..
        }) => (limit, remaining, reset),
        None => (None, None, None),
    };
    let mut names = [None; slot::COUNT];
    names[slot::CODE] = code;
    names[slot::REQUEST_ID] = headers.request_id;
    names[slot::RETRY_AFTER] = headers.retry_after;
    names[slot::LIMIT] = limit;
    names[slot::REMAINING] = remaining;
    names[slot::RESET] = reset;
    let mut i = 0;
    while i < RESOLVED_SOURCES && i < headers.delays.len() {
        let source = &headers.delays[i];
        if let DelayFrom::Header(name) = source.from {
            names[slot::SOURCES + i] = Some(name);
        }
        if let WhenSpent::Header(name) = source.when {
            names[slot::SOURCE_REMAINING + i] = Some(name);
        }
        i += 1;
    }
    names
}

/// The header in `slot` of a layout whose names are `slots` (`None` when
/// it names none), referring to its resolved name in `names` when it has
/// one.
const fn header_ref(
    slots: &[Option<&'static str>; slot::COUNT],
    slot: usize,
    names: Option<&'static HeaderNames>,
) -> Option<HeaderRef<'static>> {
    let Some(name) = slots[slot] else {
        return None;
    };
    let resolved = match names {
        Some(names) if is_lower_case_token(name) => Some(&names.0[slot]),
        _ => None,
    };
    Some(HeaderRef { name, resolved })
}

/// The code header (of a [`CodeSource::Header`] code) and the request id
/// header of a prepared layout, resolved in `names` when given.
pub(crate) const fn code_and_request_id_headers(
    layout: &ApiLayout,
    names: Option<&'static HeaderNames>,
) -> (Option<HeaderRef<'static>>, Option<HeaderRef<'static>>) {
    let code = match layout.body.code {
        Some(CodeSource::Header(name)) => Some(name),
        _ => None,
    };
    let slots = slot_names(&layout.headers, code);
    (
        header_ref(&slots, slot::CODE, names),
        header_ref(&slots, slot::REQUEST_ID, names),
    )
}

/// Two headers are the same when their names are (the resolved name is
/// derived from it).
impl PartialEq for LayoutHeader {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for LayoutHeader {}

/// The name, as written.
impl std::fmt::Debug for LayoutHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.name, f)
    }
}

/// Whether `HeaderName::from_static(name)` accepts `name` (a non-empty
/// token of lower-case letters, digits and the symbols HTTP allows).
const fn is_lower_case_token(name: &str) -> bool {
    const SYMBOLS: &[u8] = b"!#$%&'*+-.^_`|~";
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > 64 {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let mut ok = b.is_ascii_lowercase() || b.is_ascii_digit();
        let mut j = 0;
        while j < SYMBOLS.len() {
            ok |= SYMBOLS[j] == b;
            j += 1;
        }
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

/// The delay headers of a [`HeaderLayout`], ready to read.
#[derive(Clone, Debug)]
pub(crate) struct HintHeaders {
    retry_after: Option<HeaderRef<'static>>,
    limit: Option<HeaderRef<'static>>,
    remaining: Option<HeaderRef<'static>>,
    reset: Option<HeaderRef<'static>>,
    reset_unit: ResetUnit,
    /// Further delay sources (headers and body values).
    sources: &'static [DelaySource],
    /// The header names of the first [`RESOLVED_SOURCES`] sources, resolved
    /// like the others; later sources' names are looked up as text.
    source_headers: [Option<HeaderRef<'static>>; RESOLVED_SOURCES],
    /// The same sources' rate-limit `remaining` headers
    /// ([`WhenSpent::Header`]), resolved: by text, OpenAI's two dimensions
    /// cost about 500 instructions a decode more.
    source_remaining: [Option<HeaderRef<'static>>; RESOLVED_SOURCES],
    min_delay: Option<Duration>,
    /// Whether the layout names any delay header at all.
    any: bool,
    /// Whether any source reads a body value.
    pub(crate) body_sources: bool,
}

impl HintHeaders {
    /// The layout's delay headers, their names resolved in `names` when
    /// given (and valid lower-case names), else looked up as text.
    pub(crate) const fn new(
        layout: &HeaderLayout,
        names: Option<&'static HeaderNames>,
    ) -> HintHeaders {
        let slots = slot_names(layout, None);
        let (limit, remaining, reset, reset_unit) = match layout.rate_limit {
            Some(RateLimitLayout {
                limit,
                remaining,
                reset,
                reset_unit,
            }) => (limit, remaining, reset, reset_unit),
            None => (None, None, None, ResetUnit::Seconds),
        };
        let any = layout.retry_after.is_some()
            || limit.is_some()
            || remaining.is_some()
            || reset.is_some()
            || !layout.delays.is_empty();
        let mut body_sources = false;
        let mut i = 0;
        while i < layout.delays.len() {
            body_sources |= matches!(layout.delays[i].from, DelayFrom::Body(_));
            i += 1;
        }
        HintHeaders {
            retry_after: header_ref(&slots, slot::RETRY_AFTER, names),
            limit: header_ref(&slots, slot::LIMIT, names),
            remaining: header_ref(&slots, slot::REMAINING, names),
            reset: header_ref(&slots, slot::RESET, names),
            reset_unit,
            sources: layout.delays,
            source_headers: [
                header_ref(&slots, slot::SOURCES, names),
                header_ref(&slots, slot::SOURCES + 1, names),
                header_ref(&slots, slot::SOURCES + 2, names),
                header_ref(&slots, slot::SOURCES + 3, names),
            ],
            source_remaining: [
                header_ref(&slots, slot::SOURCE_REMAINING, names),
                header_ref(&slots, slot::SOURCE_REMAINING + 1, names),
                header_ref(&slots, slot::SOURCE_REMAINING + 2, names),
                header_ref(&slots, slot::SOURCE_REMAINING + 3, names),
            ],
            min_delay: layout.min_delay,
            any,
            body_sources,
        }
    }

    /// Reads the hints. Missing, malformed or conflicting headers leave
    /// their hint `None`; only present headers are parsed. A layout without
    /// delay headers (checked in-line, without a call) reads nothing.
    pub(crate) fn read(&self, headers: &HeaderMap) -> DelayHints {
        let mut hints = DelayHints::default();
        self.read_into(headers, &mut hints);
        hints
    }

    /// [`read`](HintHeaders::read) into `hints`, in place.
    #[inline]
    pub(crate) fn read_into(&self, headers: &HeaderMap, hints: &mut DelayHints) {
        if !self.any || headers.is_empty() {
            *hints = DelayHints::default();
            return;
        }
        self.read_headers(headers, hints);
    }

    /// What [`read`](HintHeaders::read) gives as
    /// [`DelayHints::spent_window_reset`], reading no more than it needs:
    /// for pacing, which asks it of every successful response. A layout
    /// without a `remaining` header looks at nothing; otherwise a pass over
    /// the response's header names (no hashing, no values) looks for it,
    /// and only a response that has it is read further.
    #[inline]
    pub(crate) fn spent_window_reset(&self, headers: &HeaderMap) -> Option<RateLimitReset> {
        let remaining = self.remaining?;
        if !remaining.is_named_in(headers) {
            return None;
        }
        self.spent_reset_read(remaining, headers)
    }

    /// [`spent_window_reset`](Self::spent_window_reset) for a response
    /// with a `remaining` header: a window with requests left (most
    /// values are ruled out by their first byte), else its single value,
    /// then the reset.
    #[inline(never)]
    fn spent_reset_read(
        &self,
        remaining: HeaderRef<'_>,
        headers: &HeaderMap,
    ) -> Option<RateLimitReset> {
        if !remaining.all(headers).iter().any(could_read_zero) {
            return None;
        }
        if remaining
            .single_value(headers)
            .and_then(parse_rate_limit_count)
            != Some(0)
        {
            return None;
        }
        let reset = self.reset?.single_value(headers)?;
        parse_rate_limit_reset(reset, self.reset_unit)
    }

    fn read_headers(&self, headers: &HeaderMap, hints: &mut DelayHints) {
        let value = |header: Option<HeaderRef<'_>>| header?.single_value(headers);
        *hints = DelayHints {
            retry_after: self
                .retry_after
                .and_then(|h| longest_retry_after(h.all(headers))),
            rate_limit_limit: value(self.limit).and_then(parse_rate_limit_count),
            rate_limit_remaining: value(self.remaining).and_then(parse_rate_limit_count),
            rate_limit_reset: value(self.reset)
                .and_then(|value| parse_rate_limit_reset(value, self.reset_unit)),
            longest: None,
            latest: None,
            min_delay: self.min_delay,
        };
        for (i, source) in self.sources.iter().enumerate() {
            let DelayFrom::Header(name) = source.from else {
                continue;
            };
            let value = resolved_or_named(&self.source_headers, i, name, headers);
            if let Some(text) = value.and_then(header_text)
                && self.applies(i, source, headers)
            {
                read_source(hints, source, text);
            }
        }
    }

    /// Whether delay source `i` applies: it has no rate-limit dimension,
    /// or that dimension is spent (its `remaining` header is 0 or absent).
    fn applies(&self, i: usize, source: &DelaySource, headers: &HeaderMap) -> bool {
        let WhenSpent::Header(remaining) = source.when else {
            return true;
        };
        resolved_or_named(&self.source_remaining, i, remaining, headers)
            .and_then(parse_rate_limit_count)
            .is_none_or(|left| left == 0)
    }
}

/// The single value of header `name`, looked up by `resolved[i]` when the
/// layout resolved it, else by text.
fn resolved_or_named<'h>(
    resolved: &[Option<HeaderRef<'_>>],
    i: usize,
    name: &str,
    headers: &'h HeaderMap,
) -> Option<&'h HeaderValue> {
    match resolved.get(i) {
        Some(Some(header)) => header.single_value(headers),
        _ => single_value(headers, name),
    }
}

/// Reads one delay source's value `text` into `hints` (the caller checked
/// that the source applies).
///
/// Body sources are read by the decoder, which passes the captured value.
fn read_source(hints: &mut DelayHints, source: &DelaySource, text: &str) {
    let when_param = match source.when {
        WhenSpent::Param(param) => Some(param),
        WhenSpent::Always | WhenSpent::Header(_) => None,
    };
    if let Some(delay) = parse_delay(text, source.format, source.param, when_param) {
        hints.offer(delay, source.name);
    }
}

impl HintHeaders {
    /// Reads the layout's body delay sources from the values the decoder
    /// captured: a string is parsed in the source's format, a number read
    /// as seconds, milliseconds or a Unix timestamp.
    pub(crate) fn read_captured(
        &self,
        hints: &mut DelayHints,
        captures: &Captures<'_>,
        headers: &HeaderMap,
    ) {
        for (i, source) in self.sources.iter().enumerate() {
            let DelayFrom::Body(index) = source.from else {
                continue;
            };
            let applies = || self.applies(i, source, headers);
            match captures.get(index) {
                Some(Captured::Str(text)) if applies() => read_source(hints, source, text),
                Some(Captured::Int(n)) if applies() => read_number(hints, source, *n as f64),
                Some(Captured::Float(x)) if applies() => read_number(hints, source, *x),
                _ => {}
            }
        }
        if hints.min_delay.is_none() {
            hints.min_delay = self.min_delay;
        }
    }
}

fn read_number(hints: &mut DelayHints, source: &DelaySource, value: f64) {
    if let Some(delay) = delay_from_number(value, source.format) {
        hints.offer(delay, source.name);
    }
}

/// Whether the [`DelayFormat`] reads times rather than lengths (for docs and checks).
pub const fn is_absolute(format: DelayFormat) -> bool {
    matches!(
        format,
        DelayFormat::HttpDate | DelayFormat::UnixSeconds | DelayFormat::Rfc3339
    )
}

/// How many delay sources' header names a prepared layout resolves.
const RESOLVED_SOURCES: usize = 4;

/// Parses a `Retry-After` value: delay-seconds (digits only) or an HTTP-date
/// (IMF-fixdate, RFC 850 or asctime, via [`httpdate`]).
///
/// Negative numbers, fractions, lists and anything else give `None`; a
/// number too large for `u64` saturates to [`u64::MAX`] seconds.
///
/// ```
/// use http::HeaderValue;
/// use errspec::RetryAfter;
/// use errspec::__private::hints::parse_retry_after;
///
/// assert_eq!(parse_retry_after(&HeaderValue::from_static("120")), Some(RetryAfter::Seconds(120)));
/// assert!(matches!(
///     parse_retry_after(&HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT")),
///     Some(RetryAfter::Date(_))
/// ));
/// assert_eq!(parse_retry_after(&HeaderValue::from_static("-1")), None);
/// assert_eq!(parse_retry_after(&HeaderValue::from_static("1.5")), Some(RetryAfter::Seconds(2)));
/// ```
pub fn parse_retry_after(value: &HeaderValue) -> Option<RetryAfter> {
    let text = header_text(value)?;
    if let Some(secs) = parse_digits(text) {
        return Some(RetryAfter::Seconds(secs));
    }
    if let Some(Delay::After(d)) = parse_delay(text, DelayFormat::Seconds, None, None) {
        let up = u64::from(d.subsec_nanos() > 0);
        return Some(RetryAfter::Seconds(d.as_secs().saturating_add(up)));
    }
    httpdate::parse_http_date(text).ok().map(RetryAfter::Date)
}

/// The longest of several `Retry-After` values (values that do not parse
/// are skipped): when a server (or a proxy in front of it) sends `1` and
/// `3600`, the safe reading is that it wants an hour, and the retry policy
/// then bounds it (`max_server_delay`). A delay in seconds and a date are
/// compared from the current time.
fn longest_retry_after(values: GetAll<'_, HeaderValue>) -> Option<RetryAfter> {
    let mut parsed = values.iter().filter_map(parse_retry_after);
    let first = parsed.next()?;
    let mut now = None;
    Some(parsed.fold(first, |longest, next| {
        let ends = |r: RetryAfter, now: SystemTime| match r {
            RetryAfter::Seconds(secs) => now.checked_add(Duration::from_secs(secs)),
            RetryAfter::Date(date) => Some(date),
        };
        let (a, b) = match (longest, next) {
            (RetryAfter::Seconds(a), RetryAfter::Seconds(b)) => {
                return RetryAfter::Seconds(a.max(b));
            }
            (RetryAfter::Date(a), RetryAfter::Date(b)) => return RetryAfter::Date(a.max(b)),
            _ => {
                let now = *now.get_or_insert_with(SystemTime::now);
                (ends(longest, now), ends(next, now))
            }
        };
        // `None`: too far ahead to represent, so the longest.
        match (a, b) {
            (None, _) => longest,
            (_, None) => next,
            (Some(a), Some(b)) if b > a => next,
            _ => longest,
        }
    }))
}

/// Whether a header value could be a rate-limit count of 0 (what
/// [`parse_rate_limit_count`] reads as 0: zeros only, around them
/// whitespace). Most values are ruled out by their first byte.
#[inline]
pub fn could_read_zero(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    match bytes.first() {
        Some(b'0' | b' ' | b'\t') => {
            let text = bytes.trim_ascii();
            !text.is_empty() && text.iter().all(|&b| b == b'0')
        }
        _ => false,
    }
}

/// Parses a rate-limit count (`limit` or `remaining`): a non-negative
/// integer, digits only; too large saturates to [`u64::MAX`].
pub fn parse_rate_limit_count(value: &HeaderValue) -> Option<u64> {
    parse_digits(header_text(value)?)
}

/// Parses a rate-limit reset in `unit`: a Unix timestamp in seconds
/// ([`RateLimitReset::At`]) or a number of seconds
/// ([`RateLimitReset::After`]). Digits only; fractions are rejected.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use http::HeaderValue;
/// use errspec::RateLimitReset;
/// use errspec::__private::hints::parse_rate_limit_reset;
/// use errspec::__private::layout::ResetUnit;
///
/// let value = HeaderValue::from_static("1700000000");
/// assert_eq!(
///     parse_rate_limit_reset(&value, ResetUnit::UnixSeconds),
///     Some(RateLimitReset::At(UNIX_EPOCH + Duration::from_secs(1_700_000_000)))
/// );
/// assert_eq!(parse_rate_limit_reset(&value, ResetUnit::Seconds), Some(RateLimitReset::After(1_700_000_000)));
/// ```
pub fn parse_rate_limit_reset(value: &HeaderValue, unit: ResetUnit) -> Option<RateLimitReset> {
    let secs = parse_digits(header_text(value)?)?;
    match unit {
        ResetUnit::Seconds => Some(RateLimitReset::After(secs)),
        // A timestamp beyond what `SystemTime` holds is nonsense anyway.
        ResetUnit::UnixSeconds => UNIX_EPOCH
            .checked_add(Duration::from_secs(secs))
            .map(RateLimitReset::At),
    }
}

/// The header's text without surrounding whitespace, if it is visible ASCII.
pub(crate) fn header_text(value: &HeaderValue) -> Option<&str> {
    let text = value.to_str().ok()?.trim_ascii();
    (!text.is_empty()).then_some(text)
}

/// A run of ASCII digits (no sign, no fraction), saturating at `u64::MAX`.
fn parse_digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hv(s: &'static str) -> HeaderValue {
        HeaderValue::from_static(s)
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    const NOW_SECS: u64 = 1_700_000_000;

    fn now() -> SystemTime {
        UNIX_EPOCH + secs(NOW_SECS)
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after(&hv("0")), Some(RetryAfter::Seconds(0)));
        assert_eq!(
            parse_retry_after(&hv("120")),
            Some(RetryAfter::Seconds(120))
        );
        assert_eq!(parse_retry_after(&hv(" 5 ")), Some(RetryAfter::Seconds(5)));
        assert_eq!(parse_retry_after(&hv("007")), Some(RetryAfter::Seconds(7)));
    }

    #[test]
    fn retry_after_rejects_garbage() {
        for bad in [
            "", " ", "-1", "+5", "1.", ".5", "1e3", "5s", "5, 10", "abc", "0x10", "NaN", "inf",
        ] {
            assert_eq!(parse_retry_after(&hv(bad)), None, "{bad:?}");
        }
        let non_ascii = HeaderValue::from_bytes(b"\xff5").unwrap();
        assert_eq!(parse_retry_after(&non_ascii), None);
    }

    #[test]
    fn retry_after_fractions_round_up() {
        assert_eq!(parse_retry_after(&hv("2.0")), Some(RetryAfter::Seconds(2)));
        assert_eq!(parse_retry_after(&hv("1.5")), Some(RetryAfter::Seconds(2)));
        assert_eq!(
            parse_retry_after(&hv("0.001")),
            Some(RetryAfter::Seconds(1))
        );
    }

    #[test]
    fn retry_after_huge_saturates() {
        assert_eq!(
            parse_retry_after(&hv("99999999999999999999999999999")),
            Some(RetryAfter::Seconds(u64::MAX))
        );
        assert_eq!(
            RetryAfter::Seconds(u64::MAX).delay(now()),
            Duration::from_secs(u64::MAX)
        );
    }

    #[test]
    fn retry_after_http_dates() {
        let expected = UNIX_EPOCH + secs(1_445_412_480);
        for date in [
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "Wednesday, 21-Oct-15 07:28:00 GMT",
            "Wed Oct 21 07:28:00 2015",
        ] {
            assert_eq!(
                parse_retry_after(&hv(date)),
                Some(RetryAfter::Date(expected)),
                "{date}"
            );
        }
        assert_eq!(
            parse_retry_after(&hv("Wed, 32 Oct 2015 07:28:00 GMT")),
            None
        );
    }

    #[test]
    fn retry_after_delay_from_date() {
        let future = RetryAfter::Date(now() + secs(30));
        assert_eq!(future.delay(now()), secs(30));
        let past = RetryAfter::Date(now() - secs(30));
        assert_eq!(past.delay(now()), Duration::ZERO);
    }

    #[test]
    fn counts() {
        assert_eq!(parse_rate_limit_count(&hv("100")), Some(100));
        assert_eq!(parse_rate_limit_count(&hv("0")), Some(0));
        assert_eq!(parse_rate_limit_count(&hv("-3")), None);
        assert_eq!(parse_rate_limit_count(&hv("1.0")), None);
        assert_eq!(
            parse_rate_limit_count(&hv("184467440737095516150")),
            Some(u64::MAX)
        );
    }

    #[test]
    fn resets() {
        assert_eq!(
            parse_rate_limit_reset(&hv("60"), ResetUnit::Seconds),
            Some(RateLimitReset::After(60))
        );
        assert_eq!(
            parse_rate_limit_reset(&hv("1700000060"), ResetUnit::UnixSeconds),
            Some(RateLimitReset::At(UNIX_EPOCH + secs(1_700_000_060)))
        );
        assert_eq!(parse_rate_limit_reset(&hv("1.5"), ResetUnit::Seconds), None);
        assert_eq!(
            parse_rate_limit_reset(&hv("-1"), ResetUnit::UnixSeconds),
            None
        );
        // Saturated, then too far for `SystemTime` on some platforms: never a panic.
        let _ = parse_rate_limit_reset(&hv("99999999999999999999999"), ResetUnit::UnixSeconds);
    }

    #[test]
    fn resolved_names_are_exactly_the_valid_lower_case_ones() {
        // `HeaderName::from_static` panics on anything else; resolving
        // never calls it on a name it would reject.
        for b in 0..=u8::MAX {
            let name = [b'x', b];
            let Ok(text) = std::str::from_utf8(&name) else {
                continue;
            };
            assert_eq!(
                is_lower_case_token(text),
                HeaderName::from_lowercase(&name).is_ok() && b != b'"',
                "{text:?}"
            );
        }
        assert!(!is_lower_case_token(""));
        assert!(!is_lower_case_token("Retry-After"));
        let header = LayoutHeader::new("retry-after", true);
        assert_eq!(header.resolved, Some(http::header::RETRY_AFTER));
        assert_eq!(LayoutHeader::new("Retry-After", true).resolved, None);
        assert_eq!(LayoutHeader::new("retry-after", false).resolved, None);
    }

    #[test]
    fn repeated_headers_must_agree() {
        let mut headers = HeaderMap::new();
        headers.append("retry-after", hv("5"));
        assert_eq!(single_value(&headers, "retry-after"), Some(&hv("5")));
        headers.append("retry-after", hv("5"));
        assert_eq!(single_value(&headers, "retry-after"), Some(&hv("5")));
        headers.append("retry-after", hv("6"));
        assert_eq!(single_value(&headers, "retry-after"), None);
        assert_eq!(single_value(&headers, "x-missing"), None);
    }

    /// `layout`'s names, resolved, as generated code keeps them in a `static`.
    fn names(layout: &HeaderLayout) -> &'static HeaderNames {
        let layout = ApiLayout {
            body: crate::layout::BodyLayout::JSON,
            headers: *layout,
        };
        Box::leak(Box::new(HeaderNames::new(&layout)))
    }

    fn layout() -> HeaderLayout {
        HeaderLayout {
            retry_after: Some("retry-after"),
            request_id: Some("x-request-id"),
            rate_limit: Some(RateLimitLayout {
                limit: Some("x-ratelimit-limit"),
                remaining: Some("x-ratelimit-remaining"),
                reset: Some("x-ratelimit-reset"),
                reset_unit: ResetUnit::UnixSeconds,
            }),
            ..HeaderLayout::NONE
        }
    }

    #[test]
    fn only_a_value_of_zeros_could_read_zero() {
        let reads = |text: &'static str| could_read_zero(&hv(text));
        assert!(reads("0") && reads(" 00 ") && reads("\t0"));
        assert!(!reads("10") && !reads("") && !reads(" ") && !reads("0.0") && !reads("-0"));
        // Never a false "no": every value the parser reads as 0 passes.
        for text in ["0", "00", " 0", "0 ", "\t000\t"] {
            assert_eq!(parse_rate_limit_count(&hv(text)), Some(0), "{text:?}");
            assert!(reads(text), "{text:?}");
        }
    }

    /// The spent-window reset read alone (for every success) agrees with
    /// the one the full read gives, resolved names or not, and a layout
    /// without a `remaining` header never has one.
    #[test]
    fn spent_window_reset_agrees_with_the_full_read() {
        let remaining = [None, Some("0"), Some(" 00 "), Some("3"), Some("zero")];
        let resets = [None, Some("1700000060"), Some("soon")];
        let cases = remaining.into_iter().flat_map(|r| {
            resets
                .into_iter()
                .flat_map(move |t| [(r, t, false), (r, t, true)])
        });
        for (left, reset, twice) in cases {
            let mut headers = HeaderMap::new();
            headers.insert("content-type", hv("text/plain"));
            headers.insert("x-other", hv("0"));
            if let Some(left) = left {
                headers.append("X-RateLimit-Remaining", hv(left));
                if twice {
                    // A second, conflicting value: no count at all.
                    headers.append("x-ratelimit-remaining", hv("7"));
                }
            }
            if let Some(reset) = reset {
                headers.insert("x-ratelimit-reset", hv(reset));
            }
            let full = DelayHints::from_headers(&layout(), &headers).spent_window_reset();
            for resolve in [false, true] {
                let hints = HintHeaders::new(&layout(), resolve.then(|| names(&layout())));
                assert_eq!(
                    hints.spent_window_reset(&headers),
                    full,
                    "{left:?} {reset:?} twice {twice} resolved {resolve}"
                );
            }
            let spent = left.is_some_and(|l| l.trim() == "0" || l.trim() == "00") && !twice;
            assert_eq!(full.is_some(), spent && reset == Some("1700000060"));
            let none = HintHeaders::new(&HeaderLayout::NONE, Some(names(&HeaderLayout::NONE)));
            assert_eq!(none.spent_window_reset(&headers), None);
        }
        // A hand-written layout's name in capitals, looked up as text.
        let shouting = HeaderLayout {
            rate_limit: Some(RateLimitLayout {
                limit: None,
                remaining: Some("X-RateLimit-Remaining"),
                reset: Some("X-RateLimit-Reset"),
                reset_unit: ResetUnit::Seconds,
            }),
            ..HeaderLayout::NONE
        };
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", hv("0"));
        headers.insert("x-ratelimit-reset", hv("30"));
        assert_eq!(
            HintHeaders::new(&shouting, Some(names(&shouting))).spent_window_reset(&headers),
            Some(RateLimitReset::After(30))
        );
    }

    #[test]
    fn from_headers_reads_every_hint() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", hv("3"));
        headers.insert("x-ratelimit-limit", hv("100"));
        headers.insert("x-ratelimit-remaining", hv("0"));
        headers.insert("x-ratelimit-reset", hv("1700000060"));
        let hints = DelayHints::from_headers(&layout(), &headers);
        assert_eq!(
            hints,
            DelayHints {
                retry_after: Some(RetryAfter::Seconds(3)),
                rate_limit_limit: Some(100),
                rate_limit_remaining: Some(0),
                rate_limit_reset: Some(RateLimitReset::At(UNIX_EPOCH + secs(1_700_000_060))),
                ..DelayHints::default()
            }
        );
        assert!(!hints.is_empty());
    }

    /// Several `Retry-After` values that disagree: the longest wins (the
    /// policy bounds it); values that do not parse are skipped.
    #[test]
    fn the_longest_of_several_retry_afters_wins() {
        let read = |values: &[&'static str]| {
            let mut headers = HeaderMap::new();
            for v in values {
                headers.append("retry-after", hv(v));
            }
            DelayHints::from_headers(&layout(), &headers).retry_after
        };
        assert_eq!(read(&["1", "3600"]), Some(RetryAfter::Seconds(3600)));
        assert_eq!(read(&["3600", "1"]), Some(RetryAfter::Seconds(3600)));
        assert_eq!(read(&["soon", "7", "-1"]), Some(RetryAfter::Seconds(7)));
        assert_eq!(read(&["soon", "later"]), None);
        let old = "Wed, 21 Oct 2015 07:28:00 GMT";
        let new = "Wed, 21 Oct 2099 07:28:00 GMT";
        assert_eq!(read(&[old, new]), read(&[new]));
        // A date long past against seconds: the seconds are longer.
        assert_eq!(read(&[old, "5"]), Some(RetryAfter::Seconds(5)));
        // A date far ahead against seconds: the date.
        assert_eq!(read(&["5", new]), read(&[new]));
    }

    #[test]
    fn from_headers_drops_conflicts_and_garbage() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-limit", hv("lots"));
        headers.append("x-ratelimit-remaining", hv("1"));
        headers.append("x-ratelimit-remaining", hv("1"));
        let hints = DelayHints::from_headers(&layout(), &headers);
        assert_eq!(
            hints,
            DelayHints {
                rate_limit_remaining: Some(1),
                ..DelayHints::default()
            }
        );
    }

    #[test]
    fn from_headers_without_layout_reads_nothing() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", hv("3"));
        let none = HeaderLayout::NONE;
        assert!(DelayHints::from_headers(&none, &headers).is_empty());
    }

    #[test]
    fn server_delay_takes_the_longest() {
        let hints = DelayHints {
            retry_after: Some(RetryAfter::Seconds(2)),
            rate_limit_remaining: Some(0),
            rate_limit_reset: Some(RateLimitReset::After(50)),
            ..DelayHints::default()
        };
        assert_eq!(
            hints.server_delay_with_source(now()),
            Some((secs(50), DelayOrigin::RateLimitReset))
        );
        let longer_retry_after = DelayHints {
            retry_after: Some(RetryAfter::Seconds(80)),
            ..hints
        };
        assert_eq!(
            longer_retry_after.server_delay_with_source(now()),
            Some((secs(80), DelayOrigin::RetryAfter))
        );
        let mut sourced = DelayHints::default();
        sourced.offer(Delay::After(secs(3)), "retry-after-ms");
        sourced.offer(Delay::After(secs(1)), "x-other");
        sourced.offer(
            Delay::At(now() + secs(9)),
            "anthropic-ratelimit-requests-reset",
        );
        assert_eq!(
            sourced.server_delay_with_source(now()),
            Some((
                secs(9),
                DelayOrigin::Source("anthropic-ratelimit-requests-reset")
            ))
        );
        sourced.min_delay = Some(secs(20));
        assert_eq!(
            sourced.server_delay_with_source(now()),
            Some((secs(20), DelayOrigin::MinDelay))
        );
        // The floor applies only to a delay the server sent.
        let floor_only = DelayHints {
            min_delay: Some(secs(20)),
            ..DelayHints::default()
        };
        assert_eq!(floor_only.server_delay(now()), None);
    }

    #[test]
    fn further_sources_from_headers() {
        static SOURCES: [DelaySource; 3] = [
            DelaySource {
                from: DelayFrom::Header("retry-after-ms"),
                format: DelayFormat::Milliseconds,
                param: None,
                when: WhenSpent::Always,
                name: "retry-after-ms",
            },
            DelaySource {
                from: DelayFrom::Header("x-ratelimit-reset-tokens"),
                format: DelayFormat::Duration,
                param: None,
                when: WhenSpent::Header("x-ratelimit-remaining-tokens"),
                name: "x-ratelimit-reset-tokens",
            },
            DelaySource {
                from: DelayFrom::Header("ratelimit"),
                format: DelayFormat::Structured,
                param: Some("t"),
                when: WhenSpent::Param("r"),
                name: "RateLimit",
            },
        ];
        let layout = HeaderLayout {
            delays: &SOURCES,
            ..HeaderLayout::NONE
        };
        let mut headers = HeaderMap::new();
        headers.insert("retry-after-ms", hv("1500"));
        headers.insert("x-ratelimit-reset-tokens", hv("6m0s"));
        headers.insert("x-ratelimit-remaining-tokens", hv("12"));
        let hints = DelayHints::from_headers(&layout, &headers);
        assert_eq!(
            hints.server_delay_with_source(now()),
            Some((
                Duration::from_millis(1500),
                DelayOrigin::Source("retry-after-ms")
            ))
        );
        headers.insert("x-ratelimit-remaining-tokens", hv("0"));
        headers.insert("ratelimit", hv(r#""default";r=0;t=20"#));
        let hints = DelayHints::from_headers(&layout, &headers);
        assert_eq!(
            hints.server_delay_with_source(now()),
            Some((secs(360), DelayOrigin::Source("x-ratelimit-reset-tokens")))
        );
    }

    #[test]
    fn server_delay_from_reset() {
        let at = |offset: i64| {
            let t = if offset >= 0 {
                now() + secs(offset.unsigned_abs())
            } else {
                now() - secs(offset.unsigned_abs())
            };
            DelayHints {
                rate_limit_reset: Some(RateLimitReset::At(t)),
                ..DelayHints::default()
            }
        };
        assert_eq!(at(40).server_delay(now()), Some(secs(40)));
        assert_eq!(at(-40).server_delay(now()), Some(Duration::ZERO));
        // A timestamp in milliseconds by mistake: decades ahead, ignored.
        let millis = DelayHints {
            rate_limit_reset: Some(RateLimitReset::At(UNIX_EPOCH + secs(NOW_SECS * 1000))),
            ..DelayHints::default()
        };
        assert_eq!(millis.server_delay(now()), None);
        let after = DelayHints {
            rate_limit_reset: Some(RateLimitReset::After(10)),
            ..DelayHints::default()
        };
        assert_eq!(after.server_delay(now()), Some(secs(10)));
        let absurd = DelayHints {
            rate_limit_reset: Some(RateLimitReset::After(u64::MAX)),
            ..DelayHints::default()
        };
        assert_eq!(absurd.server_delay(now()), None);
    }

    #[test]
    fn server_delay_ignores_reset_while_requests_remain() {
        let hints = DelayHints {
            rate_limit_remaining: Some(5),
            rate_limit_reset: Some(RateLimitReset::After(10)),
            ..DelayHints::default()
        };
        assert_eq!(hints.server_delay(now()), None);
        assert_eq!(DelayHints::default().server_delay(now()), None);
    }

    #[test]
    fn past_retry_after_date_means_no_wait() {
        let hints = DelayHints {
            retry_after: Some(RetryAfter::Date(now() - secs(1))),
            ..DelayHints::default()
        };
        assert_eq!(hints.server_delay(now()), Some(Duration::ZERO));
    }
}
