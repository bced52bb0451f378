//! Hand-written floors for the realistic cases ([`crate::cases::providers`]
//! and [`crate::cases::constructs`]): what a careful decoder written for
//! each API costs. Each deserializes a minimal borrowed struct, matches the
//! code and the status (the tables in [`class`], one `match` each), applies
//! the catalog's rules and directive by hand, reads the headers the
//! catalog names and the extras it reads, and keeps delays as parsed
//! numbers ([`Floor`]), as the seed floors do.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use errspec::RetryClass::{self, *};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::contenders::floor::Floor;
use crate::contenders::header_u64;

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name)?.to_str().ok()
}

/// Seconds (fractions kept) in a header.
fn header_secs(headers: &HeaderMap, name: &str) -> Option<Duration> {
    let secs: f64 = header_str(headers, name)?.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// A Go duration (`6m0s`, `1.5s`, `20ms`).
fn go_duration(text: &str) -> Option<Duration> {
    let mut rest = text.trim();
    let mut total = 0.0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let split = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (number, tail) = rest.split_at(split);
        let value: f64 = number.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        total += value
            * match unit {
                "h" => 3600.0,
                "m" => 60.0,
                "s" => 1.0,
                "ms" => 1e-3,
                "us" | "µs" => 1e-6,
                "ns" => 1e-9,
                _ => return None,
            };
        rest = tail;
    }
    Some(Duration::from_secs_f64(total))
}

/// ASCII-case-insensitive `contains`.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// `true` / `false` in a header, any ASCII case.
fn directive(headers: &HeaderMap, name: &str) -> Option<bool> {
    let value = header_str(headers, name)?.trim();
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// The server's directive over a class.
fn apply_directive(class: RetryClass, directive: Option<bool>) -> RetryClass {
    match directive {
        Some(false) => Never,
        Some(true) if class == Throttled => Throttled,
        Some(true) => Backoff,
        None => class,
    }
}

/// The first item of an array; the rest skipped.
struct First<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for First<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = First<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let first = seq.next_element::<T>()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(First(first))
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

/// Field errors keyed by field: each string, and each string of a list,
/// is one field error of its key; other values are skipped.
struct FieldMap<'a>(Vec<(&'a str, &'a str)>);

impl<'de: 'a, 'a> Deserialize<'de> for FieldMap<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapV<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for MapV<'a> {
            type Value = FieldMap<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(field) = map.next_key::<&'de str>()? {
                    let messages: MessagesOf<'de> = map.next_value()?;
                    for message in messages.0.into_iter().flatten() {
                        out.push((field, message));
                    }
                }
                Ok(FieldMap(out))
            }
        }
        d.deserialize_map(MapV(PhantomData))
    }
}

/// A string, or a list of strings (up to four kept), or anything else.
struct MessagesOf<'a>([Option<&'a str>; 4]);

impl<'de: 'a, 'a> Deserialize<'de> for MessagesOf<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = MessagesOf<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a message or a list of messages")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(MessagesOf([Some(s), None, None, None]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = [None; 4];
                let mut i = 0;
                while let Some(item) = seq.next_element::<Option<&'de str>>()? {
                    if let (Some(item), Some(slot)) = (item, out.get_mut(i)) {
                        *slot = Some(item);
                        i += 1;
                    }
                }
                Ok(MessagesOf(out))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MessagesOf([None; 4]))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MessagesOf([None; 4]))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MessagesOf([None; 4]))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MessagesOf([None; 4]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(MessagesOf([None; 4]))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(MessagesOf([None; 4]))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

// Providers.

#[derive(Deserialize)]
struct PostmarkBody<'a> {
    #[serde(rename = "ErrorCode")]
    code: Option<i64>,
    #[serde(rename = "Message", borrow)]
    message: Option<&'a str>,
}

/// Postmark: an integer code.
pub fn postmark<'a>(status: StatusCode, headers: &'a HeaderMap, body: &'a [u8]) -> Floor<'a> {
    let by_status = class::postmark(status.as_u16());
    let retry_after = header_u64(headers, "retry-after");
    let Ok(b) = serde_json::from_slice::<PostmarkBody<'_>>(body) else {
        return Floor::status_only(by_status, body, retry_after, [None; 3]);
    };
    let known = b.code.and_then(class::postmark_code);
    Floor {
        class: known.and_then(|k| k.1).unwrap_or(by_status),
        variant: known.map(|k| k.0),
        int_code: b.code,
        message: b.message,
        retry_after,
        ..Floor::new(by_status)
    }
}

#[derive(Deserialize)]
struct SendgridBody<'a> {
    #[serde(borrow, default)]
    errors: Vec<SendgridItem<'a>>,
    #[serde(borrow)]
    id: Option<&'a str>,
}

#[derive(Deserialize)]
struct SendgridItem<'a> {
    #[serde(borrow)]
    field: Option<&'a str>,
    #[serde(borrow)]
    message: Option<&'a str>,
}

/// SendGrid: no code, every item of `errors` a field error.
pub fn sendgrid<'a>(status: StatusCode, headers: &'a HeaderMap, body: &'a [u8]) -> Floor<'a> {
    let class = class::sendgrid(status.as_u16());
    let retry_after = header_u64(headers, "retry-after");
    let rate_limit = [
        header_u64(headers, "x-ratelimit-limit"),
        header_u64(headers, "x-ratelimit-remaining"),
        header_u64(headers, "x-ratelimit-reset"),
    ];
    let Ok(b) = serde_json::from_slice::<SendgridBody<'_>>(body) else {
        return Floor::status_only(class, body, retry_after, rate_limit);
    };
    Floor {
        message: b.errors.first().and_then(|e| e.message),
        request_id: b.id,
        fields: b
            .errors
            .iter()
            .filter_map(|e| Some((e.field?, e.message)))
            .collect(),
        retry_after,
        rate_limit,
        ..Floor::new(class)
    }
}

#[derive(Deserialize)]
struct MessageBody<'a> {
    #[serde(borrow)]
    message: Option<&'a str>,
}

