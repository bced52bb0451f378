const _: () = {
    /// Where this API puts the parts of an error response.
    static LAYOUT: ::errspec::__private::layout::ApiLayout = ::errspec::__private::layout::ApiLayout {
        body: ::errspec::__private::layout::BodyLayout {
            format: ::errspec::__private::layout::BodyFormat::Json,
            errors: ::core::option::Option::Some(
                ::errspec::__private::layout::Pointer(&["errors"]),
            ),
            code: ::core::option::Option::Some(
                ::errspec::__private::layout::CodeSource::Body(
                    ::errspec::__private::layout::Pointer(&["code"]),
                ),
            ),
            code_type: ::errspec::__private::layout::CodeType::String,
            message: ::core::option::Option::Some(
                ::errspec::__private::layout::Pointer(&["detail"]),
            ),
            request_id: ::core::option::Option::Some(
                ::errspec::__private::layout::Pointer(&["meta", "request_id"]),
            ),
            field_errors: ::core::option::Option::Some(::errspec::__private::layout::FieldErrorsLayout {
                items: ::core::option::Option::Some(
                    ::errspec::__private::layout::Pointer(&["fields"]),
                ),
                field: ::errspec::__private::layout::Pointer(&["name"]),
                message: ::core::option::Option::Some(
                    ::errspec::__private::layout::Pointer(&["reason"]),
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
            request_id: ::core::option::Option::Some("x-request-id"),
            rate_limit: ::core::option::Option::Some(::errspec::__private::layout::RateLimitLayout {
                limit: ::core::option::Option::Some("x-ratelimit-limit"),
                remaining: ::core::option::Option::Some("x-ratelimit-remaining"),
                reset: ::core::option::Option::Some("x-ratelimit-reset"),
                reset_unit: ::errspec::__private::layout::ResetUnit::Seconds,
            }),
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
    impl ::errspec::ApiError for BillingError {
        const PROVIDER: &'static str = "acme";
        const API: &'static str = "billing";
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
                ::core::option::Option::Some("card_declined" | "insufficient_funds") => {
                    1usize
                }
                ::core::option::Option::Some("invalid_field") => 2usize,
                _ => {
                    match status.as_u16() {
                        429 => 0usize,
                        422 => 2usize,
                        _ => 3usize,
                    }
                }
            };
            match variant {
                0usize => {
                    Self::RateLimited {
                        hints: parts.hints,
                    }
                }
                1usize => {
                    Self::Declined {
                        code: code.as_deref().map(::std::borrow::ToOwned::to_owned),
                        message: parts.message.map(::std::borrow::Cow::into_owned),
                    }
                }
                2usize => {
                    Self::Invalid {
                        field_errors: parts.field_errors,
                    }
                }
                _ => {
                    Self::Other {
                        status,
                        raw: parts.raw,
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
                Self::Declined { .. } => ::errspec::RetryClass::Never,
                Self::Invalid { .. } => ::errspec::RetryClass::Never,
                Self::Other { status, .. } => {
                    match status.as_u16() {
                        429 => ::errspec::RetryClass::Throttled,
                        500.. => ::errspec::RetryClass::Ambiguous,
                        _ => ::errspec::RetryClass::Never,
                    }
                }
            }
        }
        fn code(&self) -> ::core::option::Option<::std::borrow::Cow<'_, str>> {
            match self {
                Self::RateLimited { .. } => ::core::option::Option::None,
                Self::Declined { code, .. } => {
                    code.as_deref().map(::std::borrow::Cow::Borrowed)
                }
                Self::Invalid { .. } => {
                    ::core::option::Option::Some(
                        ::std::borrow::Cow::Borrowed("invalid_field"),
                    )
                }
                Self::Other { .. } => ::core::option::Option::None,
            }
        }
        fn variant_name(&self) -> &'static str {
            match self {
                Self::RateLimited { .. } => "RateLimited",
                Self::Declined { .. } => "Declined",
                Self::Invalid { .. } => "Invalid",
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
                Self::RateLimited { .. } => {
                    ::errspec::__private::http::StatusCode::from_u16(429).ok()
                }
                Self::Declined { .. } => ::core::option::Option::None,
                Self::Invalid { .. } => ::core::option::Option::None,
                Self::Other { status, .. } => ::core::option::Option::Some(*status),
            }
        }
        fn message(&self) -> ::core::option::Option<&str> {
            match self {
                Self::RateLimited { .. } => ::core::option::Option::None,
                Self::Declined { message, .. } => message.as_deref(),
                Self::Invalid { .. } => ::core::option::Option::None,
                Self::Other { .. } => ::core::option::Option::None,
            }
        }
        fn field_errors(&self) -> &[::errspec::FieldError] {
            match self {
                Self::RateLimited { .. } => &[],
                Self::Declined { .. } => &[],
                Self::Invalid { field_errors, .. } => field_errors,
                Self::Other { .. } => &[],
            }
        }
        fn delay_hints(&self) -> ::errspec::DelayHints {
            match self {
                Self::RateLimited { hints: delay_hints, .. } => *delay_hints,
                Self::Declined { .. } => {
                    <::errspec::DelayHints as ::core::default::Default>::default()
                }
                Self::Invalid { .. } => {
                    <::errspec::DelayHints as ::core::default::Default>::default()
                }
                Self::Other { .. } => {
                    <::errspec::DelayHints as ::core::default::Default>::default()
                }
            }
        }
    }
    #[automatically_derived]
    impl ::core::fmt::Display for BillingError {
        fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
            ::errspec::__private::display(self, f)
        }
    }
    #[automatically_derived]
    impl ::std::error::Error for BillingError {}
};
