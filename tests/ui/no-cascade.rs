use errspec::ApiError;

// One mistake; the code using the enum as an `ApiError` still type-checks,
// so the unknown code is the only error.
#[derive(Debug, ApiError)]
#[errspec(spec = "spec/topmail.yaml")]
enum TopMailError {
    #[errspec(code = "rate_limted")]
    RateLimited,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {
    let error = TopMailError::decode(
        http::StatusCode::TOO_MANY_REQUESTS,
        &http::HeaderMap::new(),
        b"",
    );
    println!("{error}: {}", error.retry_class());
    let _: Box<dyn std::error::Error> = Box::new(error);
}
