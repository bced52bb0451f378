use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(spec = "spec/broken.yaml")]
enum BrokenError {
    #[errspec(code = "rate_limited")]
    RateLimited,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
