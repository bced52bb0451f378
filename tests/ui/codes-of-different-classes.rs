use errspec::ApiError;

// `rate_limited` (429) is throttled, `internal_error` (500) backoff: the
// variant must keep its code to say which.
#[derive(Debug, ApiError)]
#[errspec(spec = "spec/topmail.yaml")]
enum TopMailError {
    #[errspec(codes("rate_limited", "internal_error"))]
    TryLater { message: Option<String> },
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
