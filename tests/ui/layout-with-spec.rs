use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(spec = "spec/topmail.yaml", message = "/message")]
enum TopMailError {
    #[errspec(code = "rate_limited")]
    RateLimited,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
