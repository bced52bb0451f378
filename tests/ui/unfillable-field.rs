use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(spec = "spec/topmail.yaml")]
enum TopMailError {
    #[errspec(code = "rate_limited")]
    RateLimited { body: Vec<u8> },
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
