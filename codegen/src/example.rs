//! Example error responses built from an API's layout: shown in the
//! generated docs (type-level doc comments and the Markdown pages) and
//! decoded by the tests.

use crate::expand::status_label;
use crate::model::{
    Api, BodyFormat, BodyLayout, Code, CodeSource, CodeValue, ResetUnit, RetryClass,
};

/// An example error response, built from an API's layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExampleResponse {
    /// The HTTP status.
    pub status: u16,
    /// Response headers, lower-case names, in a fixed order.
    pub headers: Vec<(String, String)>,
    /// The body (pretty-printed JSON, or text); empty when the layout puts
    /// nothing in it.
    pub body: String,
}

impl ExampleResponse {
    /// The response as HTTP/1.1 text, header names spelled by `spell`.
    pub fn to_http(&self, spell: &dyn Fn(&str) -> String) -> String {
        let mut out = format!("HTTP/1.1 {}\n", status_label(self.status));
        for (name, value) in &self.headers {
            out.push_str(&format!("{}: {value}\n", spell(name)));
        }
        if !self.body.is_empty() {
            out.push('\n');
            out.push_str(&self.body);
            out.push('\n');
        }
        out
    }
}

const EXAMPLE_REQUEST_ID: &str = "req_01J9Z3T8KX5Q";
const EXAMPLE_FIELD: &str = "email";
const EXAMPLE_FIELD_MESSAGE: &str = "is not a valid email address";
/// The deepest nesting an example body has.
pub(crate) const EXAMPLE_MAX_DEPTH: usize = 64;
/// A fixed reset time (2026-11-24T12:00:00Z), so examples are stable.
const EXAMPLE_RESET_UNIX: &str = "1795521600";

/// The layout example responses are written in: the first that is JSON
/// or text and chosen by content type alone (an example carries that
/// content type), if any.
pub(crate) fn example_layout(api: &Api) -> Option<&BodyLayout> {
    api.layouts()
        .find(|b| b.format != BodyFormat::Xml && b.when.is_empty())
}

/// An example response for `code` (or, without one, a status-level error)
/// at `status`: the code, message and request id where the layout puts
/// them, a field error for 400 and 422, and the delay headers for
/// throttled errors.
pub fn example_response(api: &Api, code: Option<&Code>, status: u16) -> ExampleResponse {
    let class = code.map_or_else(|| api.status_class(status), |c| c.effective_class(api));
    let message = match code {
        Some(c) => c.description.clone(),
        None => api
            .statuses
            .iter()
            .find(|s| s.status == status)
            .map_or_else(|| status_label(status), |s| s.meaning.clone()),
    };
    let body = example_layout(api).unwrap_or(&api.body);
    let mut headers = Vec::new();
    let text_body = body.format == BodyFormat::Text;
    let content_type = match body.content_types.first() {
        Some(t) => t.value.as_str(),
        None if text_body => "text/plain; charset=utf-8",
        None => "application/json",
    };
    headers.push((String::from("content-type"), content_type.to_owned()));
    if let (Some(CodeSource::Header(h)), Some(c)) = (&body.code, code) {
        headers.push((h.value.clone(), c.value.to_string()));
    }
    if let Some(h) = &api.headers.request_id {
        headers.push((h.value.clone(), EXAMPLE_REQUEST_ID.to_owned()));
    }
    if class == RetryClass::Throttled || status == 429 {
        if let Some(h) = &api.headers.retry_after {
            headers.push((h.value.clone(), String::from("30")));
        }
        if let Some(r) = &api.headers.rate_limit {
            for (h, value) in [
                (&r.limit, "100"),
                (&r.remaining, "0"),
                (
                    &r.reset,
                    match r.reset_unit {
                        ResetUnit::UnixSeconds => EXAMPLE_RESET_UNIX,
                        ResetUnit::Seconds => "30",
                    },
                ),
            ] {
                if let Some(h) = h {
                    headers.push((h.value.clone(), value.to_owned()));
                }
            }
        }
    }
    let body_text = if text_body {
        message
    } else {
        let mut root = Json::Null;
        let mut item = Json::Null;
        // Nesting stays well inside what a JSON parser accepts (serde_json
        // stops at 128 levels): a value whose pointer is deeper is left out.
        let base = body.errors.as_ref().map_or(0, |p| p.segments.len() + 1);
        let fits = |depth: usize| depth <= EXAMPLE_MAX_DEPTH;
        if let (Some(CodeSource::Body(p)), Some(c)) = (&body.code, code)
            && fits(base + p.segments.len())
        {
            item.set(
                &p.segments,
                match &c.value {
                    CodeValue::Str(s) => Json::Str(s.clone()),
                    CodeValue::Int(i) => Json::Int(*i),
                },
            );
        }
        if let Some(p) = &body.message
            && fits(base + p.segments.len())
        {
            item.set(&p.segments, Json::Str(message));
        }
        if let (Some(f), true) = (&body.field_errors, matches!(status, 400 | 422)) {
            // Without `items`, the field error lives in the error object itself.
            let item_base = base + f.items.as_ref().map_or(0, |p| p.segments.len() + 1);
            let mut array_item = Json::Null;
            let target = if f.items.is_some() {
                &mut array_item
            } else {
                &mut item
            };
            if fits(item_base + f.field.segments.len()) {
                target.set(&f.field.segments, Json::Str(EXAMPLE_FIELD.to_owned()));
            }
            if let Some(m) = &f.message
                && fits(item_base + m.segments.len())
            {
                target.set(&m.segments, Json::Str(EXAMPLE_FIELD_MESSAGE.to_owned()));
            }
            if let Some(items) = &f.items
                && array_item != Json::Null
            {
                item.set(&items.segments, Json::Arr(vec![array_item]));
            }
        }
        match &body.errors {
            Some(p) if fits(base) => {
                root.set(&p.segments, Json::Arr(vec![item]));
            }
            Some(_) => {}
            None => root = item,
        }
        if let Some(p) = &body.request_id
            && fits(p.segments.len())
        {
            root.set(&p.segments, Json::Str(EXAMPLE_REQUEST_ID.to_owned()));
        }
        let mut out = String::new();
        if root != Json::Null {
            root.write(&mut out, 0);
        }
        out
    };
    ExampleResponse {
        status,
        headers,
        body: body_text,
    }
}

