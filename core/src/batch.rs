//! Per-item results of batch sends: which items of a 2xx batch response
//! failed, and how each may be retried.
//!
//! Postmark's `/email/batch` answers `200` with one result per message,
//! each with its own `ErrorCode` (0 for a message that was accepted);
//! Resend's permissive batch mode answers `200` with
//! `errors: [{index, message}]`. A catalog's `batch:` describes where the
//! items are and which of them failed; generated code keeps one
//! [`BatchLayout`] per API in a `static`, and
//! [`ApiError::batch_failures`](crate::ApiError::batch_failures) reads a
//! response with it into a list of [`BatchFailure`]s.
//!
//! ```
//! use errspec::RetryClass;
//! use errspec::__private::batch::{BatchLayout, CodeClasses};
//! use errspec::__private::decode::Decoder;
//! use errspec::__private::layout::*;
//! use errspec::__private::rules::{Condition, Test};
//!
//! // Postmark: the body is the array; an item failed when its ErrorCode is not 0.
//! static ITEM: ApiLayout = ApiLayout {
//!     body: BodyLayout {
//!         code: Some(CodeSource::Body(Pointer(&["ErrorCode"]))),
//!         code_type: CodeType::Integer,
//!         message: Some(Pointer(&["Message"])),
//!         captures: &[Capture::At(Pointer(&["ErrorCode"]))],
//!         ..BodyLayout::JSON
//!     },
//!     headers: HeaderLayout::NONE,
//! };
//! static ITEM_DECODER: Decoder = Decoder::new(&ITEM);
//! static BATCH: BatchLayout = BatchLayout {
//!     items: Pointer(&[]),
//!     item: &ITEM_DECODER,
//!     failed_when: &[Condition::Field(0, Test::NotEquals("0"))],
//!     index: None,
//!     classes: CodeClasses::Int(&[(300, RetryClass::Never), (406, RetryClass::Never)]),
//!     retry: RetryClass::Never,
//! };
//!
//! let body = br#"[{"ErrorCode":0,"Message":"OK","MessageID":"b7bc2f4a"},
//!                 {"ErrorCode":406,"Message":"You tried to send to a recipient that has been marked as inactive."}]"#;
//! let failures = BATCH.failures(http::StatusCode::OK, &http::HeaderMap::new(), body);
//! assert_eq!(failures.len(), 1);
//! assert_eq!(failures[0].index, 1);
//! assert_eq!(failures[0].code.as_deref(), Some("406"));
//! assert_eq!(failures[0].retry_class, RetryClass::Never);
//! assert!(failures[0].known);
//! ```
//!
//! Reading is a single streaming pass over the body, like the error
//! decoder's: nothing is built for items that did not fail, and a failure
//! owns only its code and message (in place when short). At most
//! [`MAX_BATCH_ITEMS`] items are read; a body that is not one well-formed
//! JSON document gives no failures.

use std::fmt;

use compact_str::CompactString;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::decode::{Captured, Decimal, Decoder, Item, KeyIs, RawCode, compact, is_index};
use crate::layout::Pointer;
use crate::rules::{Condition, Facts};
use crate::{RetryClass, Text};

/// The most items of a batch response read: later items are skipped
/// unread (their failures are not reported). Far above the batch sizes
/// providers accept (Postmark 500, Resend 100).
pub const MAX_BATCH_ITEMS: usize = 10_000;

/// One failed item of a batch response.
///
/// Serialized as `{"index", "code", "message", "retry_class", "known"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchFailure {
    /// The item's position in the request: the value at the batch's
    /// `index` pointer when it is a non-negative integer, else its
    /// position in the response's array (from 0).
    pub index: usize,
    /// The item's code as sent (an integer code in decimal), if any.
    pub code: Option<CompactString>,
    /// The item's message, if any.
    pub message: Option<Text>,
    /// How the item may be retried: its code's class in the API's code
    /// table, else the batch's `retry`.
    pub retry_class: RetryClass,
    /// Whether the API's code table lists the item's code.
    pub known: bool,
}

impl BatchFailure {
    /// A failure, for tests and hand-written decoders.
    pub fn new(index: usize, retry_class: RetryClass) -> BatchFailure {
        BatchFailure {
            index,
            code: None,
            message: None,
            retry_class,
            known: false,
        }
    }

    /// With this code (as text) and whether the code table lists it.
    pub fn with_code(mut self, code: impl Into<CompactString>, known: bool) -> BatchFailure {
        self.code = Some(code.into());
        self.known = known;
        self
    }

    /// With this message.
    pub fn with_message(mut self, message: impl Into<Text>) -> BatchFailure {
        self.message = Some(message.into());
        self
    }
}

