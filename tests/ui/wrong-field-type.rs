use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(spec = "spec/topmail.yaml")]
enum TopMailError {
    #[errspec(code = "rate_limited")]
    RateLimited { message: String },
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
