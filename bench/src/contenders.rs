//! The three ways of decoding an error response that the decode benchmark
//! compares, for every seed API:
//!
//! - **errspec**: the generated `Error::decode` followed by `retry_class()`;
//! - **floor**: what a careful hand-written decoder costs: `serde_json::from_slice`
//!   into a minimal borrowed struct (`&str` fields), a `match` on the code
//!   and on the status, and the API's delay headers parsed with
//!   `str::parse`. It allocates only for a list of field errors, and for a
//!   body that is not JSON keeps a borrowed lossy snippet, so it gives the
//!   same information as errspec's owned `Error`. (Borrowing `&str` fails
//!   on a string with escapes; no benchmark body has one. `Option<Cow<str>>`
//!   would not borrow at all: serde only borrows a bare `Cow` field.)
//! - **value**: what users write today: `serde_json::from_slice::<Value>`
//!   and pointer lookups.
//!
//! Each contender is a plain `fn` that decodes, passes a reference to the
//! result through [`black_box`] (so nothing is optimised away) and drops
//! it, returning the retry class. By reference: passing the result by
//! value copies all of it once more (64 instructions for an errspec
//! error), a cost of the harness that grows with the result's size, not
//! of decoding. [`summary`] decodes with any contender into a
//! [`Summary`], so the tests can check that all three agree on every case.

use std::borrow::Cow;
use std::hint::black_box;
use std::time::Duration;

use errspec::RetryClass;
use errspec_providers::{artmail, qboxmail, topmail};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use crate::cases::Case;

/// A decoder under test: decodes, black-boxes the result, returns the class.
pub type Decode = fn(StatusCode, &HeaderMap, &[u8]) -> RetryClass;

/// Which contender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contender {
    /// The generated `Error::decode` + `retry_class()`.
    Errspec,
    /// The hand-written borrowed struct + `match`.
    Floor,
    /// `serde_json::Value` + lookups.
    Value,
}

impl Contender {
    /// All three, in table order.
    pub const ALL: [Contender; 3] = [Contender::Errspec, Contender::Floor, Contender::Value];

    /// The contender's name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Contender::Errspec => "errspec",
            Contender::Floor => "floor",
            Contender::Value => "value",
        }
    }
}

/// The construct catalogs of `tests/specs/valid/`, generated at compile
/// time: one per construct of the spec language the realistic cases use.
pub mod constructs {
    errspec::catalog!("../tests/specs/valid/github-rules.yaml");
    errspec::catalog!("../tests/specs/valid/openai-directives.yaml");
    errspec::catalog!("../tests/specs/valid/discord-body-delay.yaml");
    errspec::catalog!("../tests/specs/valid/google-retry-info.yaml");
    errspec::catalog!("../tests/specs/valid/aws-json.yaml");
    errspec::catalog!("../tests/specs/valid/stripe-extras.yaml");
    errspec::catalog!("../tests/specs/valid/shopify-field-map.yaml");
    errspec::catalog!("../tests/specs/valid/google-reason-rule.yaml");
    errspec::catalog!("../tests/specs/valid/slack-success-body.yaml");
    errspec::catalog!("../tests/specs/valid/twilio-layouts.yaml");

