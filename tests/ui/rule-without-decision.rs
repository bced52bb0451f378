use errspec::ApiError;

// The rule `primary_rate_limit` makes some 403s throttled: `Forbidden`
// must keep the decided class. `NotFound` (404) needs nothing: no rule
// reaches it.
#[derive(Debug, ApiError)]
#[errspec(spec = "spec/github.yaml")]
enum GitHubError {
    #[errspec(status = 403)]
    Forbidden { message: Option<String> },
    #[errspec(status = 404)]
    NotFound,
    #[errspec(other)]
    Other { status: http::StatusCode, retry_class: errspec::RetryClass },
}

fn main() {}
