use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(spec = "spec/tpomail.yaml")]
enum TopMailError {
    #[errspec(code = "rate_limited")]
    RateLimited,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
