use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(spec = "spec/topmail.yaml")]
enum TopMailError {
    #[errspec(code = "rate_limited")]
    RateLimited,
    #[errspec(other)]
    Other { status: http::StatusCode },
    #[errspec(other)]
    Unknown { status: http::StatusCode },
}

fn main() {}
