use errspec::ApiError;

// TopMail lists fifteen codes; three are mapped.
#[derive(Debug, ApiError)]
#[errspec(spec = "spec/topmail.yaml", exhaustive)]
enum TopMailError {
    #[errspec(code = "rate_limited")]
    RateLimited,
    #[errspec(codes("validation_error", "missing_from_email"))]
    Invalid,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