    /// What a client makes of a Slack response: the error a 2xx failure
    /// is (judged by the success predicate), else the error decoded.
    pub fn slack_judged(
        status: http::StatusCode,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> slack_success_body::Error {
        <slack_success_body::Error as errspec::ApiError>::check_success(status, headers, body)
            .unwrap_or_else(|| slack_success_body::Error::decode(status, headers, body))
    }
}

/// Calls `$m!(case name, errspec decode, floor)` for every API the
/// realistic cases use (not the seeds, which have a `Value` contender too).
macro_rules! realistic_apis {
    ($m:ident) => {
        $m! {
            "postmark/api" => errspec_providers::postmark::Error::decode, crate::floors::postmark;
            "sendgrid/api" => errspec_providers::sendgrid::Error::decode, crate::floors::sendgrid;
            "mailgun/api" => errspec_providers::mailgun::Error::decode, crate::floors::mailgun;
            "resend/api" => errspec_providers::resend::Error::decode, crate::floors::resend;
            "ses/api" => errspec_providers::ses::Error::decode, crate::floors::ses;
            "brevo/api" => errspec_providers::brevo::api::Error::decode, crate::floors::brevo;
            "sparkpost/api" => errspec_providers::sparkpost::Error::decode, crate::floors::sparkpost;
            "mandrill/api" => errspec_providers::mandrill::Error::decode, crate::floors::mandrill;
            "stripe/api" => errspec_providers::stripe::api::Error::decode, crate::floors::stripe;
            "github_rules/api" => constructs::github_rules::Error::decode, crate::floors::github_rules;
            "openai_directives/api" => constructs::openai_directives::Error::decode, crate::floors::openai_directives;
            "discord_body_delay/api" => constructs::discord_body_delay::Error::decode, crate::floors::discord_body_delay;
            "google_retry_info/api" => constructs::google_retry_info::Error::decode, crate::floors::google_retry_info;
            "aws_json/api" => constructs::aws_json::Error::decode, crate::floors::aws_json;
            "stripe_extras/api" => constructs::stripe_extras::Error::decode, crate::floors::stripe_extras;
            "shopify_field_map/api" => constructs::shopify_field_map::Error::decode, crate::floors::shopify_field_map;
            "google_reason_rule/api" => constructs::google_reason_rule::Error::decode, crate::floors::google_reason_rule;
            "slack_success_body/api" => constructs::slack_judged, crate::floors::slack_success_body;
            "twilio_layouts/api" => constructs::twilio_layouts::Error::decode, crate::floors::twilio_layouts;
        }
    };
}

/// Whether `contender` decodes the cases of `api`: every API has errspec
/// and a floor; only the seed APIs have the `serde_json::Value` path.
pub fn has(api: &str, contender: Contender) -> bool {
    contender != Contender::Value || crate::cases::SEED_APIS.contains(&api)
}

/// The decoder of `contender` for `api` (`provider/api`).
///
/// # Panics
///
/// For an API no case uses, or the `Value` contender of an API that is
/// not a seed API (see [`has`]).
pub fn decoder(api: &str, contender: Contender) -> Decode {
    macro_rules! realistic {
        ($($name:literal => $errspec:path, $floor:path;)*) => {
            match api {
                $($name => match contender {
                    Contender::Errspec => |s, h, b| {
                        let e = $errspec(s, h, b);
                        let class = e.retry_class();
                        black_box(&e);
                        class
                    },
                    Contender::Floor => |s, h, b| {
                        let f = $floor(s, h, b);
                        let class = f.class;
                        black_box(&f);
                        class
                    },
                    Contender::Value => panic!("no `Value` contender for {api}"),
                },)*
                other => panic!("no case uses {other}"),
            }
        };
    }
    macro_rules! pick {
        ($errspec:path, $floor:path, $value:path) => {
            match contender {
                Contender::Errspec => |s, h, b| {
                    let e = $errspec(s, h, b);
                    let class = e.retry_class();
                    black_box(&e);
                    class
                },
                Contender::Floor => |s, h, b| {
                    let f = $floor(s, h, b);
                    let class = f.class;
                    black_box(&f);
                    class
                },
                Contender::Value => |s, h, b| {
                    let v = $value(s, h, b);
                    let class = v.class;
                    black_box(&v);
                    class
                },
            }
        };
    }
    match api {
        "topmail/api" => pick!(topmail::Error::decode, floor::topmail, value::topmail),
        "artmail/api" => pick!(artmail::Error::decode, floor::artmail, value::artmail),
        "qboxmail/management" => pick!(
            qboxmail::management::Error::decode,
            floor::qboxmail_management,
            value::qboxmail_management
        ),
        "qboxmail/send" => pick!(
            qboxmail::send::Error::decode,
            floor::qboxmail_send,
            value::qboxmail_send
        ),
        // Batch results: the class of the first failed item.
        "postmark/batch" => match contender {
            Contender::Errspec => |s, h, b| {
                let failures =
                    <errspec_providers::postmark::Error as errspec::ApiError>::batch_failures(
                        s, h, b,
                    );
                let class = failures
                    .first()
                    .map_or(RetryClass::Never, |f| f.retry_class);
                black_box(&failures);
                class
            },
            Contender::Floor => |s, h, b| {
                let failures = crate::floors::postmark_batch(s, h, b);
                let class = failures.first().map_or(RetryClass::Never, |f| f.class);
                black_box(&failures);
                class
            },
            Contender::Value => panic!("no `Value` contender for {api}"),
        },
        _ => realistic_apis!(realistic),
    }
}

/// What a decoded response says, whoever decoded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The retry class.
    pub class: RetryClass,
    /// The code as sent.
    pub code: Option<String>,
    /// The message.
    pub message: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
    /// Field name and message of every field error.
    pub fields: Vec<(String, Option<String>)>,
    /// `Retry-After` in seconds.
    pub retry_after: Option<u64>,
    /// The server's delay at [`crate::cases::NOW`], every source counted.
    pub delay: Option<Duration>,
}

