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
                ::core::option::Option::Some("rate_limited" | "internal_error") => 0usize,
                _ => {
                    match status.as_u16() {
                        403 | 500 => 1usize,
                        _ => 2usize,
                    }
                }
            };
            match variant {
                0usize => {
                    Self::TryLater {
                        code: code.as_deref().map(::std::borrow::ToOwned::to_owned),
                    }
                }
                1usize => {
                    Self::Refused {
                        status: status.as_u16(),
                    }
                }
                _ => Self::Other { status },
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
                Self::TryLater { code, .. } => {
                    match code.as_deref() {
                        ::core::option::Option::Some("rate_limited") => {
                            ::errspec::RetryClass::Throttled
                        }
                        _ => ::errspec::RetryClass::Backoff,
                    }
                }
                Self::Refused { status, .. } => {
                    match *status {
                        500.. => ::errspec::RetryClass::Backoff,
                        _ => ::errspec::RetryClass::Never,
                    }
                }
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
                Self::TryLater { code, .. } => {
                    code.as_deref().map(::std::borrow::Cow::Borrowed)
                }
                Self::Refused { .. } => ::core::option::Option::None,
                Self::Other { .. } => ::core::option::Option::None,
            }
        }
        fn variant_name(&self) -> &'static str {
            match self {
                Self::TryLater { .. } => "TryLater",
                Self::Refused { .. } => "Refused",
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
                Self::TryLater { .. } => ::core::option::Option::None,
                Self::Refused { status, .. } => {
                    ::errspec::__private::http::StatusCode::from_u16(*status).ok()
                }
                Self::Other { status, .. } => ::core::option::Option::Some(*status),
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
