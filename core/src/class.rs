use std::fmt;
use std::str::FromStr;

/// How a failed request may be retried. The same four names are used in
/// spec files, generated code, docs and tools.
///
/// Serialized as its name ([`as_str`](RetryClass::as_str)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RetryClass {
    /// Do not retry without changing the request.
    Never,
    /// Transient: retry with exponential backoff and jitter.
    Backoff,
    /// Wait for the server's delay (`Retry-After`, rate-limit reset), else back off.
    Throttled,
    /// The request may already have been processed: retry only when the
    /// operation is idempotent or carries an idempotency key.
    Ambiguous,
}

impl RetryClass {
    /// Every class, in declaration order.
    pub const ALL: [RetryClass; 4] = [
        RetryClass::Never,
        RetryClass::Backoff,
        RetryClass::Throttled,
        RetryClass::Ambiguous,
    ];

    /// The class's name as written in specs: `never`, `backoff`, `throttled`, `ambiguous`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RetryClass::Never => "never",
            RetryClass::Backoff => "backoff",
            RetryClass::Throttled => "throttled",
            RetryClass::Ambiguous => "ambiguous",
        }
    }

    /// One sentence on what a client does with an error of this class.
    pub const fn meaning(self) -> &'static str {
        match self {
            RetryClass::Never => "do not retry without changing the request",
            RetryClass::Backoff => "transient: retry with exponential backoff and jitter",
            RetryClass::Throttled => {
                "wait for the server's delay (Retry-After, rate-limit reset), else back off"
            }
            RetryClass::Ambiguous => {
                "the request may have been processed: retry only when idempotent or keyed"
            }
        }
    }
}

impl serde::Serialize for RetryClass {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit_variant("RetryClass", *self as u32, self.as_str())
    }
}

impl fmt::Display for RetryClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string is not one of the retry class names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseRetryClassError(pub String);

impl fmt::Display for ParseRetryClassError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown retry class `{}`; expected one of ", self.0)?;
        for (i, class) in RetryClass::ALL.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{class}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseRetryClassError {}

impl FromStr for RetryClass {
    type Err = ParseRetryClassError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RetryClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| ParseRetryClassError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for class in RetryClass::ALL {
            assert_eq!(class.as_str().parse::<RetryClass>(), Ok(class));
        }
        assert!("retry".parse::<RetryClass>().is_err());
    }
}
