use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(provider = "acme")]
enum AcmeError {
    #[errspec(status = 4290, retry = "throttled")]
    TooManyRequests,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
