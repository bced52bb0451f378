use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(spec = "spec/qboxmail.yaml", api = "sned")]
enum SendError {
    #[errspec(code = "missing_send_payload")]
    MissingPayload,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
