use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(provider = "acme")]
enum AcmeError {
    #[errspec(status = 429, retry = "throttle")]
    TooManyRequests,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
