const _: () = {
    /// Where this API puts the parts of an error response.
    static LAYOUT: ::errspec::__private::layout::ApiLayout = ::errspec::__private::layout::ApiLayout {
        body: ::errspec::__private::layout::BodyLayout {
            format: ::errspec::__private::layout::BodyFormat::Text,
            errors: ::core::option::Option::None,
            code: ::core::option::Option::Some(
                ::errspec::__private::layout::CodeSource::Header("x-error-code"),
            ),
            code_type: ::errspec::__private::layout::CodeType::Integer,
            message: ::core::option::Option::None,
            request_id: ::core::option::Option::None,
            field_errors: ::core::option::Option::None,
            code_fallbacks: &[],
            code_normalize: ::errspec::__private::layout::CodeNormalize {
                drop_after: ::core::option::Option::None,
                drop_through: ::core::option::Option::None,
            },
            captures: &[],
            field_map: ::core::option::Option::None,
        },
        headers: ::errspec::__private::layout::HeaderLayout {
            retry_after: ::core::option::Option::None,
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
    impl ::errspec::ApiError for LegacyError {
        const PROVIDER: &'static str = "legacy";
        const API: &'static str = "default";
        const IDEMPOTENCY_HEADER: ::core::option::Option<&'static str> = ::core::option::Option::None;
        fn decode(
            status: ::errspec::__private::http::StatusCode,
            headers: &::errspec::__private::http::HeaderMap,
            body: &[u8],
        ) -> Self {
            let parts = DECODER.decode(status, headers, body);
            let code = parts
                .code
                .as_ref()
                .map(|raw| {
                    let int = raw
                        .as_int()
                        .or_else(|| raw.as_str().and_then(|s| s.parse::<i64>().ok()));
                    match int {
                        ::core::option::Option::Some(
                            n,
                        ) if ::core::matches!(n, 1001 | - 7) => {
                            ::std::borrow::Cow::Owned(
                                ::std::string::ToString::to_string(&n),
                            )
                        }
                        _ => raw.to_text(),
                    }
                });
            let variant: usize = match code.as_deref() {
                ::core::option::Option::Some("1001" | "-7") => 0usize,
                _ => {
                    match status.as_u16() {
                        _ => 1usize,
                    }
                }
            };
            match variant {
                0usize => Self::Busy,
                _ => Self::Other,
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
                Self::Busy { .. } => ::errspec::RetryClass::Backoff,
                Self::Other { .. } => ::errspec::RetryClass::Never,
            }
        }
        fn code(&self) -> ::core::option::Option<::std::borrow::Cow<'_, str>> {
            match self {
                Self::Busy { .. } => ::core::option::Option::None,
                Self::Other { .. } => ::core::option::Option::None,
            }
        }
        fn variant_name(&self) -> &'static str {
            match self {
                Self::Busy { .. } => "Busy",
                Self::Other { .. } => "Other",
            }
        }
        fn is_known(&self) -> bool {
            !::core::matches!(self, Self::Other { .. })
        }
    }
    #[automatically_derived]
    impl ::core::fmt::Display for LegacyError {
        fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
            ::errspec::__private::display(self, f)
        }
    }
    #[automatically_derived]
    impl ::std::error::Error for LegacyError {}
};
