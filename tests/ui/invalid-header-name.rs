use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(provider = "acme", retry_after = "Retry After")]
enum AcmeError {
    #[errspec(status = 429, retry = "throttled")]
    TooManyRequests,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
