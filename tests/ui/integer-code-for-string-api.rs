use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(spec = "spec/topmail.yaml")]
enum TopMailError {
    #[errspec(code = 429)]
    RateLimited,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
