//! How an error's retry class is decided, and what decided it.
//!
//! One function, [`Classifier::decide`], used by generated code, the
//! derive and the generator's own interpreter:
//!
//! ```text
//! server directive (header) → first matching rule → code's retry → status table → defaults
//! ```
//!
//! An API's rules and directive header are data (a `static` [`Classifier`]
//! in generated code); the facts of one response ([`Facts`]) are borrowed
//! from it. Evaluation never allocates and never panics.
//!
//! ```
//! use errspec::RetryClass;
//! use errspec::__private::hints::LayoutHeader;
//! use errspec::__private::rules::{Classifier, Condition, DecidedBy, Facts, Rule, StatusRange, Test};
//!
//! // Header names are resolved at compile time, each in a `static`.
//! static REMAINING: LayoutHeader = LayoutHeader::resolved("x-ratelimit-remaining");
//! // GitHub: a 403 with no requests left is its primary rate limit.
//! static CLASSIFIER: Classifier = Classifier {
//!     should_retry: None,
//!     rules: &[Rule {
//!         name: Some("primary_rate_limit"),
//!         when: &[
//!             Condition::Status(&[StatusRange::one(403)]),
//!             Condition::Header(&REMAINING, Test::Equals("0")),
//!         ],
//!         retry: RetryClass::Throttled,
//!     }],
//! };
//!
//! let mut headers = http::HeaderMap::new();
//! headers.insert("x-ratelimit-remaining", http::HeaderValue::from_static("0"));
//! let facts = Facts::new(403, &headers);
//! let (class, by) = CLASSIFIER.decide(&facts, None, Some(RetryClass::Never), RetryClass::Never);
//! assert_eq!(class, RetryClass::Throttled);
//! assert_eq!(by, DecidedBy::Rule { index: 0, name: Some("primary_rate_limit") });
//!
//! // The same 403 with requests left is a permission error: the status table decides.
//! let no_headers = http::HeaderMap::new();
//! let facts = Facts::new(403, &no_headers);
//! let (class, by) = CLASSIFIER.decide(&facts, None, Some(RetryClass::Never), RetryClass::Never);
//! assert_eq!((class, by), (RetryClass::Never, DecidedBy::Status));
//! ```

use std::fmt;

use http::HeaderMap;

use crate::RetryClass;
use crate::decode::{Captured, Captures};
use crate::hints::{LayoutHeader, header_text};

/// What decided an error's retry class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecidedBy {
    /// The server's retry directive header (`x-should-retry`, `Stripe-Should-Retry`).
    Directive,
    /// A rule of the catalog's `rules`: its position (from 0) and name, if it has one.
    Rule {
        /// The rule's position in `rules`, from 0.
        index: usize,
        /// The rule's `name`.
        name: Option<&'static str>,
    },
    /// The code's own `retry` class.
    Code,
    /// The status table.
    Status,
    /// The API's `defaults` for an unlisted status.
    Default,
}

impl fmt::Display for DecidedBy {
    /// `directive`, `rule primary_rate_limit` (or `rule #2`, counting from
    /// 1, for a rule without a name), `code`, `status`, `default`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DecidedBy::Directive => f.write_str("directive"),
            DecidedBy::Rule {
                name: Some(name), ..
            } => write!(f, "rule {name}"),
            DecidedBy::Rule { index, name: None } => write!(f, "rule #{}", index + 1),
            DecidedBy::Code => f.write_str("code"),
            DecidedBy::Status => f.write_str("status"),
            DecidedBy::Default => f.write_str("default"),
        }
    }
}