/// Mailgun: no code; a 404 without a JSON `message` is a wrong endpoint.
pub fn mailgun<'a>(status: StatusCode, headers: &'a HeaderMap, body: &'a [u8]) -> Floor<'a> {
    let by_status = class::mailgun(status.as_u16());
    let retry_after = header_u64(headers, "retry-after");
    let message = serde_json::from_slice::<MessageBody<'_>>(body)
        .ok()
        .and_then(|b| b.message);
    let class = if status.as_u16() == 404 && message.is_none() {
        Never
    } else {
        by_status
    };
    if message.is_none() && serde_json::from_slice::<IgnoredAny>(body).is_err() {
        return Floor::status_only(class, body, retry_after, [None; 3]);
    }
    Floor {
        message,
        retry_after,
        ..Floor::new(class)
    }
}

#[derive(Deserialize)]
struct NamedBody<'a> {
    #[serde(borrow)]
    name: Option<&'a str>,
    #[serde(borrow)]
    message: Option<&'a str>,
}

/// Resend: the code in `name`, the IETF draft rate-limit headers.
pub fn resend<'a>(status: StatusCode, headers: &'a HeaderMap, body: &'a [u8]) -> Floor<'a> {
    let by_status = class::resend(status.as_u16());
    let retry_after = header_u64(headers, "retry-after");
    let remaining = header_u64(headers, "ratelimit-remaining");
    let reset = header_u64(headers, "ratelimit-reset");
    let rate_limit = [header_u64(headers, "ratelimit-limit"), remaining, None];
    // The reset counts only when the window is spent.
    let spent = matches!(remaining, None | Some(0));
    let delays = [reset.filter(|_| spent).map(Duration::from_secs), None, None];
    let Ok(b) = serde_json::from_slice::<NamedBody<'_>>(body) else {
        return Floor {
            delays,
            ..Floor::status_only(by_status, body, retry_after, rate_limit)
        };
    };
    let known = b.name.and_then(class::resend_code);
    Floor {
        class: known.and_then(|k| k.1).unwrap_or(by_status),
        variant: known.map(|k| k.0),
        code: b.name,
        message: b.message,
        retry_after,
        rate_limit,
        delays,
        ..Floor::new(by_status)
    }
}

#[derive(Deserialize)]
struct AwsBody<'a> {
    #[serde(borrow)]
    code: Option<&'a str>,
    #[serde(rename = "__type", borrow)]
    type_: Option<&'a str>,
    #[serde(borrow)]
    message: Option<&'a str>,
}

/// An AWS error type: cut at the first `:`, keep what follows the last
/// `#`, trimmed; empty is none.
fn aws_code(raw: &str) -> Option<&str> {
    let cut = raw.split(':').next().unwrap_or(raw);
    let cut = cut.rsplit('#').next().unwrap_or(cut).trim();
    (!cut.is_empty()).then_some(cut)
}

/// The AWS JSON protocols' code: the header, else `code`, else `__type`.
fn aws_parts<'a>(
    headers: &'a HeaderMap,
    body: &'a [u8],
) -> (Option<&'a str>, Option<&'a str>, bool) {
    let header = header_str(headers, "x-amzn-errortype").and_then(aws_code);
    match serde_json::from_slice::<AwsBody<'_>>(body) {
        Ok(b) => (
            header
                .or_else(|| b.code.and_then(aws_code))
                .or_else(|| b.type_.and_then(aws_code)),
            b.message,
            true,
        ),
        Err(_) => (header, None, false),
    }
}

/// SES v2: the code from a header or the body, a rule on the message.
pub fn ses<'a>(status: StatusCode, headers: &'a HeaderMap, body: &'a [u8]) -> Floor<'a> {
    let by_status = class::ses(status.as_u16());
    let retry_after = header_u64(headers, "retry-after");
    let request_id = header_str(headers, "x-amzn-requestid");
    let (code, message, json) = aws_parts(headers, body);
    let known = code.and_then(class::ses_code);
    let daily_quota = code == Some("ThrottlingException")
        && message.is_some_and(|m| contains_ignore_case(m, "quota exceeded"));
    let class = if daily_quota {
        Never
    } else {
        known.and_then(|k| k.1).unwrap_or(by_status)
    };
    let floor = Floor {
        class,
        variant: known.map(|k| k.0),
        code,
        message,
        request_id,
        retry_after,
        ..Floor::new(class)
    };
    if json {
        floor
    } else {
        Floor {
            code,
            request_id,
            variant: floor.variant,
            ..Floor::status_only(class, body, retry_after, [None; 3])
        }
    }
}

#[derive(Deserialize)]
struct CodeBody<'a> {
    #[serde(borrow)]
    code: Option<&'a str>,
    #[serde(borrow)]
    message: Option<&'a str>,
}

/// Brevo: a flat string code; the rate-limit reset in seconds.
pub fn brevo<'a>(status: StatusCode, headers: &'a HeaderMap, body: &'a [u8]) -> Floor<'a> {
    let by_status = class::brevo(status.as_u16());
    let retry_after = header_u64(headers, "retry-after");
    let remaining = header_u64(headers, "x-sib-ratelimit-remaining");
    let reset = header_u64(headers, "x-sib-ratelimit-reset");
    let rate_limit = [
        header_u64(headers, "x-sib-ratelimit-limit"),
        remaining,
        None,
    ];
    let spent = matches!(remaining, None | Some(0));
    let delays = [reset.filter(|_| spent).map(Duration::from_secs), None, None];
    let Ok(b) = serde_json::from_slice::<CodeBody<'_>>(body) else {
        return Floor {
            delays,
            ..Floor::status_only(by_status, body, retry_after, rate_limit)
        };
    };
    let known = b.code.and_then(class::brevo_code);
    Floor {
        class: known.and_then(|k| k.1).unwrap_or(by_status),
        variant: known.map(|k| k.0),
        code: b.code,
        message: b.message,
        retry_after,
        rate_limit,
        delays,
        ..Floor::new(by_status)
    }
}

#[derive(Deserialize)]
struct SparkpostBody<'a> {
    #[serde(borrow)]
    errors: Option<First<CodeBody<'a>>>,
}

/// SparkPost: an array of errors; the first is the error.
pub fn sparkpost<'a>(status: StatusCode, headers: &'a HeaderMap, body: &'a [u8]) -> Floor<'a> {
    let by_status = class::sparkpost(status.as_u16());
    let retry_after = header_u64(headers, "retry-after");
    let Ok(b) = serde_json::from_slice::<SparkpostBody<'_>>(body) else {
        return Floor::status_only(by_status, body, retry_after, [None; 3]);
    };
    let first = b.errors.and_then(|e| e.0);
    let code = first.as_ref().and_then(|e| e.code);
    let known = code.and_then(class::sparkpost_code);
    Floor {
        class: known.and_then(|k| k.1).unwrap_or(by_status),
        variant: known.map(|k| k.0),
        code,
        message: first.and_then(|e| e.message),
        retry_after,
        ..Floor::new(by_status)
    }
}