/// The longest of the delays a decoder read, as errspec picks it: every
/// source that applies, a Unix-time reset only when its window is spent.
fn longest_delay(
    retry_after: Option<u64>,
    rate_limit: [Option<u64>; 3],
    delays: &[Option<Duration>],
) -> Option<Duration> {
    let reset = match rate_limit {
        [_, None | Some(0), Some(reset)] => {
            Some(Duration::from_secs(reset.saturating_sub(crate::cases::NOW)))
        }
        _ => None,
    };
    retry_after
        .map(Duration::from_secs)
        .into_iter()
        .chain(reset)
        .chain(delays.iter().flatten().copied())
        .max()
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

/// Decodes `case` with `contender` into a [`Summary`].
///
/// # Panics
///
/// For a case of an API no case uses, or the `Value` contender of a case
/// that is not a seed case.
pub fn summary(case: &Case, contender: Contender) -> Summary {
    let (s, h, b) = (case.status, &case.headers, case.body.as_slice());
    let now = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(crate::cases::NOW);
    macro_rules! errspec {
        ($e:expr) => {{
            let e = $e;
            let retry_after = match e.retry_after() {
                Some(errspec::RetryAfter::Seconds(n)) => Some(n),
                _ => None,
            };
            Summary {
                class: e.retry_class(),
                code: errspec::ApiError::code(&e).map(Cow::into_owned),
                message: owned(e.message()),
                request_id: owned(e.request_id()),
                fields: e
                    .field_errors()
                    .iter()
                    .map(|f| (f.field.to_string(), owned(f.message.as_deref())))
                    .collect(),
                retry_after,
                delay: errspec::ApiError::delay_hints(&e).server_delay(now),
            }
        }};
    }
    macro_rules! errspec_realistic {
        ($($name:literal => $errspec:path, $floor:path;)*) => {
            match case.api {
                $($name => errspec!($errspec(s, h, b)),)*
                other => panic!("no case uses {other}"),
            }
        };
    }
    macro_rules! floor_realistic {
        ($($name:literal => $errspec:path, $floor:path;)*) => {
            match case.api {
                $($name => $floor(s, h, b),)*
                other => panic!("no case uses {other}"),
            }
        };
    }
    if case.api == "postmark/batch" {
        // The first failed item, as a summary.
        let first = match contender {
            Contender::Errspec => {
                <errspec_providers::postmark::Error as errspec::ApiError>::batch_failures(s, h, b)
                    .first()
                    .map(|f| {
                        (
                            f.retry_class,
                            f.code.as_ref().map(ToString::to_string),
                            f.message.as_ref().map(ToString::to_string),
                        )
                    })
            }
            _ => crate::floors::postmark_batch(s, h, b)
                .first()
                .map(|f| (f.class, Some(f.code.to_string()), owned(f.message))),
        };
        let (class, code, message) = first.unwrap_or((RetryClass::Never, None, None));
        return Summary {
            class,
            code,
            message,
            request_id: None,
            fields: Vec::new(),
            retry_after: None,
            delay: None,
        };
    }
    match contender {
        Contender::Errspec => match case.api {
            "topmail/api" => errspec!(topmail::Error::decode(s, h, b)),
            "artmail/api" => errspec!(artmail::Error::decode(s, h, b)),
            "qboxmail/management" => errspec!(qboxmail::management::Error::decode(s, h, b)),
            "qboxmail/send" => errspec!(qboxmail::send::Error::decode(s, h, b)),
            _ => realistic_apis!(errspec_realistic),
        },
        Contender::Floor => {
            let f = match case.api {
                "topmail/api" => floor::topmail(s, h, b),
                "artmail/api" => floor::artmail(s, h, b),
                "qboxmail/management" => floor::qboxmail_management(s, h, b),
                "qboxmail/send" => floor::qboxmail_send(s, h, b),
                _ => realistic_apis!(floor_realistic),
            };
            Summary {
                class: f.class,
                code: owned(f.code).or_else(|| f.int_code.map(|c| c.to_string())),
                message: owned(f.message),
                request_id: owned(f.request_id),
                fields: f
                    .field
                    .iter()
                    .chain(&f.fields)
                    .map(|(name, message)| (name.to_string(), owned(*message)))
                    .collect(),
                retry_after: f.retry_after,
                delay: longest_delay(f.retry_after, f.rate_limit, &f.delays),
            }
        }
        Contender::Value => {
            let v = match case.api {
                "topmail/api" => value::topmail(s, h, b),
                "artmail/api" => value::artmail(s, h, b),
                "qboxmail/management" => value::qboxmail_management(s, h, b),
                "qboxmail/send" => value::qboxmail_send(s, h, b),
                other => panic!("no `Value` contender for {other}"),
            };
            v.summary()
        }
    }
}

/// The value of header `name` as a non-negative integer.
pub(crate) fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The retry class of a status, from each API's status table and defaults.
mod class {
    use errspec::RetryClass::{self, *};

    pub fn topmail(status: u16) -> RetryClass {
        match status {
            400 | 401 | 403 | 404 | 409 => Never,
            429 => Throttled,
            500 => Backoff,
            s if s >= 500 => Backoff,
            _ => Never,
        }
    }

    pub fn artmail(status: u16) -> RetryClass {
        match status {
            400 | 401 | 403 | 404 => Never,
            429 => Throttled,
            500 | 503 => Backoff,
            s if s >= 500 => Backoff,
            _ => Never,
        }
    }

    pub fn qboxmail_management(status: u16) -> RetryClass {
        match status {
            401 | 403 | 404 | 422 => Never,
            500 => Ambiguous,
            s if s >= 500 => Ambiguous,
            _ => Never,
        }
    }

    pub fn qboxmail_send(status: u16) -> RetryClass {
        match status {
            400 | 401 | 403 | 413 => Never,
            429 => Throttled,
            502 | 503 => Backoff,
            504 => Ambiguous,
            s if s >= 500 => Ambiguous,
            _ => Never,
        }
    }
}

/// The hand-written floor.
pub mod floor {
    use super::*;

    /// A decoded error, borrowing from the body.
    #[derive(Debug)]
    pub struct Floor<'a> {
        /// The retry class.
        pub class: RetryClass,
        /// The index of a known code; `None` for none or an unknown one.
        pub variant: Option<u8>,
        /// The code as sent.
        pub code: Option<&'a str>,
        /// The message.
        pub message: Option<&'a str>,
        /// The request id.
        pub request_id: Option<&'a str>,
        /// A single field error (name, message).
        pub field: Option<(&'a str, Option<&'a str>)>,
        /// A list of field errors.
        pub fields: Vec<(&'a str, Option<&'a str>)>,
        /// `Retry-After` in seconds.
        pub retry_after: Option<u64>,
        /// Rate-limit limit, remaining, reset.
        pub rate_limit: [Option<u64>; 3],
        /// A snippet of a body that is not JSON.
        pub raw: Option<Cow<'a, str>>,
        /// An integer code.
        pub int_code: Option<i64>,
        /// The text extras the API reads.
        pub extras: [Option<&'a str>; 6],
        /// An integer extra.
        pub int_extra: Option<i64>,
        /// Delays read as durations from now (body values, millisecond or
        /// duration headers, resets in seconds of a spent window).
        pub delays: [Option<Duration>; 3],
    }

    impl<'a> Floor<'a> {
        /// Nothing found yet: class `class`.
        pub fn new(class: RetryClass) -> Floor<'a> {
            Floor {
                class,
                variant: None,
                code: None,
                message: None,
                request_id: None,
                field: None,
                fields: Vec::new(),
                retry_after: None,
                rate_limit: [None; 3],
                raw: None,
                int_code: None,
                extras: [None; 6],
                int_extra: None,
                delays: [None; 3],
            }
        }

        /// A body that is not the documented JSON: status and headers only.
        pub fn status_only(
            class: RetryClass,
            body: &'a [u8],
            retry_after: Option<u64>,
            rate_limit: [Option<u64>; 3],
        ) -> Floor<'a> {
            Floor {
                retry_after,
                rate_limit,
                raw: Some(String::from_utf8_lossy(&body[..body.len().min(512)])),
                ..Floor::new(class)
            }
        }
    }

    #[derive(Deserialize)]
    struct TopmailBody<'a> {
        #[serde(borrow)]
        error: TopmailError<'a>,
    }

    #[derive(Deserialize)]
    struct TopmailError<'a> {
        #[serde(borrow)]
        code: Option<&'a str>,
        #[serde(borrow)]
        message: Option<&'a str>,
        #[serde(borrow)]
        path: Option<&'a str>,
    }

    /// TopMail.
    pub fn topmail<'a>(status: StatusCode, headers: &HeaderMap, body: &'a [u8]) -> Floor<'a> {
        let class = class::topmail(status.as_u16());
        // Headers first: a proxy's 502 may carry `Retry-After` too.
        let retry_after = header_u64(headers, "retry-after");
        let Ok(TopmailBody { error }) = serde_json::from_slice(body) else {
            return Floor::status_only(class, body, retry_after, [None; 3]);
        };
        let variant = error.code.and_then(|code| {
            Some(match code {
                "validation_error" => 0,
                "unauthorized" => 1,
                "missing_from_email" => 2,
                "domain_invalid" => 3,
                "template_not_found" => 4,
                "contact_not_found" => 5,
                "not_found" => 6,
                "workspace_not_found" => 7,
                "duplicate" => 8,
                "limit_reached" => 9,
                "rate_limited" => 10,
                "invalid_schedule" => 11,
                "schedule_failed" => 12,
                "no_content" => 13,
                "internal_error" => 14,
                _ => return None,
            })
        });
        let field = error.path.map(|p| (p, error.message));
        Floor {
            class,
            variant,
            code: error.code,
            message: error.message,
            request_id: None,
            field,
            fields: Vec::new(),
            retry_after,
            rate_limit: [None; 3],
            raw: None,
            ..Floor::new(class)
        }
    }

    #[derive(Deserialize)]
    struct ArtmailBody<'a> {
        #[serde(borrow)]
        error: Option<&'a str>,
        #[serde(borrow)]
        code: Option<&'a str>,
    }

    /// Artmail.
    pub fn artmail<'a>(status: StatusCode, headers: &HeaderMap, body: &'a [u8]) -> Floor<'a> {
        let class = class::artmail(status.as_u16());
        let retry_after = header_u64(headers, "retry-after");
        let rate_limit = [
            header_u64(headers, "x-ratelimit-limit"),
            header_u64(headers, "x-ratelimit-remaining"),
            header_u64(headers, "x-ratelimit-reset"),
        ];
        let Ok(parsed) = serde_json::from_slice::<ArtmailBody<'_>>(body) else {
            return Floor::status_only(class, body, retry_after, rate_limit);
        };
        let variant = parsed.code.and_then(|code| {
            Some(match code {
                "validation_error" => 0,
                "sender_not_verified" => 1,
                "recipient_suppressed" => 2,
                "template_not_found" => 3,
                "missing_variables" => 4,
                "INVALID_KEY" => 5,
                "EXPIRED" => 6,
                "PERMISSION_DENIED" => 7,
                "IP_BLOCKED" => 8,
                "DOMAIN_BLOCKED" => 9,
                "RATE_LIMITED" => 10,
                "internal_error" => 11,
                "queue_failed" => 12,
                _ => return None,
            })
        });
        Floor {
            class,
            variant,
            code: parsed.code,
            message: parsed.error,
            request_id: None,
            field: None,
            fields: Vec::new(),
            retry_after,
            rate_limit,
            raw: None,
            ..Floor::new(class)
        }
    }

    #[derive(Deserialize)]
    struct ManagementBody<'a> {
        #[serde(borrow)]
        message: Option<&'a str>,
        #[serde(borrow, default)]
        errors: Vec<ManagementField<'a>>,
    }

    #[derive(Deserialize)]
    struct ManagementField<'a> {
        #[serde(borrow)]
        field: &'a str,
        #[serde(borrow)]
        description: Option<&'a str>,
    }

    /// Qboxmail Management (no codes).
    pub fn qboxmail_management<'a>(
        status: StatusCode,
        _headers: &HeaderMap,
        body: &'a [u8],
    ) -> Floor<'a> {
        let class = class::qboxmail_management(status.as_u16());
        let Ok(parsed) = serde_json::from_slice::<ManagementBody<'_>>(body) else {
            return Floor::status_only(class, body, None, [None; 3]);
        };
        Floor {
            class,
            variant: None,
            code: None,
            message: parsed.message,
            request_id: None,
            field: None,
            fields: parsed
                .errors
                .into_iter()
                .map(|f| (f.field, f.description))
                .collect(),
            retry_after: None,
            rate_limit: [None; 3],
            raw: None,
            ..Floor::new(class)
        }
    }

    #[derive(Deserialize)]
    struct SendBody<'a> {
        #[serde(borrow)]
        error: Option<&'a str>,
        #[serde(borrow)]
        message: Option<&'a str>,
        #[serde(borrow)]
        request_id: Option<&'a str>,
    }

    /// Qboxmail Send.
    pub fn qboxmail_send<'a>(status: StatusCode, headers: &HeaderMap, body: &'a [u8]) -> Floor<'a> {
        let class = class::qboxmail_send(status.as_u16());
        let retry_after = header_u64(headers, "retry-after");
        let Ok(parsed) = serde_json::from_slice::<SendBody<'_>>(body) else {
            return Floor::status_only(class, body, retry_after, [None; 3]);
        };
        let variant = match parsed.error {
            Some("missing_send_payload") => Some(0),
            _ => None,
        };
        Floor {
            class,
            variant,
            code: parsed.error,
            message: parsed.message,
            request_id: parsed.request_id,
            field: None,
            fields: Vec::new(),
            retry_after,
            rate_limit: [None; 3],
            raw: None,
            ..Floor::new(class)
        }
    }
}

