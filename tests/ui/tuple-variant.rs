use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(spec = "spec/topmail.yaml")]
enum TopMailError {
    #[errspec(code = "rate_limited")]
    RateLimited(Option<String>),
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