#[derive(Deserialize)]
struct MandrillBody<'a> {
    #[serde(borrow)]
    name: Option<&'a str>,
    code: Option<i64>,
    #[serde(borrow)]
    message: Option<&'a str>,
}

/// Mandrill: the class from the error's name, an integer code beside it.
pub fn mandrill<'a>(status: StatusCode, headers: &'a HeaderMap, body: &'a [u8]) -> Floor<'a> {
    let by_status = class::mandrill(status.as_u16());
    let retry_after = header_u64(headers, "retry-after");
    let Ok(b) = serde_json::from_slice::<MandrillBody<'_>>(body) else {
        return Floor::status_only(by_status, body, retry_after, [None; 3]);
    };
    let known = b.name.and_then(class::mandrill_code);
    Floor {
        class: known.and_then(|k| k.1).unwrap_or(by_status),
        variant: known.map(|k| k.0),
        code: b.name,
        message: b.message,
        int_extra: b.code,
        retry_after,
        ..Floor::new(by_status)
    }
}

#[derive(Deserialize)]
struct StripeBody<'a> {
    #[serde(borrow)]
    error: StripeError<'a>,
}

#[derive(Deserialize)]
struct StripeError<'a> {
    #[serde(borrow)]
    code: Option<&'a str>,
    #[serde(borrow)]
    message: Option<&'a str>,
    #[serde(borrow)]
    param: Option<&'a str>,
    #[serde(rename = "type", borrow)]
    type_: Option<&'a str>,
    #[serde(borrow)]
    decline_code: Option<&'a str>,
    #[serde(borrow)]
    advice_code: Option<&'a str>,
    #[serde(borrow)]
    network_decline_code: Option<&'a str>,
    #[serde(borrow)]
    doc_url: Option<&'a str>,
    #[serde(borrow)]
    request_log_url: Option<&'a str>,
    #[serde(borrow)]
    charge: Option<&'a str>,
}

/// Stripe: rules on `type`, then the code, the status and the directive.
pub fn stripe<'a>(status: StatusCode, headers: &'a HeaderMap, body: &'a [u8]) -> Floor<'a> {
    let s = status.as_u16();
    let by_status = class::stripe(s);
    let retry_after = header_u64(headers, "retry-after");
    let request_id = header_str(headers, "request-id");
    let directive = directive(headers, "stripe-should-retry");
    let Ok(StripeBody { error: e }) = serde_json::from_slice(body) else {
        let class = apply_directive(by_status, directive);
        return Floor {
            request_id,
            ..Floor::status_only(class, body, retry_after, [None; 3])
        };
    };
    let known = e.code.and_then(class::stripe_code);
    let class = match e.type_ {
        Some("card_error") => Never,
        Some("idempotency_error") if s == 400 || s == 404 => Never,
        Some("api_error") => Ambiguous,
        _ => known.and_then(|k| k.1).unwrap_or(by_status),
    };
    Floor {
        class: apply_directive(class, directive),
        variant: known.map(|k| k.0),
        code: e.code,
        message: e.message,
        request_id,
        field: e.param.map(|p| (p, e.message)),
        extras: [
            e.type_,
            e.decline_code,
            e.advice_code,
            e.network_decline_code,
            e.doc_url,
            e.request_log_url,
        ],
        retry_after,
        ..Floor::new(class)
    }
}

// Constructs.

/// GitHub: rules on a header and on the message.
pub fn github_rules<'a>(status: StatusCode, headers: &'a HeaderMap, body: &'a [u8]) -> Floor<'a> {
    let s = status.as_u16();
    let retry_after = header_u64(headers, "retry-after");
    let request_id = header_str(headers, "x-github-request-id");
    let remaining_text = header_str(headers, "x-ratelimit-remaining");
    let rate_limit = [
        header_u64(headers, "x-ratelimit-limit"),
        remaining_text.and_then(|r| r.trim().parse().ok()),
        header_u64(headers, "x-ratelimit-reset"),
    ];
    let message = serde_json::from_slice::<MessageBody<'_>>(body)
        .ok()
        .and_then(|b| b.message);
    let primary = (s == 403 || s == 429) && remaining_text.map(str::trim) == Some("0");
    let secondary = (400..500).contains(&s)
        && message.is_some_and(|m| contains_ignore_case(m, "secondary rate limit"));
    let class = if primary || secondary {
        Throttled
    } else {
        class::github_rules(s)
    };
    Floor {
        message,
        request_id,
        retry_after,
        rate_limit,
        ..Floor::new(class)
    }
}

#[derive(Deserialize)]
struct OpenaiBody<'a> {
    #[serde(borrow)]
    error: CodeBody<'a>,
}

/// A spent dimension's reset: a Go duration.
fn dimension(headers: &HeaderMap, remaining: &str, reset: &str) -> Option<Duration> {
    let spent = match header_str(headers, remaining) {
        None => true,
        Some(r) => r.trim() == "0",
    };
    if spent {
        go_duration(header_str(headers, reset)?)
    } else {
        None
    }
}

/// OpenAI: a directive, two rate-limit dimensions, a millisecond header.
pub fn openai_directives<'a>(
    status: StatusCode,
    headers: &'a HeaderMap,
    body: &'a [u8],
) -> Floor<'a> {
    let by_status = class::openai_directives(status.as_u16());
    let retry_after = header_u64(headers, "retry-after");
    let request_id = header_str(headers, "x-request-id");
    let directive = directive(headers, "x-should-retry");
    let delays = [
        dimension(
            headers,
            "x-ratelimit-remaining-requests",
            "x-ratelimit-reset-requests",
        ),
        dimension(
            headers,
            "x-ratelimit-remaining-tokens",
            "x-ratelimit-reset-tokens",
        ),
        header_u64(headers, "retry-after-ms").map(Duration::from_millis),
    ];
    let Ok(OpenaiBody { error }) = serde_json::from_slice(body) else {
        return Floor {
            request_id,
            delays,
            ..Floor::status_only(
                apply_directive(by_status, directive),
                body,
                retry_after,
                [None; 3],
            )
        };
    };
    let known = error.code.and_then(class::openai_directives_code);
    let class = apply_directive(known.and_then(|k| k.1).unwrap_or(by_status), directive);
    Floor {
        variant: known.map(|k| k.0),
        code: error.code,
        message: error.message,
        request_id,
        retry_after,
        delays,
        ..Floor::new(class)
    }
}