/// The `serde_json::Value` path.
pub mod value {
    use super::*;

    /// A parsed tree and what was looked up in it.
    #[derive(Debug)]
    pub struct Looked {
        /// The retry class.
        pub class: RetryClass,
        /// The index of a known code.
        pub variant: Option<u8>,
        /// The tree, if the body parsed.
        pub value: Option<Value>,
        /// Where the parts are (code, message, request id, field, field message).
        pub pointers: [&'static str; 5],
        /// Where a list of field errors is, if the API has one.
        pub list: Option<&'static str>,
        /// `Retry-After` in seconds.
        pub retry_after: Option<u64>,
        /// Rate-limit limit, remaining, reset.
        pub rate_limit: [Option<u64>; 3],
        /// A snippet of a body that is not JSON.
        pub raw: Option<String>,
    }

    impl Looked {
        fn get(&self, i: usize) -> Option<&str> {
            let pointer = self.pointers[i];
            if pointer.is_empty() {
                return None;
            }
            self.value.as_ref()?.pointer(pointer)?.as_str()
        }

        /// The summary, for the agreement tests.
        pub fn summary(&self) -> Summary {
            let mut fields: Vec<(String, Option<String>)> = Vec::new();
            if let Some(name) = self.get(3) {
                fields.push((name.to_owned(), owned(self.get(4))));
            }
            if let Some(items) = self
                .list
                .and_then(|l| self.value.as_ref()?.pointer(l)?.as_array())
            {
                for item in items {
                    if let Some(name) = item.get("field").and_then(Value::as_str) {
                        fields.push((
                            name.to_owned(),
                            owned(item.get("description").and_then(Value::as_str)),
                        ));
                    }
                }
            }
            Summary {
                class: self.class,
                code: owned(self.get(0)),
                message: owned(self.get(1)),
                request_id: owned(self.get(2)),
                fields,
                retry_after: self.retry_after,
                delay: longest_delay(self.retry_after, self.rate_limit, &[]),
            }
        }
    }

