const _: () = {
    const _: &str = ::core::include_str!("$WORKSPACE/spec/topmail.yaml");
    /// Where this API puts the parts of an error response.
    static LAYOUT: ::errspec::__private::layout::ApiLayout = ::errspec::__private::layout::ApiLayout {
        body: ::errspec::__private::layout::BodyLayout {
            format: ::errspec::__private::layout::BodyFormat::Json,
            errors: ::core::option::Option::None,
            code: ::core::option::Option::Some(
                ::errspec::__private::layout::CodeSource::Body(
                    ::errspec::__private::layout::Pointer(&["error", "code"]),
                ),
            ),
            code_type: ::errspec::__private::layout::CodeType::String,
            message: ::core::option::Option::Some(
                ::errspec::__private::layout::Pointer(&["error", "message"]),
            ),
            request_id: ::core::option::Option::None,
            field_errors: ::core::option::Option::Some(::errspec::__private::layout::FieldErrorsLayout {
                items: ::core::option::Option::None,
                field: ::errspec::__private::layout::Pointer(&["error", "path"]),
                message: ::core::option::Option::Some(
                    ::errspec::__private::layout::Pointer(&["error", "message"]),
                ),
            }),
            code_fallbacks: &[],
            code_normalize: ::errspec::__private::layout::CodeNormalize {
                drop_after: ::core::option::Option::None,
                drop_through: ::core::option::Option::None,
            },
            captures: &[],
            field_map: ::core::option::Option::None,
        },
        headers: ::errspec::__private::layout::HeaderLayout {
            retry_after: ::core::option::Option::Some("retry-after"),
            request_id: ::core::option::Option::None,
            rate_limit: ::core::option::Option::None,
            delays: &[],
            min_delay: ::core::option::Option::None,
        },
    };
    /// The header names of [`LAYOUT`], resolved at compile time.
    static HEADER_NAMES: ::errspec::__private::hints::HeaderNames = ::errspec::__private::hints::HeaderNames::new(
        &LAYOUT,
    );
    /// [`LAYOUT`] prepared for decoding, at compile time.
    const DECODER: &::errspec::__private::decode::Decoder = &::errspec::__private::decode::Decoder::resolved(
        &LAYOUT,
        &HEADER_NAMES,
    );
    #[automatically_derived]
    impl ::errspec::ApiError for TopMailError {
        const PROVIDER: &'static str = "topmail";
        const API: &'static str = "api";
        const IDEMPOTENCY_HEADER: ::core::option::Option<&'static str> = ::core::option::Option::Some(
            "idempotency-key",
        );
        fn decode(
            status: ::errspec::__private::http::StatusCode,
            headers: &::errspec::__private::http::HeaderMap,
            body: &[u8],
        ) -> Self {
            let parts = DECODER.decode(status, headers, body);
            let code = parts
                .code
                .as_ref()
                .map(::errspec::__private::decode::RawCode::to_text);
            let variant: usize = match code.as_deref() {
                ::core::option::Option::Some("rate_limited") => 0usize,
                ::core::option::Option::Some(
                    "validation_error" | "missing_from_email",
                ) => 1usize,
                _ => {
                    match status.as_u16() {
                        500 => 2usize,
                        _ => 3usize,
                    }
                }
            };
            match variant {
                0usize => {
                    Self::RateLimited {
                        message: parts.message.map(::std::borrow::Cow::into_owned),
                        retry_after: parts
                            .hints
                            .server_delay(::std::time::SystemTime::now()),
                    }
                }
                1usize => {
                    Self::Invalid {
                        code: code.as_deref().map(::std::borrow::ToOwned::to_owned),
                        field_errors: parts.field_errors,
                    }
                }
                2usize => Self::ServerError,
                _ => {
                    Self::Other {
                        status,
                        code: code.as_deref().map(::std::borrow::ToOwned::to_owned),
                        message: parts.message.map(::std::borrow::Cow::into_owned),
                        request_id: parts.request_id.map(::std::borrow::Cow::into_owned),
                    }
                }
            }
        }
        fn read_delay_hints(
            headers: &::errspec::__private::http::HeaderMap,
        ) -> ::errspec::DelayHints {
            DECODER.read_delay_hints(headers)
        }
        fn spent_window_reset(
            headers: &::errspec::__private::http::HeaderMap,
        ) -> ::core::option::Option<::errspec::RateLimitReset> {
            DECODER.spent_window_reset(headers)
        }
        fn retry_class(&self) -> ::errspec::RetryClass {
            match self {
                Self::RateLimited { .. } => ::errspec::RetryClass::Throttled,
                Self::Invalid { .. } => ::errspec::RetryClass::Never,
                Self::ServerError { .. } => ::errspec::RetryClass::Backoff,
                Self::Other { status, .. } => {
                    match status.as_u16() {
                        429 => ::errspec::RetryClass::Throttled,
                        500.. => ::errspec::RetryClass::Backoff,
                        _ => ::errspec::RetryClass::Never,
                    }
                }
            }
        }
        fn code(&self) -> ::core::option::Option<::std::borrow::Cow<'_, str>> {
            match self {
                Self::RateLimited { .. } => {
                    ::core::option::Option::Some(
                        ::std::borrow::Cow::Borrowed("rate_limited"),
                    )
                }
                Self::Invalid { code, .. } => {
                    code.as_deref().map(::std::borrow::Cow::Borrowed)
                }
                Self::ServerError { .. } => ::core::option::Option::None,
                Self::Other { code, .. } => {
                    code.as_deref().map(::std::borrow::Cow::Borrowed)
                }
            }
        }
        fn variant_name(&self) -> &'static str {
            match self {
                Self::RateLimited { .. } => "RateLimited",
                Self::Invalid { .. } => "Invalid",
                Self::ServerError { .. } => "ServerError",
                Self::Other { .. } => "Other",
            }
        }
        fn is_known(&self) -> bool {
            !::core::matches!(self, Self::Other { .. })
        }
        fn status(
            &self,
        ) -> ::core::option::Option<::errspec::__private::http::StatusCode> {
            match self {
                Self::RateLimited { .. } => ::core::option::Option::None,
                Self::Invalid { .. } => ::core::option::Option::None,
                Self::ServerError { .. } => {
                    ::errspec::__private::http::StatusCode::from_u16(500).ok()
                }
                Self::Other { status, .. } => ::core::option::Option::Some(*status),
            }
        }
        fn message(&self) -> ::core::option::Option<&str> {
            match self {
                Self::RateLimited { message, .. } => message.as_deref(),
                Self::Invalid { .. } => ::core::option::Option::None,
                Self::ServerError { .. } => ::core::option::Option::None,
                Self::Other { message, .. } => message.as_deref(),
            }
        }
        fn request_id(&self) -> ::core::option::Option<&str> {
            match self {
                Self::RateLimited { .. } => ::core::option::Option::None,
                Self::Invalid { .. } => ::core::option::Option::None,
                Self::ServerError { .. } => ::core::option::Option::None,
                Self::Other { request_id, .. } => request_id.as_deref(),
            }
        }
        fn field_errors(&self) -> &[::errspec::FieldError] {
            match self {
                Self::RateLimited { .. } => &[],
                Self::Invalid { field_errors, .. } => field_errors,
                Self::ServerError { .. } => &[],
                Self::Other { .. } => &[],
            }
        }
    }
    #[automatically_derived]
    impl ::core::fmt::Display for TopMailError {
        fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
            ::errspec::__private::display(self, f)
        }
    }
    #[automatically_derived]
    impl ::std::error::Error for TopMailError {}
};