#[derive(Deserialize)]
struct DiscordBody<'a> {
    code: Option<i64>,
    #[serde(borrow)]
    message: Option<&'a str>,
    retry_after: Option<f64>,
    global: Option<bool>,
}

/// Discord: a float delay in the body, a rule on a body field.
pub fn discord_body_delay<'a>(
    status: StatusCode,
    headers: &'a HeaderMap,
    body: &'a [u8],
) -> Floor<'a> {
    let s = status.as_u16();
    let by_status = class::discord_body_delay(s);
    let retry_after = header_u64(headers, "retry-after");
    let reset_after = header_secs(headers, "x-ratelimit-reset-after");
    let Ok(b) = serde_json::from_slice::<DiscordBody<'_>>(body) else {
        return Floor {
            delays: [reset_after, None, None],
            ..Floor::status_only(by_status, body, retry_after, [None; 3])
        };
    };
    let known = b.code.and_then(class::discord_body_delay_code);
    let class = if s == 429 && b.global == Some(true) {
        Throttled
    } else {
        known.and_then(|k| k.1).unwrap_or(by_status)
    };
    let body_delay = b
        .retry_after
        .filter(|x| x.is_finite() && *x >= 0.0)
        .map(Duration::from_secs_f64);
    Floor {
        variant: known.map(|k| k.0),
        int_code: b.code,
        message: b.message,
        retry_after,
        delays: [body_delay, reset_after, None],
        ..Floor::new(class)
    }
}

#[derive(Deserialize)]
struct GoogleBody<'a> {
    #[serde(borrow)]
    error: GoogleError<'a>,
}

#[derive(Deserialize)]
struct GoogleError<'a> {
    #[serde(borrow)]
    status: Option<&'a str>,
    #[serde(borrow)]
    message: Option<&'a str>,
    #[serde(borrow)]
    details: Option<RetryInfo<'a>>,
}

/// The `retryDelay` of the first `google.rpc.RetryInfo` in `details`.
struct RetryInfo<'a>(Option<&'a str>);

impl<'de: 'a, 'a> Deserialize<'de> for RetryInfo<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Detail<'a> {
            #[serde(rename = "@type", borrow)]
            type_: Option<&'a str>,
            #[serde(rename = "retryDelay", borrow)]
            retry_delay: Option<&'a str>,
        }
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = RetryInfo<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of details")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut found = None;
                while let Some(detail) = seq.next_element::<Detail<'de>>()? {
                    if found.is_none()
                        && detail.type_ == Some("type.googleapis.com/google.rpc.RetryInfo")
                    {
                        found = Some(detail.retry_delay);
                    }
                }
                Ok(RetryInfo(found.flatten()))
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

/// Google: a delay in the item of `details` that has the right `@type`.
pub fn google_retry_info<'a>(
    status: StatusCode,
    headers: &'a HeaderMap,
    body: &'a [u8],
) -> Floor<'a> {
    let by_status = class::google_retry_info(status.as_u16());
    let _ = headers;
    let Ok(GoogleBody { error }) = serde_json::from_slice(body) else {
        return Floor::status_only(by_status, body, None, [None; 3]);
    };
    let known = error.status.and_then(class::google_retry_info_code);
    Floor {
        class: known.and_then(|k| k.1).unwrap_or(by_status),
        variant: known.map(|k| k.0),
        code: error.status,
        message: error.message,
        delays: [
            error.details.and_then(|d| d.0).and_then(go_duration),
            None,
            None,
        ],
        ..Floor::new(by_status)
    }
}

/// AWS JSON: a code chain with normalisation.
pub fn aws_json<'a>(status: StatusCode, headers: &'a HeaderMap, body: &'a [u8]) -> Floor<'a> {
    let by_status = class::aws_json(status.as_u16());
    let request_id = header_str(headers, "x-amzn-requestid");
    let (code, message, json) = aws_parts(headers, body);
    let known = code.and_then(class::aws_json_code);
    let class = known.and_then(|k| k.1).unwrap_or(by_status);
    if !json {
        return Floor {
            code,
            request_id,
            variant: known.map(|k| k.0),
            ..Floor::status_only(class, body, None, [None; 3])
        };
    }
    Floor {
        variant: known.map(|k| k.0),
        code,
        message,
        request_id,
        ..Floor::new(class)
    }
}

/// Stripe's layout with four extras (no rules).
pub fn stripe_extras<'a>(status: StatusCode, headers: &'a HeaderMap, body: &'a [u8]) -> Floor<'a> {
    let by_status = class::stripe_extras(status.as_u16());
    let request_id = header_str(headers, "request-id");
    let Ok(StripeBody { error: e }) = serde_json::from_slice(body) else {
        return Floor {
            request_id,
            ..Floor::status_only(by_status, body, None, [None; 3])
        };
    };
    let known = e.code.and_then(class::stripe_extras_code);
    Floor {
        class: known.and_then(|k| k.1).unwrap_or(by_status),
        variant: known.map(|k| k.0),
        code: e.code,
        message: e.message,
        request_id,
        field: e.param.map(|p| (p, e.message)),
        extras: [e.type_, e.decline_code, e.doc_url, e.charge, None, None],
        ..Floor::new(by_status)
    }
}

#[derive(Deserialize)]
struct ShopifyBody<'a> {
    #[serde(borrow)]
    errors: Option<FieldMap<'a>>,
}

/// Shopify: field errors keyed by field.
pub fn shopify_field_map<'a>(
    status: StatusCode,
    headers: &'a HeaderMap,
    body: &'a [u8],
) -> Floor<'a> {
    let class = class::shopify_field_map(status.as_u16());
    let retry_after = header_u64(headers, "retry-after");
    let request_id = header_str(headers, "x-request-id");
    let Ok(b) = serde_json::from_slice::<ShopifyBody<'_>>(body) else {
        return Floor {
            request_id,
            ..Floor::status_only(class, body, retry_after, [None; 3])
        };
    };
    Floor {
        request_id,
        fields: b
            .errors
            .map(|m| m.0.into_iter().map(|(f, m)| (f, Some(m))).collect())
            .unwrap_or_default(),
        retry_after,
        ..Floor::new(class)
    }
}

