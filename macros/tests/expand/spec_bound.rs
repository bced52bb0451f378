// Bound to TopMail's catalog; the fields the decoder fills, by name.
#[derive(Debug, ApiError)]
#[errspec(spec = "../spec/topmail.yaml")]
enum TopMailError {
    #[errspec(code = "rate_limited")]
    RateLimited {
        message: Option<String>,
        retry_after: Option<std::time::Duration>,
    },
    #[errspec(code = "validation_error", code = "missing_from_email")]
    Invalid {
        code: Option<String>,
        field_errors: Vec<errspec::FieldError>,
    },
    #[errspec(status = 500)]
    ServerError,
    #[errspec(other)]
    Other {
        status: http::StatusCode,
        code: Option<String>,
        message: Option<String>,
        request_id: Option<String>,
    },
}
