use errspec::ApiError;

#[derive(Debug, ApiError)]
enum AcmeError {
    #[errspec(status = 429, retry = "throttled")]
    TooManyRequests,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