#[derive(Deserialize)]
struct ReasonBody<'a> {
    #[serde(borrow)]
    error: ReasonError<'a>,
}

#[derive(Deserialize)]
struct ReasonError<'a> {
    #[serde(borrow)]
    errors: Option<First<ReasonItem<'a>>>,
    #[serde(borrow)]
    message: Option<&'a str>,
}

#[derive(Deserialize)]
struct ReasonItem<'a> {
    #[serde(borrow)]
    reason: Option<&'a str>,
}

/// Google Drive: the code in the first item of `error.errors`, a rule on it.
pub fn google_reason_rule<'a>(
    status: StatusCode,
    headers: &'a HeaderMap,
    body: &'a [u8],
) -> Floor<'a> {
    let s = status.as_u16();
    let by_status = class::google_reason_rule(s);
    let _ = headers;
    let Ok(ReasonBody { error }) = serde_json::from_slice(body) else {
        return Floor::status_only(by_status, body, None, [None; 3]);
    };
    let code = error.errors.and_then(|e| e.0).and_then(|i| i.reason);
    let known = code.and_then(class::google_reason_rule_code);
    let class = if s == 403 && matches!(code, Some("userRateLimitExceeded" | "rateLimitExceeded")) {
        Backoff
    } else {
        known.and_then(|k| k.1).unwrap_or(by_status)
    };
    Floor {
        variant: known.map(|k| k.0),
        code,
        message: error.message,
        ..Floor::new(class)
    }
}

#[derive(Deserialize)]
struct SlackBody<'a> {
    #[serde(borrow)]
    error: Option<&'a str>,
}

#[derive(Deserialize)]
struct TwilioBody<'a> {
    #[serde(rename = "type", borrow)]
    type_: Option<&'a str>,
    #[serde(borrow)]
    title: Option<&'a str>,
    code: Option<i64>,
    #[serde(borrow)]
    message: Option<&'a str>,
    #[serde(borrow)]
    more_info: Option<&'a str>,
    #[serde(borrow)]
    errors: Option<Vec<TwilioFieldError<'a>>>,
}

#[derive(Deserialize)]
struct TwilioFieldError<'a> {
    #[serde(borrow)]
    pointer: Option<&'a str>,
    #[serde(borrow)]
    detail: Option<&'a str>,
}

/// Twilio: two layouts, an RFC 9457 body (it has a `type`) and the legacy
/// one; one struct holds the fields of both, and the `type` picks.
pub fn twilio_layouts<'a>(status: StatusCode, headers: &'a HeaderMap, body: &'a [u8]) -> Floor<'a> {
    let by_status = class::twilio_layouts(status.as_u16());
    let _ = headers;
    let Ok(b) = serde_json::from_slice::<TwilioBody<'_>>(body) else {
        return Floor::status_only(by_status, body, None, [None; 3]);
    };
    let known = b.code.and_then(class::twilio_layouts_code);
    let problem = b.type_.is_some();
    let fields = match b.errors {
        Some(errors) if problem => errors
            .into_iter()
            .filter_map(|e| Some((e.pointer?, e.detail)))
            .collect(),
        _ => Vec::new(),
    };
    Floor {
        class: known.and_then(|k| k.1).unwrap_or(by_status),
        variant: known.map(|k| k.0),
        int_code: b.code,
        message: if problem { b.title } else { b.message },
        fields,
        extras: [
            if problem { b.type_ } else { b.more_info },
            None,
            None,
            None,
            None,
            None,
        ],
        ..Floor::new(by_status)
    }
}

/// Slack: a failure inside a 200 (`ok: false`) is an error of its code
/// (the floor decodes the case as the failure it is; it does not judge `ok`).
pub fn slack_success_body<'a>(
    status: StatusCode,
    headers: &'a HeaderMap,
    body: &'a [u8],
) -> Floor<'a> {
    let s = status.as_u16();
    let by_status = match s {
        429 => Throttled,
        s if s >= 500 => Backoff,
        _ => Never,
    };
    let retry_after = header_u64(headers, "retry-after");
    let Ok(b) = serde_json::from_slice::<SlackBody<'_>>(body) else {
        return Floor::status_only(by_status, body, retry_after, [None; 3]);
    };
    let known = b.error.and_then(|c| match c {
        "ratelimited" => Some((0, Some(Throttled))),
        "channel_not_found" => Some((1, None)),
        "invalid_auth" => Some((2, None)),
        "service_unavailable" => Some((3, Some(Backoff))),
        "fatal_error" => Some((4, Some(Ambiguous))),
        "internal_error" => Some((5, Some(Ambiguous))),
        _ => None,
    });
    Floor {
        class: known.and_then(|k| k.1).unwrap_or(by_status),
        variant: known.map(|k| k.0),
        code: b.error,
        retry_after,
        ..Floor::new(by_status)
    }
}

#[derive(Deserialize)]
struct PostmarkResult<'a> {
    #[serde(rename = "ErrorCode")]
    code: Option<i64>,
    #[serde(rename = "Message", borrow)]
    message: Option<&'a str>,
}

/// One refused message of a Postmark batch.
#[derive(Debug)]
pub struct PostmarkFailure<'a> {
    /// Its position in the request.
    pub index: usize,
    /// Its `ErrorCode`.
    pub code: i64,
    /// Its `Message`.
    pub message: Option<&'a str>,
    /// Its code's class, `never` for an unlisted code.
    pub class: RetryClass,
}

/// Postmark's `/email/batch`: the results whose `ErrorCode` is not 0.
pub fn postmark_batch<'a>(
    status: StatusCode,
    _headers: &'a HeaderMap,
    body: &'a [u8],
) -> Vec<PostmarkFailure<'a>> {
    if !status.is_success() {
        return Vec::new();
    }
    let Ok(results) = serde_json::from_slice::<Vec<PostmarkResult<'_>>>(body) else {
        return Vec::new();
    };
    results
        .into_iter()
        .enumerate()
        .filter_map(|(index, r)| {
            let code = r.code.filter(|c| *c != 0)?;
            let class = match class::postmark_code(code) {
                Some((_, Some(class))) => class,
                Some((_, None)) => class::postmark(422),
                None => Never,
            };
            Some(PostmarkFailure {
                index,
                code,
                message: r.message,
                class,
            })
        })
        .collect()
}

