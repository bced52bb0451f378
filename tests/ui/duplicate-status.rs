use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(provider = "acme")]
enum AcmeError {
    #[errspec(status = 429, retry = "throttled")]
    TooManyRequests,
    #[errspec(statuses(503, 429), retry = "backoff")]
    Unavailable,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
