//! Failures inside a 2xx: an API's success predicate.
//!
//! Some APIs answer failures with a success status: Slack sends
//! `200 {"ok": false, "error": "ratelimited"}`, GraphQL servers (Shopify)
//! send `200 {"errors": [{"extensions": {"code": "THROTTLED"}}]}`. A
//! catalog's `success.failure_when` says when a 2xx is such a failure, in
//! the conditions of `rules[].when` ([`Condition`]); generated code keeps
//! one [`SuccessCheck`] per API in a `static`, and
//! [`ApiError::check_success`](crate::ApiError::check_success) uses it.
//!
//! ```
//! use errspec::__private::decode::Decoder;
//! use errspec::__private::layout::*;
//! use errspec::__private::rules::{Condition, Test};
//! use errspec::__private::success::{BodyDecoder, SuccessCheck};
//!
//! // Slack: the code at /error; a body whose `ok` is false is a failure.
//! static LAYOUT: ApiLayout = ApiLayout {
//!     body: BodyLayout {
//!         code: Some(CodeSource::Body(Pointer(&["error"]))),
//!         captures: &[Capture::At(Pointer(&["ok"]))],
//!         ..BodyLayout::JSON
//!     },
//!     headers: HeaderLayout::NONE,
//! };
//! static DECODER: Decoder = Decoder::new(&LAYOUT);
//! static SUCCESS: SuccessCheck = SuccessCheck {
//!     failure_when: &[Condition::Field(0, Test::Equals("false"))],
//!     decoder: BodyDecoder::One(&DECODER),
//! };
//!
//! let headers = http::HeaderMap::new();
//! let ok = http::StatusCode::OK;
//! assert!(SUCCESS.fails(ok, &headers, br#"{"ok":false,"error":"ratelimited"}"#));
//! assert!(!SUCCESS.fails(ok, &headers, br#"{"ok":true,"channel":"C1"}"#));
//! // Only a 2xx is judged: an error status is an error anyway.
//! assert!(!SUCCESS.fails(http::StatusCode::TOO_MANY_REQUESTS, &headers, br#"{"ok":false}"#));
//! ```

use crate::decode::{Captures, Decimal, Decoder, Found, Layouts, Parts, RawCode};
use crate::rules::{Condition, Facts};

/// The decoder an API's responses go through: its one layout, or its
/// several ([`Layouts`]).
#[derive(Clone, Copy, Debug)]
pub enum BodyDecoder<'l> {
    /// One layout.
    One(&'l Decoder),
    /// Several layouts, the first that fits decoding.
    Several(&'l Layouts<'l>),
}

impl BodyDecoder<'_> {
    /// Decodes a response with the API's layout(s).
    #[inline]
    pub fn decode<'a>(
        &self,
        status: http::StatusCode,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
    ) -> Parts<'a> {
        match self {
            BodyDecoder::One(decoder) => decoder.decode(status, headers, body),
            BodyDecoder::Several(layouts) => layouts.decode(status, headers, body),
        }
    }
}

/// An API's success predicate (`success:` in a catalog): which 2xx
/// responses are failures.
#[derive(Clone, Copy, Debug)]
pub struct SuccessCheck<'l> {
    /// Conditions that must all hold for a 2xx to be a failure, tested on
    /// what the API's layout decodes (a [`Condition::Field`] names a
    /// capture of that layout). Never empty in generated code.
    pub failure_when: &'l [Condition],
    /// The API's decoder, whose captures the field conditions name.
    pub decoder: BodyDecoder<'l>,
}