/// Retry class of each status, and known codes with their class override.
// Statuses are listed as the catalogs list them, not as ranges.
#[allow(clippy::manual_range_patterns)]
pub mod class {
    use errspec::RetryClass::{self, *};

    /// postmark: the class of a status.
    pub fn postmark(status: u16) -> RetryClass {
        match status {
            400 | 401 | 404 | 413 | 415 | 422 => Never,
            429 => Throttled,
            500 => Ambiguous,
            503 => Backoff,
            s if s >= 500 => Ambiguous,
            _ => Never,
        }
    }

    /// The known code's index and its class override.
    pub fn postmark_code(code: i64) -> Option<(u8, Option<RetryClass>)> {
        Some(match code {
            10 => (0, None),
            100 => (1, Some(Backoff)),
            300 => (2, None),
            400 => (3, None),
            401 => (4, None),
            402 => (5, None),
            403 => (6, None),
            405 => (7, None),
            406 => (8, None),
            409 => (9, None),
            410 => (10, None),
            411 => (11, None),
            412 => (12, None),
            413 => (13, None),
            429 => (14, Some(Throttled)),
            500 => (15, None),
            501 => (16, None),
            502 => (17, None),
            503 => (18, None),
            504 => (19, None),
            505 => (20, None),
            506 => (21, None),
            507 => (22, None),
            510 => (23, None),
            511 => (24, None),
            512 => (25, None),
            513 => (26, None),
            514 => (27, None),
            515 => (28, None),
            516 => (29, None),
            520 => (30, None),
            521 => (31, None),
            522 => (32, None),
            600 => (33, None),
            601 => (34, None),
            602 => (35, None),
            603 => (36, None),
            604 => (37, None),
            605 => (38, None),
            606 => (39, None),
            607 => (40, None),
            608 => (41, None),
            609 => (42, None),
            610 => (43, None),
            611 => (44, None),
            700 => (45, None),
            701 => (46, None),
            702 => (47, None),
            703 => (48, None),
            800 => (49, None),
            801 => (50, None),
            803 => (51, None),
            808 => (52, None),
            809 => (53, None),
            810 => (54, None),
            811 => (55, None),
            812 => (56, None),
            813 => (57, None),
            900 => (58, None),
            1000 => (59, None),
            1001 => (60, None),
            1002 => (61, None),
            1003 => (62, None),
            1100 => (63, None),
            1101 => (64, None),
            1105 => (65, None),
            1109 => (66, None),
            1120 => (67, None),
            1121 => (68, None),
            1122 => (69, None),
            1123 => (70, None),
            1125 => (71, None),
            1130 => (72, None),
            1131 => (73, None),
            1221 => (74, None),
            1222 => (75, None),
            1223 => (76, None),
            1224 => (77, None),
            1225 => (78, None),
            1226 => (79, None),
            1227 => (80, None),
            1228 => (81, None),
            1229 => (82, None),
            1230 => (83, None),
            1231 => (84, None),
            1232 => (85, None),
            1233 => (86, None),
            1234 => (87, None),
            1235 => (88, None),
            1236 => (89, None),
            1237 => (90, None),
            11 => (91, None),
            12 => (92, None),
            13 => (93, None),
            14 => (94, None),
            101 => (95, None),
            422 => (96, None),
            1480 => (97, None),
            _ => return None,
        })
    }

    /// sendgrid: the class of a status.
    pub fn sendgrid(status: u16) -> RetryClass {
        match status {
            400 | 401 | 403 | 404 | 405 | 406 | 413 | 451 => Never,
            429 => Throttled,
            500 => Ambiguous,
            503 => Backoff,
            s if s >= 500 => Ambiguous,
            _ => Never,
        }
    }

    /// mailgun: the class of a status.
    pub fn mailgun(status: u16) -> RetryClass {
        match status {
            400 | 401 | 402 | 403 => Never,
            404 | 503 => Backoff,
            429 => Throttled,
            500 | 502 | 504 => Ambiguous,
            s if s >= 500 => Ambiguous,
            _ => Never,
        }
    }

    /// resend: the class of a status.
    pub fn resend(status: u16) -> RetryClass {
        match status {
            400 | 401 | 403 | 404 | 405 | 409 | 422 | 451 => Never,
            429 => Throttled,
            500 => Ambiguous,
            s if s >= 500 => Ambiguous,
            _ => Never,
        }
    }

    /// The known code's index and its class override.
    pub fn resend_code(code: &str) -> Option<(u8, Option<RetryClass>)> {
        Some(match code {
            "invalid_idempotency_key" => (0, None),
            "validation_error" => (1, None),
            "missing_api_key" => (2, None),
            "restricted_api_key" => (3, None),
            "invalid_api_key" => (4, None),
            "not_found" => (5, None),
            "method_not_allowed" => (6, None),
            "invalid_idempotent_request" => (7, None),
            "concurrent_idempotent_requests" => (8, Some(Backoff)),
            "invalid_attachment" => (9, None),
            "invalid_from_address" => (10, None),
            "invalid_access" => (11, None),
            "invalid_parameter" => (12, None),
            "invalid_region" => (13, None),
            "missing_required_field" => (14, None),
            "monthly_quota_exceeded" => (15, Some(Never)),
            "daily_quota_exceeded" => (16, Some(Never)),
            "rate_limit_exceeded" => (17, None),
            "security_error" => (18, None),
            "application_error" => (19, None),
            "internal_server_error" => (20, None),
            _ => return None,
        })
    }

    /// ses: the class of a status.
    pub fn ses(status: u16) -> RetryClass {
        match status {
            400 | 403 | 404 | 409 | 413 => Never,
            408 | 503 => Backoff,
            429 => Throttled,
            500 => Ambiguous,
            s if s >= 500 => Ambiguous,
            _ => Never,
        }
    }