/// `segment` as an index into an example array: canonical (RFC 6901) and
/// below 16, so examples stay small.
fn array_index(segment: &str) -> Option<usize> {
    let canonical = segment == "0"
        || (!segment.starts_with('0') && segment.bytes().all(|b| b.is_ascii_digit()));
    let i: usize = segment.parse().ok().filter(|_| canonical)?;
    (i < 16).then_some(i)
}

/// A tiny JSON tree that keeps insertion order (whatever features
/// `serde_json` is built with), for deterministic examples.
#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Str(String),
    Int(i64),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// Puts `value` at a pointer, creating objects (arrays for numeric
    /// tokens) on the way; the first value written to a place wins.
    fn set(&mut self, segments: &[String], value: Json) -> bool {
        let Some((first, rest)) = segments.split_first() else {
            if *self == Json::Null {
                *self = value;
                return true;
            }
            return false;
        };
        if *self == Json::Null {
            // An array only for a small canonical index (RFC 6901: no
            // leading zeros, no sign); any other segment is an object key,
            // which the decoder matches too.
            *self = match array_index(first) {
                Some(_) => Json::Arr(Vec::new()),
                None => Json::Obj(Vec::new()),
            };
        }
        match self {
            Json::Obj(entries) => {
                let i = match entries.iter().position(|(k, _)| k == first) {
                    Some(i) => i,
                    None => {
                        entries.push((first.clone(), Json::Null));
                        entries.len() - 1
                    }
                };
                entries[i].1.set(rest, value)
            }
            Json::Arr(items) => match array_index(first) {
                Some(i) => {
                    while items.len() <= i {
                        items.push(Json::Null);
                    }
                    items[i].set(rest, value)
                }
                _ => false,
            },
            _ => false,
        }
    }

    fn write(&self, out: &mut String, indent: usize) {
        let pad = |n: usize| "  ".repeat(n);
        match self {
            Json::Null => out.push_str("null"),
            Json::Int(i) => out.push_str(&i.to_string()),
            Json::Str(s) => out.push_str(&serde_json::Value::from(s.as_str()).to_string()),
            Json::Arr(items) if items.is_empty() => out.push_str("[]"),
            Json::Obj(entries) if entries.is_empty() => out.push_str("{}"),
            Json::Arr(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    item.write(out, indent + 1);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push(']');
            }
            Json::Obj(entries) => {
                out.push_str("{\n");
                for (i, (k, v)) in entries.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    out.push_str(&serde_json::Value::from(k.as_str()).to_string());
                    out.push_str(": ");
                    v.write(out, indent + 1);
                    out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push('}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_order_and_first_write() {
        let mut j = Json::Null;
        let seg = |s: &str| crate::model::parse_pointer(s).unwrap();
        assert!(j.set(&seg("/error/code"), Json::Str("x".into())));
        assert!(j.set(&seg("/error/message"), Json::Str("m".into())));
        assert!(!j.set(&seg("/error/message"), Json::Str("other".into())));
        assert!(j.set(&seg("/errors/0/field"), Json::Int(1)));
        let mut out = String::new();
        j.write(&mut out, 0);
        assert_eq!(
            out,
            "{\n  \"error\": {\n    \"code\": \"x\",\n    \"message\": \"m\"\n  },\n  \"errors\": [\n    {\n      \"field\": 1\n    }\n  ]\n}"
        );
    }
}