impl SuccessCheck<'_> {
    /// Whether the response is a failure: a 2xx whose decoded parts meet
    /// every condition of [`failure_when`](SuccessCheck::failure_when).
    /// Any other status is `false` (it is an error, or a redirect, by its
    /// status alone). Total: decodes at most once, never panics.
    pub fn fails(&self, status: http::StatusCode, headers: &http::HeaderMap, body: &[u8]) -> bool {
        if !status.is_success() || self.failure_when.is_empty() {
            return false;
        }
        let parts = self.decoder.decode(status, headers, body);
        self.fails_parts(status, headers, &parts)
    }

    /// [`fails`](SuccessCheck::fails) for a response already decoded with
    /// the API's decoder.
    pub fn fails_parts(
        &self,
        status: http::StatusCode,
        headers: &http::HeaderMap,
        parts: &Parts<'_>,
    ) -> bool {
        self.holds(
            status,
            headers,
            parts.code.as_ref(),
            parts.message.as_deref(),
            &parts.captures,
        )
    }

    /// [`fails`](SuccessCheck::fails) for what the API's decoder found
    /// ([`Decode::find`](crate::decode::Decode::find)) and captured.
    pub fn fails_found(
        &self,
        status: http::StatusCode,
        headers: &http::HeaderMap,
        found: &Found<'_>,
        captures: &Captures<'_>,
    ) -> bool {
        self.holds(
            status,
            headers,
            found.code.as_ref(),
            found.message.as_deref(),
            captures,
        )
    }

    fn holds(
        &self,
        status: http::StatusCode,
        headers: &http::HeaderMap,
        code: Option<&RawCode<'_>>,
        message: Option<&str>,
        captures: &Captures<'_>,
    ) -> bool {
        if !status.is_success() || self.failure_when.is_empty() {
            return false;
        }
        let mut decimal = Decimal::default();
        let code = code.map(|code| code.text_in(&mut decimal));
        let facts = Facts::new(status.as_u16(), headers)
            .code(code)
            .message(message)
            .captures(captures);
        self.failure_when.iter().all(|c| c.holds(&facts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Alternative;
    use crate::layout::{ApiLayout, BodyLayout, Capture, CodeSource, HeaderLayout, Pointer};
    use crate::rules::{StatusRange, Test};

    static GRAPHQL: ApiLayout = ApiLayout {
        body: BodyLayout {
            code: Some(CodeSource::Body(Pointer(&[
                "errors",
                "0",
                "extensions",
                "code",
            ]))),
            message: Some(Pointer(&["errors", "0", "message"])),
            captures: &[Capture::At(Pointer(&["errors"]))],
            ..BodyLayout::JSON
        },
        headers: HeaderLayout::NONE,
    };
    static GRAPHQL_DECODER: Decoder = Decoder::new(&GRAPHQL);
    static GRAPHQL_CHECK: SuccessCheck = SuccessCheck {
        failure_when: &[Condition::Field(0, Test::Present(true))],
        decoder: BodyDecoder::One(&GRAPHQL_DECODER),
    };

    fn fails(check: &SuccessCheck<'_>, status: u16, body: &str) -> bool {
        let status = http::StatusCode::from_u16(status).unwrap();
        check.fails(status, &http::HeaderMap::new(), body.as_bytes())
    }

    #[test]
    fn graphql_errors_are_failures_and_data_is_not() {
        let throttled = r#"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}],"extensions":{"cost":{}}}"#;
        assert!(fails(&GRAPHQL_CHECK, 200, throttled));
        assert!(!fails(
            &GRAPHQL_CHECK,
            200,
            r#"{"data":{"shop":{"name":"x"}}}"#
        ));
        // `errors: null` is absent, as in rules.
        assert!(!fails(&GRAPHQL_CHECK, 200, r#"{"data":{},"errors":null}"#));
        let headers = http::HeaderMap::new();
        let parts = GRAPHQL_DECODER.decode(http::StatusCode::OK, &headers, throttled.as_bytes());
        assert_eq!(
            parts.code.as_ref().and_then(RawCode::as_str),
            Some("THROTTLED")
        );
    }

    #[test]
    fn hostile_bodies_are_successes_without_panic() {
        for body in [
            "",
            "{",
            "<html>",
            "\u{0}\u{ffff}",
            "[[[[[[[[[[",
            r#"{"errors":"#,
        ] {
            assert!(!fails(&GRAPHQL_CHECK, 200, body), "{body:?}");
        }
        let deep = "[".repeat(100_000);
        assert!(!fails(&GRAPHQL_CHECK, 200, &deep));
    }

    #[test]
    fn only_a_2xx_is_judged_and_an_empty_predicate_never_fails() {
        let body = r#"{"errors":[{}]}"#;
        assert!(!fails(&GRAPHQL_CHECK, 400, body));
        assert!(!fails(&GRAPHQL_CHECK, 302, body));
        assert!(fails(&GRAPHQL_CHECK, 204, body));
        let empty = SuccessCheck {
            failure_when: &[],
            decoder: BodyDecoder::One(&GRAPHQL_DECODER),
        };
        assert!(!fails(&empty, 200, body));
    }

    #[test]
    fn an_integer_code_is_tested_as_its_decimal_text() {
        // Mandrill-style: a 2xx whose body carries a negative integer code.
        static LAYOUT: ApiLayout = ApiLayout {
            body: BodyLayout {
                code: Some(CodeSource::Body(Pointer(&["code"]))),
                code_type: crate::layout::CodeType::Integer,
                ..BodyLayout::JSON
            },
            headers: HeaderLayout::NONE,
        };
        static DECODER: Decoder = Decoder::new(&LAYOUT);
        static CHECK: SuccessCheck = SuccessCheck {
            failure_when: &[Condition::Code(Test::In(&["-2", "12"]))],
            decoder: BodyDecoder::One(&DECODER),
        };
        assert!(fails(&CHECK, 200, r#"{"code":-2}"#));
        assert!(fails(&CHECK, 200, r#"{"code":12}"#));
        assert!(!fails(&CHECK, 200, r#"{"code":-20}"#));
        assert!(!fails(&CHECK, 200, r#"{"code":2}"#));
        assert!(!fails(&CHECK, 200, r#"{"ok":true}"#));
        let i64_min = format!(r#"{{"code":{}}}"#, i64::MIN);
        assert!(!fails(&CHECK, 200, &i64_min));
    }

    #[test]
    fn header_status_code_and_message_conditions_apply() {
        static CHECK: SuccessCheck = SuccessCheck {
            failure_when: &[
                Condition::Status(&[StatusRange::one(200)]),
                Condition::Code(Test::In(&["THROTTLED", "INTERNAL"])),
                Condition::Message(Test::Contains("throttl")),
            ],
            decoder: BodyDecoder::Several(&LAYOUTS),
        };
        static LAYOUTS: Layouts<'static> = Layouts::new(&[Alternative {
            content_types: &[],
            when: &[],
            decoder: &GRAPHQL_DECODER,
        }]);
        let body = r#"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}]}"#;
        assert!(fails(&CHECK, 200, body));
        assert!(!fails(&CHECK, 201, body));
        let other = r#"{"errors":[{"message":"Nope","extensions":{"code":"THROTTLED"}}]}"#;
        assert!(!fails(&CHECK, 200, other));
    }
}