    /// The known code's index and its class override.
    pub fn ses_code(code: &str) -> Option<(u8, Option<RetryClass>)> {
        Some(match code {
            "AccountSuspendedException" => (0, None),
            "BadRequestException" => (1, None),
            "LimitExceededException" => (2, None),
            "MailFromDomainNotVerifiedException" => (3, None),
            "MessageRejected" => (4, None),
            "NotFoundException" => (5, None),
            "SendingPausedException" => (6, None),
            "TooManyRequestsException" => (7, None),
            "AlreadyExistsException" => (8, None),
            "ConcurrentModificationException" => (9, Some(Backoff)),
            "ConflictException" => (10, None),
            "InternalServiceErrorException" => (11, None),
            "InvalidNextTokenException" => (12, None),
            "ThrottlingException" => (13, Some(Throttled)),
            "AccessDeniedException" => (14, None),
            "ServiceUnavailable" => (15, None),
            "InternalFailure" => (16, None),
            "RequestTimeoutException" => (17, None),
            _ => return None,
        })
    }

    /// brevo: the class of a status.
    pub fn brevo(status: u16) -> RetryClass {
        match status {
            400 | 401 | 402 | 403 | 404 | 405 | 406 | 422 => Never,
            429 => Throttled,
            s if s >= 500 => Ambiguous,
            _ => Never,
        }
    }

    /// The known code's index and its class override.
    pub fn brevo_code(code: &str) -> Option<(u8, Option<RetryClass>)> {
        Some(match code {
            "invalid_parameter" => (0, None),
            "missing_parameter" => (1, None),
            "out_of_range" => (2, None),
            "campaign_processing" => (3, None),
            "campaign_sent" => (4, None),
            "document_not_found" => (5, None),
            "reseller_permission_denied" => (6, None),
            "not_enough_credits" => (7, None),
            "permission_denied" => (8, None),
            "duplicate_parameter" => (9, None),
            "duplicate_request" => (10, None),
            "method_not_allowed" => (11, None),
            "unauthorized" => (12, None),
            "account_under_validation" => (13, None),
            "not_acceptable" => (14, None),
            "bad_request" => (15, None),
            _ => return None,
        })
    }

    /// sparkpost: the class of a status.
    pub fn sparkpost(status: u16) -> RetryClass {
        match status {
            400 | 401 | 403 | 404 | 405 | 406 | 409 | 413 | 415 | 420 | 422 => Never,
            429 => Throttled,
            500 => Ambiguous,
            503 => Backoff,
            s if s >= 500 => Ambiguous,
            _ => Never,
        }
    }

    /// The known code's index and its class override.
    pub fn sparkpost_code(code: &str) -> Option<(u8, Option<RetryClass>)> {
        Some(match code {
            "1100" => (0, None),
            "1101" => (1, None),
            "1102" => (2, None),
            "1103" => (3, None),
            "1200" => (4, None),
            "1300" => (5, None),
            "1301" => (6, None),
            "1303" => (7, None),
            "1304" => (8, None),
            "1305" => (9, None),
            "1400" => (10, None),
            "1401" => (11, None),
            "1500" => (12, None),
            "1501" => (13, Some(Backoff)),
            "1502" => (14, Some(Backoff)),
            "1600" => (15, None),
            "1601" => (16, None),
            "1602" => (17, None),
            "1603" => (18, None),
            "1700" => (19, None),
            "1800" => (20, None),
            "1900" => (21, None),
            "1901" => (22, None),
            "1902" => (23, None),
            "1910" => (24, None),
            "2001" => (25, None),
            "2002" => (26, None),
            "2003" => (27, None),
            "2004" => (28, None),
            "2005" => (29, None),
            "2006" => (30, None),
            "2101" => (31, Some(Never)),
            "2102" => (32, Some(Never)),
            "2103" => (33, Some(Never)),
            "2106" => (34, None),
            "3000" => (35, None),
            "3001" => (36, None),
            "3002" => (37, None),
            "3010" => (38, None),
            "3020" => (39, None),
            "3030" => (40, None),
            "3040" => (41, None),
            "3050" => (42, None),
            "5001" => (43, None),
            "5002" => (44, None),
            "6100" => (45, None),
            "6200" => (46, None),
            "7000" => (47, None),
            "7001" => (48, None),
            "10000" => (49, None),
            "10001" => (50, None),
            "10002" => (51, None),
            _ => return None,
        })
    }

    /// mandrill: the class of a status.
    pub fn mandrill(status: u16) -> RetryClass {
        match status {
            400 | 401 => Never,
            429 => Throttled,
            500 => Ambiguous,
            s if s >= 500 => Ambiguous,
            _ => Never,
        }
    }

    /// The known code's index and its class override.
    pub fn mandrill_code(code: &str) -> Option<(u8, Option<RetryClass>)> {
        Some(match code {
            "ValidationError" => (0, Some(Never)),
            "Invalid_Key" => (1, Some(Never)),
            "PaymentRequired" => (2, Some(Never)),
            "Unknown_Subaccount" => (3, Some(Never)),
            "Unknown_Template" => (4, Some(Never)),
            "ServiceUnavailable" => (5, Some(Backoff)),
            "Unknown_Message" => (6, Some(Never)),
            "Invalid_Tag_Name" => (7, Some(Never)),
            "Invalid_Reject" => (8, Some(Never)),
            "Unknown_Sender" => (9, Some(Never)),
            "Unknown_Url" => (10, Some(Never)),
            "Unknown_TrackingDomain" => (11, Some(Never)),
            "Invalid_Template" => (12, Some(Never)),
            "Unknown_Webhook" => (13, Some(Never)),
            "Unknown_InboundDomain" => (14, Some(Never)),
            "Unknown_InboundRoute" => (15, Some(Never)),
            "Unknown_Export" => (16, Some(Never)),
            "IP_ProvisionLimit" => (17, Some(Never)),
            "Unknown_Pool" => (18, Some(Never)),
            "NoSendingHistory" => (19, Some(Never)),
            "PoorReputation" => (20, Some(Never)),
            "Unknown_IP" => (21, Some(Never)),
            "Invalid_EmptyDefaultPool" => (22, Some(Never)),
            "Invalid_DeleteDefaultPool" => (23, Some(Never)),
            "Invalid_DeleteNonEmptyPool" => (24, Some(Never)),
            "Invalid_CustomDNS" => (25, Some(Never)),
            "Invalid_CustomDNSPending" => (26, Some(Never)),
            "Metadata_FieldLimit" => (27, Some(Never)),
            "Unknown_MetadataField" => (28, Some(Never)),
            "GeneralError" => (29, Some(Ambiguous)),
            _ => return None,
        })
    }

