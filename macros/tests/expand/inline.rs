// An in-line catalog covering the body layout and every header.
#[derive(Debug, ApiError)]
#[errspec(
    provider = "acme",
    api = "billing",
    errors = "/errors",
    code = "/code",
    message = "/detail",
    request_id = "/meta/request_id",
    field_errors(items = "/fields", field = "/name", message = "/reason"),
    retry_after = "Retry-After",
    request_id_header = "X-Request-Id",
    rate_limit(limit = "X-RateLimit-Limit", remaining = "X-RateLimit-Remaining", reset = "X-RateLimit-Reset", reset_unit = "seconds"),
    idempotency_header = "Idempotency-Key",
    defaults(client_error = "never", server_error = "ambiguous")
)]
enum BillingError {
    #[errspec(status = 429, retry = "throttled")]
    RateLimited { hints: errspec::DelayHints },
    #[errspec(code = "card_declined", code = "insufficient_funds", retry = "never")]
    Declined { code: Option<String>, message: Option<String> },
    #[errspec(code = "invalid_field", status = 422)]
    Invalid { field_errors: Vec<errspec::FieldError> },
    #[errspec(other)]
    Other { status: http::StatusCode, raw: Option<String> },
}
