use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(spec = "spec/topmail.yaml")]
enum TopMailError {
    #[errspec(code = "internal_error", retry = "ambiguous")]
    Internal,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