impl serde::Serialize for DecidedBy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A test on one value of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Test {
    /// The value is present and is exactly this text.
    Equals(&'static str),
    /// The value is present and is not this text.
    NotEquals(&'static str),
    /// The value is present and is one of these texts.
    In(&'static [&'static str]),
    /// The value is present (`true`) or absent (`false`).
    Present(bool),
    /// The value is present and contains this text, ignoring ASCII case.
    Contains(&'static str),
}

impl Test {
    /// Whether `value` (the text of a header, a code, a message or a body
    /// value; `None` when absent) passes.
    #[inline(always)]
    pub fn holds(&self, value: Option<&str>) -> bool {
        match (*self, value) {
            (Test::Present(present), value) => value.is_some() == present,
            (_, None) => false,
            (Test::Equals(expected), Some(value)) => value == expected,
            (Test::NotEquals(other), Some(value)) => value != other,
            (Test::In(texts), Some(value)) => texts.contains(&value),
            (Test::Contains(needle), Some(value)) => contains_ignore_ascii_case(value, needle),
        }
    }
}

impl Test {
    /// Whether a captured body value passes. A string compares as text; an
    /// integer, float or boolean compares with the test's text read as one
    /// (`equals: 0` holds for `0`, `equals: false` for `false`); `contains`
    /// looks only in strings. `null` counts as absent; an object or array is
    /// present but equals nothing.
    #[inline(always)]
    pub fn holds_captured(&self, value: Option<&Captured<'_>>) -> bool {
        let value = match value {
            None | Some(Captured::Null) => return self.holds(None),
            Some(value) => value,
        };
        let same = |text: &str| same_value(value, text);
        match *self {
            Test::Present(present) => present,
            Test::Equals(text) => same(text),
            Test::NotEquals(text) => !same(text),
            Test::In(texts) => texts.iter().any(|t| same(t)),
            Test::Contains(needle) => match value {
                Captured::Str(s) => contains_ignore_ascii_case(s, needle),
                _ => false,
            },
        }
    }
}

/// Whether a captured scalar equals a test's text read as one (see
/// [`Test::holds_captured`]).
#[inline]
fn same_value(value: &Captured<'_>, text: &str) -> bool {
    match *value {
        Captured::Str(ref s) => s == text,
        Captured::Int(n) => trimmed(text).parse::<i64>() == Ok(n),
        Captured::Float(x) => trimmed(text).parse::<f64>() == Ok(x),
        // What `parse::<bool>` accepts, compared as constants (no parse,
        // no `memcmp` call).
        Captured::Bool(b) => matches!((b, trimmed(text)), (true, "true") | (false, "false")),
        _ => false,
    }
}

/// `text.trim()`, without its scan for Unicode white space when `text`
/// starts and ends with a visible ASCII character, as a test's text
/// (`0`, `false`) does: about 30 instructions less a test.
#[inline]
fn trimmed(text: &str) -> &str {
    match text.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        [only] if only.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// Whether `haystack` contains `needle`, ASCII letters compared without
/// case (other characters exactly). No allocation.
pub fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// An inclusive range of statuses: `403` is `403..=403`, `4xx` is `400..=499`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusRange {
    /// The first status.
    pub first: u16,
    /// The last status.
    pub last: u16,
}

impl StatusRange {
    /// One status.
    pub const fn one(status: u16) -> StatusRange {
        StatusRange {
            first: status,
            last: status,
        }
    }

    /// A status class: `4` for 4xx.
    pub const fn class(hundreds: u16) -> StatusRange {
        StatusRange {
            first: hundreds * 100,
            last: hundreds * 100 + 99,
        }
    }

    fn contains(self, status: u16) -> bool {
        (self.first..=self.last).contains(&status)
    }
}

/// One condition of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// The status is in one of these ranges.
    Status(&'static [StatusRange]),
    /// The decoded code (its text; an integer code in decimal).
    Code(Test),
    /// A response header (lower-case name). A header repeated with
    /// different values counts as absent. Resolved once, in a `static`
    /// (looked up by text, a header costs 200–400 instructions more).
    Header(&'static LayoutHeader, Test),
    /// The decoded message.
    Message(Test),
    /// A body value: the capture with this index, of the layout's captures
    /// (see [`Test::holds_captured`] for how values compare).
    Field(usize, Test),
}

impl Condition {
    /// Whether the condition holds for `facts`.
    // `inline(always)` (with `Test::holds` and `Test::holds_captured`): the
    // conditions of generated code are constants, folded once inlined (a
    // layout's `present` test becomes a load and a compare; callgrind,
    // Twilio's legacy body 3665 -> 3590).
    #[inline(always)]
    pub fn holds(&self, facts: &Facts<'_>) -> bool {
        match *self {
            Condition::Status(ranges) => ranges.iter().any(|r| r.contains(facts.status)),
            Condition::Code(test) => test.holds(facts.code),
            Condition::Header(header, test) => {
                test.holds(header.single_value(facts.headers).and_then(header_text))
            }
            Condition::Message(test) => test.holds(facts.message),
            Condition::Field(index, test) => {
                test.holds_captured(facts.captures.and_then(|c| c.get(index)))
            }
        }
    }
}

/// A rule: when every condition holds, the error has this class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The rule's name, shown in docs and [`DecidedBy::Rule`].
    pub name: Option<&'static str>,
    /// Its conditions, all of which must hold (none: always).
    pub when: &'static [Condition],
    /// The class it sets.
    pub retry: RetryClass,
}

impl Rule {
    /// Whether every condition holds for `facts`.
    pub fn matches(&self, facts: &Facts<'_>) -> bool {
        self.when.iter().all(|c| c.holds(facts))
    }
}

/// The facts of one response that rules test.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Facts<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: &'a HeaderMap,
    /// The decoded code's text (an integer code in decimal), if any.
    pub code: Option<&'a str>,
    /// The decoded message, if any.
    pub message: Option<&'a str>,
    /// The body values the layout captured, if any.
    pub captures: Option<&'a Captures<'a>>,
}

impl<'a> Facts<'a> {
    /// The facts of a response with this status and these headers, and no
    /// code or message.
    pub fn new(status: u16, headers: &'a HeaderMap) -> Facts<'a> {
        Facts {
            status,
            headers,
            code: None,
            message: None,
            captures: None,
        }
    }

    /// With the body values the layout captured.
    pub fn captures(mut self, captures: &'a Captures<'a>) -> Facts<'a> {
        self.captures = Some(captures);
        self
    }

