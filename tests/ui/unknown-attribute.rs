use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(provider = "acme", code = "/error/code", mesage = "/error/message")]
enum AcmeError {
    #[errspec(code = "card_declined", retry = "never")]
    CardDeclined,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
