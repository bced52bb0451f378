use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(spec = "spec/topmail.yaml")]
enum TopMailError {
    #[errspec(code = "rate_limited")]
    RateLimited,
    #[errspec(code = "not_found", code = "rate_limited")]
    NotFound,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