    /// With the decoded code's text.
    pub fn code(mut self, code: Option<&'a str>) -> Facts<'a> {
        self.code = code;
        self
    }

    /// With the decoded message.
    pub fn message(mut self, message: Option<&'a str>) -> Facts<'a> {
        self.message = message;
        self
    }
}

/// An API's class decision: its server directive header and its rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Classifier {
    /// A header by which the server says whether to retry
    /// (`x-should-retry: true|false`), lower-case; resolved once, in a
    /// `static`, as [`Condition::Header`]'s are.
    pub should_retry: Option<&'static LayoutHeader>,
    /// The rules, in order: the first that matches decides.
    pub rules: &'static [Rule],
}

impl Classifier {
    /// No directive and no rules: the code, then the status, decide.
    pub const NONE: Classifier = Classifier {
        should_retry: None,
        rules: &[],
    };

    /// The retry class of a response, and what decided it:
    ///
    /// 1. the first rule whose conditions all hold, else
    /// 2. `code_class`, the code's own `retry`, else
    /// 3. `status_class`, the status table's class for a listed status, else
    /// 4. `default_class`, the API's `defaults` for the status.
    ///
    /// Then the server directive, when the response carries one: `false`
    /// makes any class [`RetryClass::Never`]; `true` keeps
    /// [`RetryClass::Throttled`] and makes every other class
    /// [`RetryClass::Backoff`] (the server says a repeat is safe). Any
    /// other value, or the header repeated with different values, is no
    /// directive.
    #[inline]
    pub fn decide(
        &self,
        facts: &Facts<'_>,
        code_class: Option<RetryClass>,
        status_class: Option<RetryClass>,
        default_class: RetryClass,
    ) -> (RetryClass, DecidedBy) {
        let rule = self
            .rules
            .iter()
            .enumerate()
            .find(|(_, rule)| rule.matches(facts));
        let decided = match rule {
            Some((index, rule)) => (
                rule.retry,
                DecidedBy::Rule {
                    index,
                    name: rule.name,
                },
            ),
            None => by_tables(code_class, status_class, default_class),
        };
        match self.should_retry.and_then(|h| directive(facts.headers, h)) {
            Some(false) => (RetryClass::Never, DecidedBy::Directive),
            Some(true) if decided.0 == RetryClass::Throttled => {
                (RetryClass::Throttled, DecidedBy::Directive)
            }
            Some(true) => (RetryClass::Backoff, DecidedBy::Directive),
            None => decided,
        }
    }
}

/// The class the tables give, and which: the code's own `retry`, else the
/// listed status's class, else the default. (What [`Classifier::decide`]
/// falls back to when no rule matches; generated code calls it directly for
/// an API without rules or directive.)
#[inline]
pub fn by_tables(
    code_class: Option<RetryClass>,
    status_class: Option<RetryClass>,
    default_class: RetryClass,
) -> (RetryClass, DecidedBy) {
    match (code_class, status_class) {
        (Some(class), _) => (class, DecidedBy::Code),
        (None, Some(class)) => (class, DecidedBy::Status),
        (None, None) => (default_class, DecidedBy::Default),
    }
}

/// A retry directive header's value: `true` or `false` (ASCII case
/// ignored, surrounding whitespace trimmed); anything else is `None`.
pub fn directive(headers: &HeaderMap, header: &LayoutHeader) -> Option<bool> {
    let text = header.single_value(headers).and_then(header_text)?;
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    static REMAINING: LayoutHeader = LayoutHeader::resolved("x-ratelimit-remaining");
    static STRIPE_SHOULD_RETRY: LayoutHeader = LayoutHeader::resolved("stripe-should-retry");

    static GITHUB: Classifier = Classifier {
        should_retry: None,
        rules: &[
            Rule {
                name: Some("primary_rate_limit"),
                when: &[
                    Condition::Status(&[StatusRange::one(403), StatusRange::one(429)]),
                    Condition::Header(&REMAINING, Test::Equals("0")),
                ],
                retry: RetryClass::Throttled,
            },
            Rule {
                name: None,
                when: &[
                    Condition::Status(&[StatusRange::class(4)]),
                    Condition::Message(Test::Contains("secondary rate limit")),
                ],
                retry: RetryClass::Throttled,
            },
        ],
    };

    fn decide(c: &Classifier, facts: &Facts<'_>) -> (RetryClass, DecidedBy) {
        c.decide(facts, None, Some(RetryClass::Never), RetryClass::Never)
    }

    #[test]
    fn first_matching_rule_decides() {
        let h = headers(&[("x-ratelimit-remaining", "0")]);
        assert_eq!(
            decide(&GITHUB, &Facts::new(403, &h)),
            (
                RetryClass::Throttled,
                DecidedBy::Rule {
                    index: 0,
                    name: Some("primary_rate_limit")
                }
            )
        );
        let h = headers(&[("x-ratelimit-remaining", "12")]);
        assert_eq!(
            decide(&GITHUB, &Facts::new(403, &h)),
            (RetryClass::Never, DecidedBy::Status)
        );
        let facts = Facts::new(403, &h).message(Some(
            "You have exceeded a Secondary Rate Limit. Please wait a few minutes.",
        ));
        let (class, by) = decide(&GITHUB, &facts);
        assert_eq!(class, RetryClass::Throttled);
        assert_eq!(by.to_string(), "rule #2");
        // Conflicting repeated headers are no value.
        let h = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-remaining", "3"),
        ]);
        assert_eq!(decide(&GITHUB, &Facts::new(403, &h)).1, DecidedBy::Status);
    }