    /// stripe: the class of a status.
    pub fn stripe(status: u16) -> RetryClass {
        match status {
            400 | 401 | 402 | 403 | 404 => Never,
            409 => Backoff,
            424 | 500 | 502 | 503 | 504 => Ambiguous,
            429 => Throttled,
            s if s >= 500 => Ambiguous,
            _ => Never,
        }
    }

    /// The known code's index and its class override.
    pub fn stripe_code(code: &str) -> Option<(u8, Option<RetryClass>)> {
        Some(match code {
            "resource_missing" => (0, None),
            "parameter_missing" => (1, None),
            "parameter_unknown" => (2, None),
            "parameter_invalid_integer" => (3, None),
            "parameter_invalid_empty" => (4, None),
            "parameters_exclusive" => (5, None),
            "card_declined" => (6, None),
            "expired_card" => (7, None),
            "incorrect_cvc" => (8, None),
            "incorrect_number" => (9, None),
            "incorrect_zip" => (10, None),
            "processing_error" => (11, None),
            "idempotency_key_in_use" => (12, Some(Backoff)),
            "lock_timeout" => (13, Some(Backoff)),
            "rate_limit" => (14, Some(Throttled)),
            "api_key_expired" => (15, None),
            "platform_api_key_expired" => (16, None),
            "secret_key_required" => (17, None),
            "amount_too_small" => (18, None),
            "amount_too_large" => (19, None),
            "balance_insufficient" => (20, None),
            "charge_already_refunded" => (21, None),
            "email_invalid" => (22, None),
            "url_invalid" => (23, None),
            "tls_version_unsupported" => (24, None),
            "testmode_charges_only" => (25, None),
            "livemode_mismatch" => (26, None),
            _ => return None,
        })
    }

    /// github_rules: the class of a status.
    pub fn github_rules(status: u16) -> RetryClass {
        match status {
            403 | 404 | 422 => Never,
            429 => Throttled,
            s if s >= 500 => Backoff,
            _ => Never,
        }
    }

    /// openai_directives: the class of a status.
    pub fn openai_directives(status: u16) -> RetryClass {
        match status {
            400 | 409 => Never,
            429 => Throttled,
            500 => Backoff,
            s if s >= 500 => Backoff,
            _ => Never,
        }
    }

    /// The known code's index and its class override.
    pub fn openai_directives_code(code: &str) -> Option<(u8, Option<RetryClass>)> {
        Some(match code {
            "rate_limit_exceeded" => (0, None),
            "insufficient_quota" => (1, Some(Never)),
            _ => return None,
        })
    }

    /// discord_body_delay: the class of a status.
    pub fn discord_body_delay(status: u16) -> RetryClass {
        match status {
            400 => Never,
            429 => Throttled,
            502 => Backoff,
            s if s >= 500 => Backoff,
            _ => Never,
        }
    }

    /// The known code's index and its class override.
    pub fn discord_body_delay_code(code: i64) -> Option<(u8, Option<RetryClass>)> {
        Some(match code {
            50035 => (0, None),
            _ => return None,
        })
    }

    /// google_retry_info: the class of a status.
    pub fn google_retry_info(status: u16) -> RetryClass {
        match status {
            429 => Throttled,
            503 => Backoff,
            s if s >= 500 => Backoff,
            _ => Never,
        }
    }

    /// The known code's index and its class override.
    pub fn google_retry_info_code(code: &str) -> Option<(u8, Option<RetryClass>)> {
        Some(match code {
            "RESOURCE_EXHAUSTED" => (0, None),
            "UNAVAILABLE" => (1, None),
            _ => return None,
        })
    }

    /// aws_json: the class of a status.
    pub fn aws_json(status: u16) -> RetryClass {
        match status {
            400 => Never,
            500 | 503 => Backoff,
            s if s >= 500 => Backoff,
            _ => Never,
        }
    }

    /// The known code's index and its class override.
    pub fn aws_json_code(code: &str) -> Option<(u8, Option<RetryClass>)> {
        Some(match code {
            "ValidationException" => (0, None),
            "ThrottlingException" => (1, Some(Backoff)),
            "ProvisionedThroughputExceededException" => (2, Some(Backoff)),
            "InternalServerError" => (3, None),
            _ => return None,
        })
    }

    /// stripe_extras: the class of a status.
    pub fn stripe_extras(status: u16) -> RetryClass {
        match status {
            400 | 402 => Never,
            429 | 500 => Backoff,
            s if s >= 500 => Backoff,
            _ => Never,
        }
    }

    /// The known code's index and its class override.
    pub fn stripe_extras_code(code: &str) -> Option<(u8, Option<RetryClass>)> {
        Some(match code {
            "card_declined" => (0, None),
            "rate_limit" => (1, Some(Backoff)),
            _ => return None,
        })
    }

    /// shopify_field_map: the class of a status.
    pub fn shopify_field_map(status: u16) -> RetryClass {
        match status {
            404 | 422 => Never,
            429 => Throttled,
            503 => Backoff,
            s if s >= 500 => Backoff,
            _ => Never,
        }
    }

    /// twilio_layouts: the class of a status.
    pub fn twilio_layouts(status: u16) -> RetryClass {
        match status {
            400 | 404 => Never,
            429 => Backoff,
            s if s >= 500 => Backoff,
            _ => Never,
        }
    }

    /// The known code's index and its class override.
    pub fn twilio_layouts_code(code: i64) -> Option<(u8, Option<RetryClass>)> {
        Some(match code {
            20001 => (0, None),
            20404 => (1, None),
            20429 => (2, Some(Backoff)),
            _ => return None,
        })
    }

    /// google_reason_rule: the class of a status.
    pub fn google_reason_rule(status: u16) -> RetryClass {
        match status {
            403 => Never,
            429 => Backoff,
            s if s >= 500 => Backoff,
            _ => Never,
        }
    }

    /// The known code's index and its class override.
    pub fn google_reason_rule_code(code: &str) -> Option<(u8, Option<RetryClass>)> {
        Some(match code {
            "userRateLimitExceeded" => (0, None),
            "rateLimitExceeded" => (1, None),
            "insufficientFilePermissions" => (2, None),
            _ => return None,
        })
    }
}
