use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(spec = "spec/topmail.yaml")]
struct TopMailError {
    status: http::StatusCode,
}

fn main() {}
