::core::compile_error! {
    "the decoder cannot fill field `body`; it fills fields named status, code, message, request_id, field_errors, retry_after, delay_hints, hints, raw, retry_class, decided_by, extras"
}
::core::compile_error! {
    "unknown code `rate_limted`: API `api` of `../spec/topmail.yaml` does not list it; did you mean `rate_limited`?"
}
#[automatically_derived]
impl ::errspec::ApiError for TopMailError {
    const PROVIDER: &'static str = "";
    const API: &'static str = "";
    const IDEMPOTENCY_HEADER: ::core::option::Option<&'static str> = ::core::option::Option::None;
    fn decode(
        _: ::errspec::__private::http::StatusCode,
        _: &::errspec::__private::http::HeaderMap,
        _: &[u8],
    ) -> Self {
        ::core::unreachable!()
    }
    fn read_delay_hints(
        _: &::errspec::__private::http::HeaderMap,
    ) -> ::errspec::DelayHints {
        ::core::unreachable!()
    }
    fn retry_class(&self) -> ::errspec::RetryClass {
        ::core::unreachable!()
    }
    fn code(&self) -> ::core::option::Option<::std::borrow::Cow<'_, str>> {
        ::core::unreachable!()
    }
    fn variant_name(&self) -> &'static str {
        ::core::unreachable!()
    }
    fn is_known(&self) -> bool {
        ::core::unreachable!()
    }
}
#[automatically_derived]
impl ::core::fmt::Display for TopMailError {
    fn fmt(&self, _: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        ::core::unreachable!()
    }
}
#[automatically_derived]
impl ::std::error::Error for TopMailError {}