// Written out rather than derived: the runtime's build needs no proc-macro
// crate (see `DelayHints`' implementation).
impl serde::Serialize for BatchFailure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("BatchFailure", 5)?;
        st.serialize_field("index", &self.index)?;
        st.serialize_field("code", &self.code.as_deref())?;
        st.serialize_field("message", &self.message.as_deref())?;
        st.serialize_field("retry_class", &self.retry_class)?;
        st.serialize_field("known", &self.known)?;
        st.end()
    }
}

impl fmt::Display for BatchFailure {
    /// `item 1 [406]: You tried to send … (never)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {}", self.index)?;
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        write!(f, " ({})", self.retry_class)
    }
}

/// The classes of an API's listed codes, sorted by code for a binary
/// search: each code's own `retry`, else the class of its (first) status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeClasses<'l> {
    /// String codes, sorted by text.
    Str(&'l [(&'l str, RetryClass)]),
    /// Integer codes, sorted by value.
    Int(&'l [(i64, RetryClass)]),
}

impl CodeClasses<'_> {
    /// The class of a listed code; `None` for an unlisted one.
    pub fn class_of(&self, code: &RawCode<'_>) -> Option<RetryClass> {
        match (self, code) {
            (CodeClasses::Str(table), RawCode::Str(text)) => table
                .binary_search_by(|(c, _)| (*c).cmp(text.as_ref()))
                .ok()
                .map(|i| table[i].1),
            (CodeClasses::Int(table), RawCode::Int(n)) => table
                .binary_search_by(|(c, _)| c.cmp(n))
                .ok()
                .map(|i| table[i].1),
            _ => None,
        }
    }
}

/// Where an API's batch responses keep their per-item results (`batch:`
/// in a catalog), and which items failed.
#[derive(Clone, Copy, Debug)]
pub struct BatchLayout<'l> {
    /// The array of per-item results; the empty pointer when the body is
    /// the array (Postmark).
    pub items: Pointer,
    /// One item's layout, its pointers relative to the item: the code
    /// ([`CodeSource::Body`](crate::layout::CodeSource::Body)), the
    /// message, and as captures the index and the values `failed_when`
    /// tests.
    pub item: &'l Decoder,
    /// Conditions on an item (its captures, code and message) that must
    /// all hold for it to have failed; empty: every item failed (Resend's
    /// `errors[]` lists only failures).
    pub failed_when: &'l [Condition],
    /// The capture of [`item`](BatchLayout::item) holding the item's
    /// index in the request, if the API sends one.
    pub index: Option<usize>,
    /// The classes of the API's listed codes.
    pub classes: CodeClasses<'l>,
    /// The class of a failed item whose code is absent or unlisted.
    pub retry: RetryClass,
}

impl BatchLayout<'_> {
    /// The failed items of a batch response, in body order. Only a 2xx
    /// carries per-item results: any other status gives none (it is an
    /// error of the whole request). Total: never panics; a body that is
    /// not one well-formed JSON document, or whose `items` is not an
    /// array, gives none; at most [`MAX_BATCH_ITEMS`] items are read.
    pub fn failures(
        &self,
        status: http::StatusCode,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Vec<BatchFailure> {
        let mut out = Vec::new();
        if !status.is_success() {
            return out;
        }
        let Ok(text) = std::str::from_utf8(body) else {
            return out;
        };
        let mut de = crate::json::Deserializer::from_str(text);
        let seed = Descend {
            path: self.items.0,
            batch: self,
            facts: Facts::new(status.as_u16(), headers),
            out: &mut out,
        };
        if seed.deserialize(&mut de).and_then(|()| de.end()).is_err() {
            out.clear();
        }
        out
    }

    /// The failure of one item, if it failed (its code and message are
    /// taken into it).
    fn judge(
        &self,
        facts: Facts<'_>,
        item: &mut Item<'_>,
        position: usize,
    ) -> Option<BatchFailure> {
        let mut decimal = Decimal::default();
        let code_text: Option<&str> = if self
            .failed_when
            .iter()
            .any(|c| matches!(c, Condition::Code(_)))
        {
            item.code().map(|code| code.text_in(&mut decimal))
        } else {
            None
        };
        let facts = facts
            .code(code_text)
            .message(item.message())
            .captures(item.captures());
        if !self.failed_when.iter().all(|c| c.holds(&facts)) {
            return None;
        }
        let index = self
            .index
            .and_then(|i| match item.captures().get(i)? {
                Captured::Int(n) => usize::try_from(*n).ok(),
                Captured::Str(s) => s.trim().parse().ok(),
                _ => None,
            })
            .unwrap_or(position);
        let listed = item.code().and_then(|c| self.classes.class_of(c));
        let code = item.take_code().map(|c| match c {
            RawCode::Str(text) => compact(text),
            RawCode::Int(n) => CompactString::new(Decimal::new(n).as_str()),
        });
        Some(BatchFailure {
            index,
            code,
            message: item.take_message().map(Text::from),
            retry_class: listed.unwrap_or(self.retry),
            known: listed.is_some(),
        })
    }
}

