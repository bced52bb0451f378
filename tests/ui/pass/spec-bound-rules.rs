//! A derived enum bound to a catalog with rules and a retry directive
//! answers as the generated type: the variants the rules can reach keep
//! the decided class.

use errspec::{ApiError, DecidedBy, RetryClass};
use http::{HeaderMap, HeaderValue, StatusCode};

#[derive(Debug, ApiError)]
#[errspec(spec = "spec/github.yaml")]
enum GitHubError {
    #[errspec(status = 403)]
    Forbidden { retry_class: RetryClass, decided_by: DecidedBy },
    #[errspec(status = 404)]
    NotFound,
    #[errspec(other)]
    Other { retry_class: RetryClass },
}

fn main() {
    let mut spent = HeaderMap::new();
    spent.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    let e = GitHubError::decode(StatusCode::FORBIDDEN, &spent, b"{}");
    assert_eq!(e.retry_class(), RetryClass::Throttled);
    assert_eq!(
        e.decided_by(),
        Some(DecidedBy::Rule { index: 0, name: Some("primary_rate_limit") })
    );
    let e = GitHubError::decode(StatusCode::FORBIDDEN, &HeaderMap::new(), b"{}");
    assert_eq!(e.retry_class(), RetryClass::Never);
    assert_eq!(e.decided_by(), Some(DecidedBy::Status));
    let e = GitHubError::decode(StatusCode::NOT_FOUND, &spent, b"{}");
    assert_eq!(e.retry_class(), RetryClass::Never);
    assert_eq!(e.decided_by(), None);
}
