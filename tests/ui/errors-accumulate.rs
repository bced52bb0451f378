use errspec::ApiError;

// Three mistakes, all reported at once.
#[derive(Debug, ApiError)]
#[errspec(spec = "spec/topmail.yaml")]
enum TopMailError {
    #[errspec(code = "rate_limted")]
    RateLimited {
        retry_afer: Option<std::time::Duration>,
    },
    #[errspec(status = 600)]
    Odd,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