    /// The delay headers an API has.
    #[derive(Clone, Copy)]
    enum Delay {
        None,
        RetryAfter,
        RateLimit,
    }

    /// Parses the body and looks up every part, as a user would.
    fn look(
        class: RetryClass,
        (headers, delay): (&HeaderMap, Delay),
        body: &[u8],
        pointers: [&'static str; 5],
        list: Option<&'static str>,
        codes: &[&str],
    ) -> Looked {
        let value: Option<Value> = serde_json::from_slice(body).ok();
        let raw = match value {
            None => Some(String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned()),
            Some(_) => None,
        };
        let mut looked = Looked {
            class,
            variant: None,
            value,
            pointers,
            list,
            retry_after: match delay {
                Delay::None => None,
                Delay::RetryAfter | Delay::RateLimit => header_u64(headers, "retry-after"),
            },
            rate_limit: match delay {
                Delay::RateLimit => [
                    header_u64(headers, "x-ratelimit-limit"),
                    header_u64(headers, "x-ratelimit-remaining"),
                    header_u64(headers, "x-ratelimit-reset"),
                ],
                Delay::None | Delay::RetryAfter => [None; 3],
            },
            raw,
        };
        looked.variant = looked
            .get(0)
            .and_then(|code| codes.iter().position(|c| *c == code))
            .and_then(|i| u8::try_from(i).ok());
        // What a user reads next: the message, the request id and the fields.
        black_box((looked.get(1), looked.get(2), looked.get(3), looked.get(4)));
        if let Some(items) = list.and_then(|l| looked.value.as_ref()?.pointer(l)?.as_array()) {
            for item in items {
                black_box((item.get("field"), item.get("description")));
            }
        }
        looked
    }

    const TOPMAIL_CODES: [&str; 15] = [
        "validation_error",
        "unauthorized",
        "missing_from_email",
        "domain_invalid",
        "template_not_found",
        "contact_not_found",
        "not_found",
        "workspace_not_found",
        "duplicate",
        "limit_reached",
        "rate_limited",
        "invalid_schedule",
        "schedule_failed",
        "no_content",
        "internal_error",
    ];

    const ARTMAIL_CODES: [&str; 13] = [
        "validation_error",
        "sender_not_verified",
        "recipient_suppressed",
        "template_not_found",
        "missing_variables",
        "INVALID_KEY",
        "EXPIRED",
        "PERMISSION_DENIED",
        "IP_BLOCKED",
        "DOMAIN_BLOCKED",
        "RATE_LIMITED",
        "internal_error",
        "queue_failed",
    ];

    /// TopMail.
    pub fn topmail(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Looked {
        let pointers = [
            "/error/code",
            "/error/message",
            "",
            "/error/path",
            "/error/message",
        ];
        let class = class::topmail(status.as_u16());
        let headers = (headers, Delay::RetryAfter);
        look(class, headers, body, pointers, None, &TOPMAIL_CODES)
    }

    /// Artmail.
    pub fn artmail(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Looked {
        let pointers = ["/code", "/error", "", "", ""];
        let class = class::artmail(status.as_u16());
        let headers = (headers, Delay::RateLimit);
        look(class, headers, body, pointers, None, &ARTMAIL_CODES)
    }

    /// Qboxmail Management.
    pub fn qboxmail_management(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Looked {
        let pointers = ["", "/message", "", "", ""];
        let class = class::qboxmail_management(status.as_u16());
        let headers = (headers, Delay::None);
        look(class, headers, body, pointers, Some("/errors"), &[])
    }

    /// Qboxmail Send.
    pub fn qboxmail_send(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Looked {
        let pointers = ["/error", "/message", "/request_id", "", ""];
        let class = class::qboxmail_send(status.as_u16());
        let headers = (headers, Delay::RetryAfter);
        let codes = ["missing_send_payload"];
        look(class, headers, body, pointers, None, &codes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases;

    #[test]
    fn contenders_agree_on_every_case() {
        for case in cases::all() {
            let errspec = summary(&case, Contender::Errspec);
            for other in [Contender::Floor, Contender::Value] {
                if !has(case.api, other) {
                    continue;
                }
                assert_eq!(
                    summary(&case, other),
                    errspec,
                    "{} ({other:?})",
                    case.name()
                );
            }
            // And the timed functions return the same class.
            for contender in Contender::ALL.into_iter().filter(|c| has(case.api, *c)) {
                let decode = decoder(case.api, contender);
                assert_eq!(
                    decode(case.status, &case.headers, &case.body),
                    errspec.class
                );
            }
        }
    }

    #[test]
    fn every_api_has_every_shape() {
        let all = cases::all();
        for api in cases::SEED_APIS {
            for shape in cases::SHAPES {
                assert!(
                    all.iter().any(|c| c.api == api && c.shape == shape),
                    "{api} {shape}"
                );
            }
        }
    }
}
