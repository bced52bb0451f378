use errspec::ApiError;

#[derive(Debug, ApiError)]
#[errspec(provider = "acme", message = "/error/message")]
enum AcmeError {
    #[errspec(code = "card_declined", retry = "never")]
    CardDeclined,
    #[errspec(other)]
    Other { status: http::StatusCode },
}

fn main() {}
