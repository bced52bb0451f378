use errspec::ApiError;

// An in-line code with neither `retry` nor `status`: its class would be
// the response status's, which the unit variant does not keep.
#[derive(Debug, ApiError)]
#[errspec(provider = "acme", code = "/error/code")]
enum AcmeError {
    #[errspec(code = "card_declined")]
    CardDeclined,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