/// Walks down to the items array along `path`, then judges each item.
struct Descend<'b, 'h> {
    path: &'static [&'static str],
    batch: &'b BatchLayout<'b>,
    facts: Facts<'h>,
    out: &'b mut Vec<BatchFailure>,
}

impl<'de> DeserializeSeed<'de> for Descend<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Descend<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((segment, rest)) = self.path.split_first() else {
            // The items are not an array: no per-item results.
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        let Descend {
            batch, facts, out, ..
        } = self;
        while let Some(matched) = map.next_key_seed(KeyIs(segment))? {
            if matched {
                // A repeated key: the last one wins, as in the decoder.
                out.clear();
                map.next_value_seed(Descend {
                    path: rest,
                    batch,
                    facts,
                    out: &mut *out,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Descend {
            path,
            batch,
            facts,
            out,
        } = self;
        if let Some((segment, rest)) = path.split_first() {
            let mut index = 0usize;
            loop {
                let found = if is_index(segment, index) {
                    seq.next_element_seed(Descend {
                        path: rest,
                        batch,
                        facts,
                        out: &mut *out,
                    })?
                    .is_some()
                } else {
                    seq.next_element::<IgnoredAny>()?.is_some()
                };
                if !found {
                    return Ok(());
                }
                index = index.saturating_add(1);
            }
        }
        let mut position = 0usize;
        let mut item = Item::default();
        while position < MAX_BATCH_ITEMS {
            if !batch.item.next_item(&mut seq, &mut item)? {
                return Ok(());
            }
            if let Some(failure) = batch.judge(facts, &mut item, position) {
                out.push(failure);
            }
            position += 1;
        }
        // Past the cap: the rest is skipped unread.
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::layout::{ApiLayout, BodyLayout, Capture, CodeSource, CodeType, HeaderLayout};
    use crate::rules::Test;

    static POSTMARK_ITEM: ApiLayout = ApiLayout {
        body: BodyLayout {
            code: Some(CodeSource::Body(Pointer(&["ErrorCode"]))),
            code_type: CodeType::Integer,
            message: Some(Pointer(&["Message"])),
            captures: &[Capture::At(Pointer(&["ErrorCode"]))],
            ..BodyLayout::JSON
        },
        headers: HeaderLayout::NONE,
    };
    static POSTMARK_DECODER: Decoder = Decoder::new(&POSTMARK_ITEM);
    static POSTMARK: BatchLayout = BatchLayout {
        items: Pointer(&[]),
        item: &POSTMARK_DECODER,
        failed_when: &[Condition::Field(0, Test::NotEquals("0"))],
        index: None,
        classes: CodeClasses::Int(&[(300, RetryClass::Never), (429, RetryClass::Throttled)]),
        retry: RetryClass::Backoff,
    };

    static RESEND_ITEM: ApiLayout = ApiLayout {
        body: BodyLayout {
            message: Some(Pointer(&["message"])),
            captures: &[Capture::At(Pointer(&["index"]))],
            ..BodyLayout::JSON
        },
        headers: HeaderLayout::NONE,
    };
    static RESEND_DECODER: Decoder = Decoder::new(&RESEND_ITEM);
    static RESEND: BatchLayout = BatchLayout {
        items: Pointer(&["errors"]),
        item: &RESEND_DECODER,
        failed_when: &[],
        index: Some(0),
        classes: CodeClasses::Str(&[]),
        retry: RetryClass::Never,
    };

    fn failures(batch: &BatchLayout<'_>, body: &str) -> Vec<BatchFailure> {
        batch.failures(
            http::StatusCode::OK,
            &http::HeaderMap::new(),
            body.as_bytes(),
        )
    }

    #[test]
    fn postmark_items_with_a_nonzero_code_fail_with_their_class() {
        let body = r#"[{"ErrorCode":0,"Message":"OK"},{"ErrorCode":300,"Message":"Invalid 'To' address: 'x'."},
            {"ErrorCode":429,"Message":"Rate limit exceeded."},{"ErrorCode":9999,"Message":"New"},{"Message":"no code"}]"#;
        let got = failures(&POSTMARK, body);
        assert_eq!(
            got,
            vec![
                BatchFailure::new(1, RetryClass::Never)
                    .with_code("300", true)
                    .with_message("Invalid 'To' address: 'x'."),
                BatchFailure::new(2, RetryClass::Throttled)
                    .with_code("429", true)
                    .with_message("Rate limit exceeded."),
                BatchFailure::new(3, RetryClass::Backoff)
                    .with_code("9999", false)
                    .with_message("New"),
            ]
        );
        assert_eq!(
            got[0].to_string(),
            "item 1 [300]: Invalid 'To' address: 'x'. (never)"
        );
    }

    #[test]
    fn resend_errors_are_all_failures_at_their_index() {
        let body = r#"{"data":[{"id":"ae2014de"}],"errors":[{"index":1,"message":"The `to` field must be a `string`."},{"message":"no index"}]}"#;
        assert_eq!(
            failures(&RESEND, body),
            vec![
                BatchFailure::new(1, RetryClass::Never)
                    .with_message("The `to` field must be a `string`."),
                BatchFailure::new(1, RetryClass::Never).with_message("no index"),
            ]
        );
        // No `errors`, or not an array: no failures.
        assert!(failures(&RESEND, r#"{"data":[]}"#).is_empty());
        assert!(failures(&RESEND, r#"{"errors":{"index":0}}"#).is_empty());
        assert!(failures(&RESEND, r#"{"errors":[]}"#).is_empty());
    }

    #[test]
    fn only_a_well_formed_2xx_has_item_results() {
        let body = r#"[{"ErrorCode":300}]"#;
        let bad = http::StatusCode::UNPROCESSABLE_ENTITY;
        assert!(
            POSTMARK
                .failures(bad, &http::HeaderMap::new(), body.as_bytes())
                .is_empty()
        );
        for broken in ["", "[", r#"[{"ErrorCode":300}"#, "<html>", "[1,2,", "\u{0}"] {
            assert!(failures(&POSTMARK, broken).is_empty(), "{broken:?}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(failures(&POSTMARK, &deep).is_empty());
        // Items that are not objects are items without a code: not failures here.
        assert!(failures(&POSTMARK, "[1, \"x\", null, []]").is_empty());
        assert_eq!(failures(&RESEND, r#"{"errors":[1,null]}"#).len(), 2);
    }

    #[test]
    fn the_items_pointer_may_pass_through_arrays_and_the_last_key_wins() {
        static NESTED: BatchLayout = BatchLayout {
            items: Pointer(&["results", "1", "errors"]),
            ..RESEND
        };
        let body = r#"{"results":[{"errors":[{"message":"a"}]},{"errors":[{"message":"b"},{"message":"c"}]}]}"#;
        let got = failures(&NESTED, body);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].message.as_deref(), Some("b"));
        let twice = r#"{"errors":[{"message":"a"}],"errors":[{"message":"b"}]}"#;
        let got = failures(&RESEND, twice);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].message.as_deref(), Some("b"));
    }

    #[test]
    fn items_past_the_cap_are_not_read() {
        let item = r#"{"message":"x"},"#;
        let body = format!(
            "{{\"errors\":[{}{{\"message\":\"last\"}}]}}",
            item.repeat(MAX_BATCH_ITEMS + 5)
        );
        let got = failures(&RESEND, &body);
        assert_eq!(got.len(), MAX_BATCH_ITEMS);
        assert!(got.iter().all(|f| f.message.as_deref() == Some("x")));
    }

    #[test]
    fn code_conditions_see_integer_codes_as_decimal_text() {
        static BY_CODE: BatchLayout = BatchLayout {
            failed_when: &[Condition::Code(Test::In(&["300", "-1"]))],
            ..POSTMARK
        };
        let got = failures(
            &BY_CODE,
            r#"[{"ErrorCode":300},{"ErrorCode":0},{"ErrorCode":-1},{"ErrorCode":"300"}]"#,
        );
        let indexes: Vec<usize> = got.iter().map(|f| f.index).collect();
        assert_eq!(indexes, vec![0, 2, 3]);
    }

    #[test]
    fn code_classes_find_listed_codes_only() {
        let table = CodeClasses::Str(&[("a", RetryClass::Backoff), ("c", RetryClass::Never)]);
        assert_eq!(
            table.class_of(&RawCode::Str(Cow::Borrowed("c"))),
            Some(RetryClass::Never)
        );
        assert_eq!(table.class_of(&RawCode::Str(Cow::Borrowed("b"))), None);
        assert_eq!(table.class_of(&RawCode::Int(1)), None);
    }
}
