// Two mistakes: the errors, and stub impls that keep follow-on errors away.
#[derive(Debug, ApiError)]
#[errspec(spec = "../spec/topmail.yaml")]
enum TopMailError {
    #[errspec(code = "rate_limted")]
    RateLimited,
    #[errspec(other)]
    Other { status: http::StatusCode, body: String },
}
