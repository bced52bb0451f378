// Variants whose retry class depends on what they received: by code
// (`rate_limited` is throttled, `internal_error` backoff), by status (403
// never, 500 backoff), and the catch-all by the status table and defaults.
#[derive(Debug, ApiError)]
#[errspec(spec = "../spec/topmail.yaml")]
enum TopMailError {
    #[errspec(codes("rate_limited", "internal_error"))]
    TryLater { code: Option<String> },
    #[errspec(statuses(403, 500))]
    Refused { status: u16 },
    #[errspec(other)]
    Other { status: http::StatusCode },
}
