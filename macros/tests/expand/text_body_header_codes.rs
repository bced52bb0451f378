// Integer codes in a header, a text body, a catch-all with a fixed class.
#[derive(Debug, ApiError)]
#[errspec(provider = "legacy", format = "text", code_header = "X-Error-Code", code_type = "integer")]
enum LegacyError {
    #[errspec(code = 1001, code = -7, retry = "backoff")]
    Busy,
    #[errspec(other, retry = "never")]
    Other,
}
