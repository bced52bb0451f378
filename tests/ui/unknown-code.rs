use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(spec = "spec/topmail.yaml")]
enum TopMailError {
    #[errspec(code = "rate_limted")]
    RateLimited,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