    #[test]
    fn code_then_status_then_default() {
        let h = HeaderMap::new();
        let f = Facts::new(418, &h);
        let none = Classifier::NONE;
        assert_eq!(
            none.decide(
                &f,
                Some(RetryClass::Backoff),
                Some(RetryClass::Never),
                RetryClass::Never
            ),
            (RetryClass::Backoff, DecidedBy::Code)
        );
        assert_eq!(
            none.decide(&f, None, Some(RetryClass::Ambiguous), RetryClass::Never),
            (RetryClass::Ambiguous, DecidedBy::Status)
        );
        assert_eq!(
            none.decide(&f, None, None, RetryClass::Never),
            (RetryClass::Never, DecidedBy::Default)
        );
    }

    #[test]
    fn directive_overrides_everything() {
        let stripe = Classifier {
            should_retry: Some(&STRIPE_SHOULD_RETRY),
            rules: GITHUB.rules,
        };
        let throttled = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("stripe-should-retry", "TRUE"),
        ]);
        assert_eq!(
            decide(&stripe, &Facts::new(403, &throttled)),
            (RetryClass::Throttled, DecidedBy::Directive)
        );
        let yes = headers(&[("stripe-should-retry", " true ")]);
        assert_eq!(
            decide(&stripe, &Facts::new(409, &yes)),
            (RetryClass::Backoff, DecidedBy::Directive)
        );
        let no = headers(&[("stripe-should-retry", "false")]);
        assert_eq!(
            stripe.decide(
                &Facts::new(500, &no),
                None,
                Some(RetryClass::Ambiguous),
                RetryClass::Backoff
            ),
            (RetryClass::Never, DecidedBy::Directive)
        );
        for other in ["1", "yes", ""] {
            let h = headers(&[("stripe-should-retry", other)]);
            assert_eq!(
                decide(&stripe, &Facts::new(409, &h)).1,
                DecidedBy::Status,
                "{other:?}"
            );
        }
    }

    #[test]
    fn tests_on_values() {
        assert!(Test::Present(false).holds(None));
        assert!(!Test::Present(true).holds(None));
        assert!(Test::Present(true).holds(Some("")));
        assert!(!Test::Equals("0").holds(None));
        assert!(!Test::NotEquals("0").holds(None));
        assert!(Test::NotEquals("0").holds(Some("10")));
        assert!(Test::In(&["a", "b"]).holds(Some("b")));
        assert!(Test::Contains("RATE").holds(Some("secondary rate limit")));
        assert!(Test::Contains("").holds(Some("")));
        assert!(!Test::Contains("limité").holds(Some("LIMITÉ")));
        assert!(!Test::Contains("long needle").holds(Some("short")));
    }

    #[test]
    fn tests_on_captured_values() {
        use std::borrow::Cow;
        let s = Captured::Str(Cow::Borrowed("api_error"));
        assert!(Test::Equals("api_error").holds_captured(Some(&s)));
        assert!(Test::Contains("API").holds_captured(Some(&s)));
        assert!(Test::Equals("0").holds_captured(Some(&Captured::Int(0))));
        assert!(Test::NotEquals("0").holds_captured(Some(&Captured::Int(406))));
        assert!(!Test::NotEquals("0").holds_captured(None));
        assert!(Test::Equals("false").holds_captured(Some(&Captured::Bool(false))));
        assert!(Test::Equals("0.5").holds_captured(Some(&Captured::Float(0.5))));
        assert!(Test::Present(false).holds_captured(Some(&Captured::Null)));
        assert!(Test::Present(true).holds_captured(Some(&Captured::Object)));
        assert!(!Test::Equals("x").holds_captured(Some(&Captured::Array(1))));
        assert!(!Test::Contains("1").holds_captured(Some(&Captured::Int(1))));
        // A test's text is read with white space (ASCII or not) trimmed,
        // and as `parse` reads it (`+5` is 5; `False` is not a boolean).
        let int = |n| Captured::Int(n);
        assert!(Test::Equals(" 7\n").holds_captured(Some(&int(7))));
        assert!(Test::Equals("\u{a0}7\u{2003}").holds_captured(Some(&int(7))));
        assert!(Test::Equals("+5").holds_captured(Some(&int(5))));
        assert!(Test::In(&["", "x", "8"]).holds_captured(Some(&int(8))));
        assert!(!Test::Equals("").holds_captured(Some(&int(0))));
        assert!(Test::Equals("\ttrue ").holds_captured(Some(&Captured::Bool(true))));
        assert!(Test::Equals("\u{3000}true").holds_captured(Some(&Captured::Bool(true))));
        assert!(!Test::Equals("False").holds_captured(Some(&Captured::Bool(false))));
        assert!(!Test::Equals("true").holds_captured(Some(&Captured::Bool(false))));
        assert!(Test::Equals(" 0.5").holds_captured(Some(&Captured::Float(0.5))));
    }

    #[test]
    fn decided_by_names() {
        let names: Vec<String> = [
            DecidedBy::Directive,
            DecidedBy::Rule {
                index: 0,
                name: Some("x"),
            },
            DecidedBy::Rule {
                index: 4,
                name: None,
            },
            DecidedBy::Code,
            DecidedBy::Status,
            DecidedBy::Default,
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            names,
            [
                "directive",
                "rule x",
                "rule #5",
                "code",
                "status",
                "default"
            ]
        );
    }
}
