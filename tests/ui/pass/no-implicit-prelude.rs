//! Generated code names everything by absolute path: it compiles in a
//! module without the prelude.
#![no_implicit_prelude]

mod errors {
    #[derive(::core::fmt::Debug, ::errspec::ApiError)]
    #[errspec(spec = "spec/topmail.yaml")]
    pub enum TopMailError {
        #[errspec(code = "rate_limited")]
        RateLimited {
            message: ::std::option::Option<::std::string::String>,
            retry_after: ::std::option::Option<::std::time::Duration>,
            hints: ::errspec::DelayHints,
        },
        #[errspec(other)]
        Other {
            status: ::http::StatusCode,
            code: ::std::option::Option<::std::string::String>,
            request_id: ::std::option::Option<::std::string::String>,
            field_errors: ::std::vec::Vec<::errspec::FieldError>,
            raw: ::std::option::Option<::std::string::String>,
        },
    }

    #[derive(::core::fmt::Debug, ::errspec::ApiError)]
    #[errspec(provider = "acme", code = "/code", rate_limit(reset = "X-Reset"))]
    pub enum AcmeError {
        #[errspec(code = "slow", status = 503)]
        Slow {
            status: u16,
            code: ::std::option::Option<::std::string::String>,
        },
        #[errspec(other, retry = "never")]
        Other,
    }

    ::errspec::catalog!("spec/qboxmail.yaml");
}

fn main() {
    use ::errspec::ApiError as _;
    let e = errors::TopMailError::decode(
        ::http::StatusCode::TOO_MANY_REQUESTS,
        &::http::HeaderMap::new(),
        b"{\"error\":{\"code\":\"rate_limited\"}}",
    );
    ::std::assert_eq!(e.variant_name(), "RateLimited");
    let e = errors::AcmeError::decode(
        ::http::StatusCode::SERVICE_UNAVAILABLE,
        &::http::HeaderMap::new(),
        b"",
    );
    ::std::assert_eq!(e.retry_class(), ::errspec::RetryClass::Backoff);
    let _ = errors::qboxmail::send::Error::decode(
        ::http::StatusCode::BAD_GATEWAY,
        &::http::HeaderMap::new(),
        b"",
    );
}
