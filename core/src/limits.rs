//! Documented rate limits, as a catalog states them (`limits:`): data for
//! the client's pacing (`errspec::pacing`).

use std::time::Duration;

/// A documented rate limit: at most `requests` per `per`, counted per `scope`.
///
/// ```
/// use std::time::Duration;
/// use errspec_core::limits::{LimitScope, RateLimit};
///
/// let limit = RateLimit::new(2, Duration::from_secs(1), LimitScope::Account);
/// assert_eq!(limit.interval(), Duration::from_millis(500));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// Requests allowed per interval (at least 1).
    pub requests: u32,
    /// The interval.
    pub per: Duration,
    /// What the provider counts them against.
    pub scope: LimitScope,
}

impl RateLimit {
    /// `requests` per `per`, counted per `scope`.
    pub const fn new(requests: u32, per: Duration, scope: LimitScope) -> RateLimit {
        RateLimit {
            requests,
            per,
            scope,
        }
    }

    /// The spacing GCRA keeps between two sends: `per / requests`.
    pub fn interval(&self) -> Duration {
        self.per / self.requests.max(1)
    }
}

/// What a [`RateLimit`] is counted against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimitScope {
    /// The account: every key of it (`Pacing::account` names it; without
    /// a name, each credential is taken for an account of its own).
    Account,
    /// One API key (credential), whatever account it belongs to.
    ApiKey,
}

impl LimitScope {
    /// The name used in catalogs: `account` or `api_key`.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitScope::Account => "account",
            LimitScope::ApiKey => "api_key",
        }
    }
}
