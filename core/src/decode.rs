//! The layout-driven decoder that generated `decode` functions call.
//!
//! [`decode_parts`] walks a JSON body once, as a stream, descending only
//! along the pointers of an [`ApiLayout`] and skipping everything else
//! without building a tree. Strings without escapes are borrowed from the
//! body. The walk is total: whatever the bytes, it returns [`Parts`].
//!
//! Generated code is expected to look like this:
//!
//! ```
//! use errspec::decode::{decode_parts, RawCode};
//! use errspec::layout::*;
//!
//! static LAYOUT: ApiLayout = ApiLayout {
//!     body: BodyLayout {
//!         format: BodyFormat::Json,
//!         errors: None,
//!         code: Some(CodeSource::Body(Pointer(&["error", "code"]))),
//!         code_type: CodeType::String,
//!         message: Some(Pointer(&["error", "message"])),
//!         request_id: Some(Pointer(&["request_id"])),
//!         field_errors: None,
//!     },
//!     headers: HeaderLayout { retry_after: Some("retry-after"), ..HeaderLayout::NONE },
//! };
//!
//! let body = br#"{"error":{"code":"rate_limited","message":"Slow down"},"request_id":"req_1"}"#;
//! let status = http::StatusCode::TOO_MANY_REQUESTS;
//! let headers = http::HeaderMap::new();
//! let (code, details) = decode_parts(&LAYOUT, status, &headers, body).into_details(status);
//! let variant = match code.as_ref().and_then(RawCode::as_str) {
//!     Some("rate_limited") => "RateLimited",
//!     _ => "Unknown",
//! };
//! assert_eq!(variant, "RateLimited");
//! assert_eq!(details.message.as_deref(), Some("Slow down"));
//! assert_eq!(details.request_id.as_deref(), Some("req_1"));
//! ```

use std::borrow::Cow;
use std::fmt;

use compact_str::CompactString;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::hints::{HintHeaders, LayoutHeader};
use crate::layout::{ApiLayout, BodyFormat, CodeSource, CodeType, Pointer};
use crate::{DelayHints, ErrorDetails, FieldError};

/// The most bytes of a body kept in [`Parts::raw`] (and
/// [`ErrorDetails::raw`]). The snippet is cut on a character boundary.
pub const MAX_RAW_SNIPPET: usize = 512;

/// A machine code as found in a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawCode<'a> {
    /// A string code.
    Str(Cow<'a, str>),
    /// An integer code.
    Int(i64),
}

impl RawCode<'_> {
    /// The code as a string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            RawCode::Str(s) => Some(s),
            RawCode::Int(_) => None,
        }
    }

    /// The code as an integer, if it is one.
    pub fn as_int(&self) -> Option<i64> {
        match *self {
            RawCode::Int(n) => Some(n),
            RawCode::Str(_) => None,
        }
    }

    /// The code as text: a string code as is, an integer in decimal.
    pub fn to_text(&self) -> Cow<'_, str> {
        match self {
            RawCode::Str(s) => Cow::Borrowed(s),
            RawCode::Int(n) => Cow::Owned(n.to_string()),
        }
    }

    /// The same code, owning its text.
    pub fn into_owned(self) -> RawCode<'static> {
        match self {
            RawCode::Str(s) => RawCode::Str(Cow::Owned(s.into_owned())),
            RawCode::Int(n) => RawCode::Int(n),
        }
    }
}

impl fmt::Display for RawCode<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawCode::Str(s) => f.write_str(s),
            RawCode::Int(n) => write!(f, "{n}"),
        }
    }
}

/// The parts of an error response, found by following an [`ApiLayout`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parts<'a> {
    /// The primary error's code.
    pub code: Option<RawCode<'a>>,
    /// The primary error's message.
    pub message: Option<Cow<'a, str>>,
    /// The request id (body, else header).
    pub request_id: Option<Cow<'a, str>>,
    /// Every field error.
    pub field_errors: Vec<FieldError>,
    /// Delay hints from headers.
    pub hints: DelayHints,
    /// A bounded snippet of the body when it was not JSON or did not decode.
    pub raw: Option<String>,
}

impl<'a> Parts<'a> {
    /// Splits the parts into the code (owned) and the [`ErrorDetails`]
    /// every error carries.
    pub fn into_details(
        self,
        status: http::StatusCode,
    ) -> (Option<RawCode<'static>>, ErrorDetails) {
        let (code, details) = self.split_details(status);
        (code.map(RawCode::into_owned), details)
    }

    /// Splits the parts into the code, still borrowed from the response
    /// (for the generated code's `match`, which copies only an unknown
    /// code), and the [`ErrorDetails`] every error carries.
    #[inline]
    pub fn split_details(self, status: http::StatusCode) -> (Option<RawCode<'a>>, ErrorDetails) {
        let details = ErrorDetails {
            status,
            message: self.message.map(compact),
            request_id: self.request_id.map(compact),
            field_errors: self.field_errors,
            hints: self.hints,
            raw: self.raw,
        };
        (self.code, details)
    }
}

/// A layout prepared for decoding: which of its pointers apply in the
/// document, in each error item and in each field-error item, and its header
/// names resolved to [`http::HeaderName`]s. [`Decoder::new`] is `const`, so
/// generated code builds one per API in a `static` and a decode does no
/// setup at all.
///
/// ```
/// use errspec::decode::Decoder;
/// use errspec::layout::*;
///
/// static LAYOUT: ApiLayout = ApiLayout {
///     body: BodyLayout {
///         format: BodyFormat::Json,
///         errors: None,
///         code: Some(CodeSource::Body(Pointer(&["code"]))),
///         code_type: CodeType::String,
///         message: Some(Pointer(&["message"])),
///         request_id: None,
///         field_errors: None,
///     },
///     headers: HeaderLayout { retry_after: Some("retry-after"), ..HeaderLayout::NONE },
/// };
/// static DECODER: Decoder = Decoder::new(&LAYOUT);
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("retry-after", http::HeaderValue::from_static("3"));
/// let parts = DECODER.decode(http::StatusCode::TOO_MANY_REQUESTS, &headers, br#"{"code":"slow_down"}"#);
/// assert_eq!(parts.code.as_ref().and_then(|c| c.as_str()), Some("slow_down"));
/// assert_eq!(DECODER.delay_hints(&headers), parts.hints);
/// ```
#[derive(Clone, Debug)]
pub struct Decoder {
    format: BodyFormat,
    targets: Targets,
    code_header: Option<LayoutHeader>,
    request_id_header: Option<LayoutHeader>,
    hints: HintHeaders,
}

impl Decoder {
    /// Prepares `layout`. Header names that are valid lower-case names (as
    /// the layouts errspec generates have) are resolved once, here; any
    /// other name is looked up as text on each decode, with the same result.
    pub const fn new(layout: &ApiLayout) -> Decoder {
        Decoder::build(layout, true)
    }

    const fn build(layout: &ApiLayout, resolve: bool) -> Decoder {
        let code_header = match layout.body.code {
            Some(CodeSource::Header(name)) => Some(LayoutHeader::new(name, resolve)),
            _ => None,
        };
        Decoder {
            format: layout.body.format,
            targets: Targets::new(layout),
            code_header,
            request_id_header: crate::hints::optional(layout.headers.request_id, resolve),
            hints: HintHeaders::new(&layout.headers, resolve),
        }
    }

    /// Finds code, message, request id, field errors and delay hints in a
    /// response. Total: never fails, never panics.
    ///
    /// - [`BodyFormat::Text`]: the body is not parsed; [`Parts::raw`] keeps a
    ///   snippet of at most [`MAX_RAW_SNIPPET`] bytes (lossy UTF-8).
    /// - [`BodyFormat::Json`]: the body is walked along the layout's pointers.
    ///   Values of the wrong type are skipped: a code that is an object, array,
    ///   boolean or float gives no code; a message that is not a string gives no
    ///   message. A string code of an integer API that parses as `i64` becomes
    ///   [`RawCode::Int`]; an integer code of a string API becomes its decimal
    ///   text. A request id or field name that is an integer is kept as text.
    ///   When a key appears twice, the last value of the expected type wins
    ///   (`{"code":"a","code":"b"}` gives `b`, `{"code":"a","code":{}}` gives `a`).
    /// - A body that is empty, not UTF-8 or not one well-formed JSON document
    ///   (HTML from a proxy, a truncated read) gives a status-level error: no
    ///   body part at all, and `raw` holds a snippet. A well-formed document in
    ///   which neither code nor message was found also keeps a snippet in `raw`.
    /// - Headers: the code when the layout says [`CodeSource::Header`], the
    ///   request id when the body has none, and the [`DelayHints`]. A header
    ///   repeated with different values is ignored, and so is a code or request
    ///   id whose value is marked sensitive.
    #[inline]
    pub fn decode<'a>(
        &self,
        status: http::StatusCode,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
    ) -> Parts<'a> {
        // The status is not needed to find the parts; generated code uses it
        // to classify. It stays in the signature so the contract can grow.
        let _ = status;
        let hints = self.hints.read(headers);
        // Validating UTF-8 up front (fast) lets the parser trust it
        // afterwards, rejects bodies whose invalid bytes sit in skipped
        // strings, and lets a snippet be cut without validating again.
        let text = match self.format {
            BodyFormat::Json => std::str::from_utf8(body).ok(),
            BodyFormat::Text => None,
        };
        // On failure nothing was found: a status-level error.
        let Found {
            mut code,
            message,
            mut request_id,
            field_errors,
        } = match text {
            Some(text) => decode_json(&self.targets, text),
            None => Found::default(),
        };
        // Text, malformed JSON, or JSON without what the layout describes:
        // keep a snippet so the error still shows what the server said.
        let raw = if code.is_none() && message.is_none() {
            match text {
                Some(text) => text_snippet(text),
                None => raw_snippet(body),
            }
        } else {
            None
        };
        if let Some(header) = &self.code_header {
            code = header_text(headers, header)
                .map(|text| code_from_str(text, self.targets.code_type));
        }
        if request_id.is_none() {
            request_id = self
                .request_id_header
                .as_ref()
                .and_then(|header| header_text(headers, header));
        }
        // Built in place, in the caller's slot: no copy of the whole.
        Parts {
            code,
            message,
            request_id,
            field_errors,
            hints,
            raw,
        }
    }

    /// The delay hints of a response: what [`DelayHints::from_headers`]
    /// reads for the layout's headers.
    pub fn delay_hints(&self, headers: &http::HeaderMap) -> DelayHints {
        self.hints.read(headers)
    }
}

/// [`Decoder::decode`] with a layout prepared for this one call. Generated
/// code keeps a `static` [`Decoder`] instead, which saves the preparation
/// and resolves header names once.
pub fn decode_parts<'a>(
    layout: &ApiLayout,
    status: http::StatusCode,
    headers: &'a http::HeaderMap,
    body: &'a [u8],
) -> Parts<'a> {
    // Resolving header names costs about what looking them up as text
    // does, so a one-off decoder does not resolve them.
    Decoder::build(layout, false).decode(status, headers, body)
}

/// A bounded, lossy-UTF-8 snippet of `body`: at most [`MAX_RAW_SNIPPET`]
/// bytes of output, never cutting a character in two, leading whitespace
/// skipped (so a page that starts with blank lines still shows its text).
/// `None` for a body that is empty or only whitespace.
pub fn raw_snippet(body: &[u8]) -> Option<String> {
    let body = body.trim_ascii_start();
    if body.is_empty() {
        return None;
    }
    // A few bytes past the limit so a character straddling it is seen whole
    // (and then dropped for lack of room) rather than as invalid bytes.
    let window = &body[..body.len().min(MAX_RAW_SNIPPET + 4)];
    let mut out = String::with_capacity(MAX_RAW_SNIPPET.min(window.len()));
    for chunk in window.utf8_chunks() {
        let valid = chunk.valid();
        let room = MAX_RAW_SNIPPET - out.len();
        if valid.len() > room {
            out.push_str(&valid[..valid.floor_char_boundary(room)]);
            break;
        }
        out.push_str(valid);
        if !chunk.invalid().is_empty() {
            if MAX_RAW_SNIPPET - out.len() < char::REPLACEMENT_CHARACTER.len_utf8() {
                break;
            }
            out.push(char::REPLACEMENT_CHARACTER);
        }
    }
    Some(out)
}

/// [`raw_snippet`] of a body already known to be UTF-8: one copy, no
/// second validation.
fn text_snippet(text: &str) -> Option<String> {
    let text = text.trim_ascii_start();
    if text.is_empty() {
        return None;
    }
    Some(text[..text.floor_char_boundary(MAX_RAW_SNIPPET)].to_owned())
}

/// The text of a header the error keeps (code, request id). A value marked
/// sensitive ([`http::HeaderValue::set_sensitive`]) is never copied into an
/// error, whose `Display`, `Debug` and serialization are meant for logs.
fn header_text<'h>(headers: &'h http::HeaderMap, header: &LayoutHeader) -> Option<Cow<'h, str>> {
    let value = header
        .single_value(headers)
        .filter(|value| !value.is_sensitive())?;
    let text = value.to_str().ok()?.trim_ascii();
    (!text.is_empty()).then_some(Cow::Borrowed(text))
}

fn code_from_str(text: Cow<'_, str>, code_type: CodeType) -> RawCode<'_> {
    match code_type {
        CodeType::Integer => match text.parse::<i64>() {
            Ok(n) => RawCode::Int(n),
            Err(_) => RawCode::Str(text),
        },
        CodeType::String => RawCode::Str(text),
    }
}

fn code_from_int<'de>(n: i128, code_type: CodeType) -> RawCode<'de> {
    match (code_type, i64::try_from(n)) {
        (CodeType::Integer, Ok(n)) => RawCode::Int(n),
        _ => RawCode::Str(Cow::Owned(n.to_string())),
    }
}

/// What the walk of a JSON document found.
#[derive(Default)]
struct Found<'a> {
    code: Option<RawCode<'a>>,
    message: Option<Cow<'a, str>>,
    request_id: Option<Cow<'a, str>>,
    field_errors: Vec<FieldError>,
}

/// Walks a JSON document; nothing found when it is not one well-formed
/// JSON document.
fn decode_json<'a>(targets: &Targets, text: &'a str) -> Found<'a> {
    let mut scope = Scope::default();
    let mut field_errors = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    let walked = Walk {
        targets,
        depth: 0,
        mask: targets.root,
        scope: &mut scope,
        field_errors: &mut field_errors,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    if walked.is_err() {
        return Found::default();
    }
    // A single field error read from the document itself.
    scope.push_field_error(&mut field_errors);
    Found {
        code: scope.code,
        message: scope.message,
        request_id: scope.request_id,
        field_errors,
    }
}

/// Owned text for an error: in-line when short, and a string that was
/// already copied (it had escapes) keeps its buffer.
#[inline]
fn compact(text: Cow<'_, str>) -> CompactString {
    match text {
        Cow::Borrowed(text) => CompactString::new(text),
        Cow::Owned(text) => CompactString::from(text),
    }
}

/// What a pointer's value is for. Each slot has exactly one pointer in a
/// layout, so a slot doubles as the index of its pointer in [`Targets`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Code,
    Message,
    RequestId,
    /// The array of error items ([`crate::layout::BodyLayout::errors`]).
    Errors,
    /// An array of field errors ([`crate::layout::FieldErrorsLayout::items`]).
    FieldItems,
    FieldName,
    FieldMessage,
}

impl Slot {
    const ALL: [Slot; 7] = [
        Slot::Code,
        Slot::Message,
        Slot::RequestId,
        Slot::Errors,
        Slot::FieldItems,
        Slot::FieldName,
        Slot::FieldMessage,
    ];

    const fn bit(self) -> Mask {
        1 << self as u8
    }
}

/// A set of slots, one bit each.
type Mask = u8;

/// How deep [`Targets`] keeps tables; deeper pointers (rare) are matched
/// by looking at every slot.
const TABLE_DEPTH: usize = 6;

/// The layout's pointers, indexed by [`Slot`], and which of them apply in
/// each context: the document, one error item, one field-error item. For
/// the first [`TABLE_DEPTH`] levels, tables say which pointers end at a
/// level and which share a segment, so that a key is compared once with
/// each distinct segment and never with a pointer that ended.
#[derive(Clone, Debug)]
struct Targets {
    paths: [&'static [&'static str]; Slot::ALL.len()],
    root: Mask,
    item: Mask,
    field: Mask,
    code_type: CodeType,
    /// Per depth: the slots whose pointer ends there.
    ends: [Mask; TABLE_DEPTH],
    /// Per depth: the slots whose pointer goes deeper.
    below: [Mask; TABLE_DEPTH],
    /// Per depth and slot: the slots with the same segment at that depth.
    same: [[Mask; Slot::ALL.len()]; TABLE_DEPTH],
}

impl Targets {
    const fn new(layout: &ApiLayout) -> Targets {
        let body = &layout.body;
        let mut paths: [&'static [&'static str]; Slot::ALL.len()] = [&[]; Slot::ALL.len()];
        let mut present: Mask = 0;
        const fn set(
            paths: &mut [&'static [&'static str]; Slot::ALL.len()],
            present: &mut Mask,
            slot: Slot,
            pointer: Option<Pointer>,
        ) {
            if let Some(Pointer(path)) = pointer {
                paths[slot as usize] = path;
                *present |= slot.bit();
            }
        }
        if let Some(CodeSource::Body(code)) = body.code {
            set(&mut paths, &mut present, Slot::Code, Some(code));
        }
        set(&mut paths, &mut present, Slot::Message, body.message);
        set(&mut paths, &mut present, Slot::RequestId, body.request_id);
        set(&mut paths, &mut present, Slot::Errors, body.errors);
        let mut field = 0;
        if let Some(fields) = body.field_errors {
            set(
                &mut paths,
                &mut present,
                Slot::FieldName,
                Some(fields.field),
            );
            set(&mut paths, &mut present, Slot::FieldMessage, fields.message);
            if fields.items.is_some() {
                set(&mut paths, &mut present, Slot::FieldItems, fields.items);
                // Name and message are relative to each field-error item.
                field = Slot::FieldName.bit() | Slot::FieldMessage.bit();
            }
        }
        // Code, message and field errors live in each error item when the
        // layout has an errors array, else in the document itself.
        let context = (present & !(Slot::RequestId.bit() | Slot::Errors.bit())) & !field;
        let (root, item) = if body.errors.is_some() {
            (Slot::RequestId.bit() | Slot::Errors.bit(), context)
        } else {
            (Slot::RequestId.bit() | context, 0)
        };
        let mut ends = [0; TABLE_DEPTH];
        let mut below = [0; TABLE_DEPTH];
        let mut same = [[0; Slot::ALL.len()]; TABLE_DEPTH];
        let mut depth = 0;
        while depth < TABLE_DEPTH {
            let mut a = 0;
            while a < Slot::ALL.len() {
                let path = paths[a];
                if present & (1 << a) != 0 {
                    if path.len() == depth {
                        ends[depth] |= 1 << a;
                    } else if path.len() > depth {
                        below[depth] |= 1 << a;
                        let mut b = 0;
                        while b < Slot::ALL.len() {
                            let other = paths[b];
                            if other.len() > depth && str_eq(path[depth], other[depth]) {
                                same[depth][a] |= 1 << b;
                            }
                            b += 1;
                        }
                    }
                }
                a += 1;
            }
            depth += 1;
        }
        Targets {
            paths,
            root: root & present,
            item,
            field: field & present,
            code_type: body.code_type,
            ends,
            below,
            same,
        }
    }

    fn path(&self, slot: Slot) -> &'static [&'static str] {
        self.paths[slot as usize]
    }

    /// The slots of `mask` whose segment at `depth` satisfies `matches`;
    /// every slot of `mask` points deeper than `depth`.
    fn step(&self, mask: Mask, depth: usize, matches: impl Fn(&str) -> bool) -> Mask {
        let mut rest = mask;
        let mut next = 0;
        while rest != 0 {
            let slot = rest.trailing_zeros() as usize;
            // The slots sharing this segment: compared once.
            let group = match self.same.get(depth) {
                Some(same) => (same[slot] & mask) | (1 << slot),
                None => 1 << slot,
            };
            rest &= !group;
            if self.paths[slot].get(depth).is_some_and(|seg| matches(seg)) {
                next |= group;
            }
        }
        next
    }

    /// The slots of `mask` that point at the value at `depth` itself.
    fn exact(&self, mask: Mask, depth: usize) -> Mask {
        match self.ends.get(depth) {
            Some(ends) => mask & ends,
            None => self.select(mask, |len| len == depth),
        }
    }

    /// The slots of `mask` that point below the value at `depth`.
    fn deeper(&self, mask: Mask, depth: usize) -> Mask {
        match self.below.get(depth) {
            Some(below) => mask & below,
            None => self.select(mask, |len| len > depth),
        }
    }

    /// The slots of `mask` whose pointer's length satisfies `keep`.
    fn select(&self, mask: Mask, keep: impl Fn(usize) -> bool) -> Mask {
        Slot::ALL
            .into_iter()
            .filter(|&slot| mask & slot.bit() != 0 && keep(self.path(slot).len()))
            .fold(0, |acc, slot| acc | slot.bit())
    }
}

/// The slots in `mask`, lowest first.
fn slots(mask: Mask) -> impl Iterator<Item = Slot> {
    let mut rest = mask;
    std::iter::from_fn(move || {
        let slot = *Slot::ALL.get(rest.trailing_zeros() as usize)?;
        rest &= rest - 1;
        Some(slot)
    })
}

/// `a == b`, in a `const fn`.
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// What one context captured.
#[derive(Debug, Default)]
struct Scope<'de> {
    code: Option<RawCode<'de>>,
    message: Option<Cow<'de, str>>,
    request_id: Option<Cow<'de, str>>,
    field: Option<Cow<'de, str>>,
    field_message: Option<Cow<'de, str>>,
}

impl Scope<'_> {
    #[inline]
    fn push_field_error(&mut self, out: &mut Vec<FieldError>) {
        // An item without a field name is not a field error (typically a
        // general error in an errors array).
        if let Some(field) = self.field.take() {
            out.push(FieldError {
                field: compact(field),
                message: self.field_message.take().map(compact),
            });
        }
    }
}

/// The value being walked: how deep, which targets are still in play, and
/// where captures go.
struct Walk<'w, 'de> {
    targets: &'w Targets,
    depth: usize,
    mask: Mask,
    scope: &'w mut Scope<'de>,
    field_errors: &'w mut Vec<FieldError>,
}

impl<'de> Walk<'_, 'de> {
    fn child(&mut self, mask: Mask) -> Walk<'_, 'de> {
        Walk {
            targets: self.targets,
            depth: self.depth + 1,
            mask,
            scope: self.scope,
            field_errors: self.field_errors,
        }
    }

    /// A walk of a new context (an error item or a field-error item).
    fn context<'s>(&'s mut self, mask: Mask, scope: &'s mut Scope<'de>) -> Walk<'s, 'de> {
        Walk {
            targets: self.targets,
            depth: 0,
            mask,
            scope,
            field_errors: self.field_errors,
        }
    }

    /// The collection slot this value is, if any: items take precedence
    /// over deeper pointers through the same value.
    fn collection(&self) -> Option<Slot> {
        let exact = self.targets.exact(self.mask, self.depth);
        slots(exact & (Slot::Errors.bit() | Slot::FieldItems.bit())).next()
    }

    /// Captures one error item (`index` 0 is the primary error).
    fn take_item<A: ItemSource<'de>>(&mut self, index: usize, source: A) -> Result<bool, A::Error> {
        let mut item = Scope::default();
        let mask = self.targets.item;
        if !source.walk(self.context(mask, &mut item))? {
            return Ok(false);
        }
        if index == 0 {
            self.scope.code = item.code.take();
            self.scope.message = item.message.take();
        }
        item.push_field_error(self.field_errors);
        Ok(true)
    }

    /// Captures one field-error item.
    fn take_field<A: ItemSource<'de>>(&mut self, source: A) -> Result<bool, A::Error> {
        let mut item = Scope::default();
        let mask = self.targets.field;
        if !source.walk(self.context(mask, &mut item))? {
            return Ok(false);
        }
        item.push_field_error(self.field_errors);
        Ok(true)
    }

    fn take_text(mut self, text: Cow<'de, str>) {
        let exact = self.targets.exact(self.mask, self.depth);
        // Usually one slot takes the text: then it is moved, not cloned.
        if exact & exact.wrapping_sub(1) == 0 {
            if let Some(slot) = slots(exact).next() {
                self.put_text(slot, text);
            }
            return;
        }
        for slot in slots(exact) {
            self.put_text(slot, text.clone());
        }
    }

    fn put_text(&mut self, slot: Slot, text: Cow<'de, str>) {
        match slot {
            Slot::Code => self.scope.code = Some(code_from_str(text, self.targets.code_type)),
            Slot::Message => self.scope.message = Some(text),
            Slot::RequestId => self.scope.request_id = Some(text),
            Slot::FieldName => self.scope.field = Some(text),
            Slot::FieldMessage => self.scope.field_message = Some(text),
            Slot::Errors | Slot::FieldItems => {}
        }
    }

    fn take_int(self, n: i128) {
        let code_type = self.targets.code_type;
        for slot in slots(self.targets.exact(self.mask, self.depth)) {
            match slot {
                Slot::Code => self.scope.code = Some(code_from_int(n, code_type)),
                Slot::RequestId => self.scope.request_id = Some(Cow::Owned(n.to_string())),
                Slot::FieldName => self.scope.field = Some(Cow::Owned(n.to_string())),
                // A message must be a string.
                Slot::Message | Slot::FieldMessage | Slot::Errors | Slot::FieldItems => {}
            }
        }
    }
}

/// Where an item's value comes from: the next element of an array, or an
/// object standing in for a one-item array.
trait ItemSource<'de> {
    type Error;
    /// Walks the item; `false` when there was none (end of the array).
    fn walk(self, walk: Walk<'_, 'de>) -> Result<bool, Self::Error>;
}

struct NextElement<'a, A>(&'a mut A);

impl<'de, A: SeqAccess<'de>> ItemSource<'de> for NextElement<'_, A> {
    type Error = A::Error;
    fn walk(self, walk: Walk<'_, 'de>) -> Result<bool, A::Error> {
        Ok(self.0.next_element_seed(walk)?.is_some())
    }
}

struct WholeMap<A>(A);

impl<'de, A: MapAccess<'de>> ItemSource<'de> for WholeMap<A> {
    type Error = A::Error;
    fn walk(self, walk: Walk<'_, 'de>) -> Result<bool, A::Error> {
        walk.visit_map(self.0).map(|()| true)
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.mask == 0 {
            deserializer.deserialize_ignored_any(IgnoredAny).map(drop)
        } else {
            deserializer.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for Walk<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        self.take_text(Cow::Borrowed(v));
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        // Only strings with escapes land here; copy them only if wanted.
        if self.targets.exact(self.mask, self.depth) != 0 {
            self.take_text(Cow::Owned(v.to_owned()));
        }
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.take_int(i128::from(v));
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.take_int(i128::from(v));
        Ok(())
    }

    fn visit_i128<E>(self, v: i128) -> Result<(), E> {
        self.take_int(v);
        Ok(())
    }

    fn visit_u128<E>(self, v: u128) -> Result<(), E> {
        if let Ok(v) = i128::try_from(v) {
            self.take_int(v);
        }
        Ok(())
    }

    // Floats, booleans and null are never a code, message or id.
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        // Lenient: an object where an array of items was expected is one item.
        match self.collection() {
            Some(Slot::Errors) => return self.take_item(0, WholeMap(map)).map(drop),
            Some(_) => return self.take_field(WholeMap(map)).map(drop),
            None => {}
        }
        let deeper = self.targets.deeper(self.mask, self.depth);
        if deeper == 0 {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        while let Some(next) = map.next_key_seed(KeyStep {
            targets: self.targets,
            depth: self.depth,
            mask: deeper,
        })? {
            if next == 0 {
                map.next_value::<IgnoredAny>()?;
            } else {
                map.next_value_seed(self.child(next))?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        match self.collection() {
            Some(Slot::Errors) => {
                let mut index = 0;
                while self.take_item(index, NextElement(&mut seq))? {
                    index += 1;
                }
                return Ok(());
            }
            Some(_) => {
                while self.take_field(NextElement(&mut seq))? {}
                return Ok(());
            }
            None => {}
        }
        let deeper = self.targets.deeper(self.mask, self.depth);
        let mut index = 0usize;
        loop {
            let next = self
                .targets
                .step(deeper, self.depth, |seg| is_index(seg, index));
            let more = if next == 0 {
                seq.next_element::<IgnoredAny>()?.is_some()
            } else {
                seq.next_element_seed(self.child(next))?.is_some()
            };
            if !more {
                return Ok(());
            }
            index += 1;
        }
    }
}

/// Whether a pointer segment is the array index `index` (RFC 6901: decimal,
/// no leading zeros).
fn is_index(segment: &str, index: usize) -> bool {
    let canonical = segment == "0" || (!segment.starts_with('0') && !segment.is_empty());
    canonical && segment.bytes().all(|b| b.is_ascii_digit()) && segment.parse() == Ok(index)
}

/// Reads an object key and returns the targets whose next segment it is.
struct KeyStep<'w> {
    targets: &'w Targets,
    depth: usize,
    mask: Mask,
}

impl<'de> DeserializeSeed<'de> for KeyStep<'_> {
    type Value = Mask;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Mask, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyStep<'_> {
    type Value = Mask;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Mask, E> {
        Ok(self.targets.step(self.mask, self.depth, |seg| seg == key))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::{HeaderMap, HeaderValue, StatusCode};

    use super::*;
    use crate::layout::{BodyLayout, FieldErrorsLayout, HeaderLayout, RateLimitLayout, ResetUnit};
    use crate::{RateLimitReset, RetryAfter};

    const HEADERS: HeaderLayout = HeaderLayout {
        retry_after: Some("retry-after"),
        request_id: Some("x-request-id"),
        rate_limit: Some(RateLimitLayout {
            limit: Some("x-ratelimit-limit"),
            remaining: Some("x-ratelimit-remaining"),
            reset: Some("x-ratelimit-reset"),
            reset_unit: ResetUnit::Seconds,
        }),
        ..HeaderLayout::NONE
    };

    /// `{"error":{"code":..,"message":..,"param":..},"request_id":..}`
    const NESTED: ApiLayout = ApiLayout {
        body: BodyLayout {
            format: BodyFormat::Json,
            errors: None,
            code: Some(CodeSource::Body(Pointer(&["error", "code"]))),
            code_type: CodeType::String,
            message: Some(Pointer(&["error", "message"])),
            request_id: Some(Pointer(&["request_id"])),
            field_errors: Some(FieldErrorsLayout {
                items: None,
                field: Pointer(&["error", "param"]),
                message: None,
            }),
        },
        headers: HEADERS,
    };

    /// `{"errors":[{"code":1001,"message":..,"field":..}],"meta":{"id":..}}`
    const ITEMS: ApiLayout = ApiLayout {
        body: BodyLayout {
            format: BodyFormat::Json,
            errors: Some(Pointer(&["errors"])),
            code: Some(CodeSource::Body(Pointer(&["code"]))),
            code_type: CodeType::Integer,
            message: Some(Pointer(&["message"])),
            request_id: Some(Pointer(&["meta", "id"])),
            field_errors: Some(FieldErrorsLayout {
                items: None,
                field: Pointer(&["field"]),
                message: Some(Pointer(&["message"])),
            }),
        },
        headers: HEADERS,
    };

    /// `{"error":{"type":..,"details":[{"field":..,"issue":..}]}}`
    const DETAILS: ApiLayout = ApiLayout {
        body: BodyLayout {
            format: BodyFormat::Json,
            errors: None,
            code: Some(CodeSource::Body(Pointer(&["error", "type"]))),
            code_type: CodeType::String,
            message: None,
            request_id: None,
            field_errors: Some(FieldErrorsLayout {
                items: Some(Pointer(&["error", "details"])),
                field: Pointer(&["field"]),
                message: Some(Pointer(&["issue"])),
            }),
        },
        headers: HEADERS,
    };

    const TEXT: ApiLayout = ApiLayout {
        body: BodyLayout {
            format: BodyFormat::Text,
            errors: None,
            code: Some(CodeSource::Header("x-error-code")),
            code_type: CodeType::String,
            message: None,
            request_id: None,
            field_errors: None,
        },
        headers: HEADERS,
    };

    fn decode<'a>(layout: &ApiLayout, headers: &'a HeaderMap, body: &'a [u8]) -> Parts<'a> {
        let parts = decode_parts(layout, StatusCode::BAD_REQUEST, headers, body);
        // A prepared decoder (header names resolved) finds the same.
        let prepared = Decoder::new(layout).decode(StatusCode::BAD_REQUEST, headers, body);
        assert_eq!(prepared, parts);
        parts
    }

    fn str_code(s: &str) -> Option<RawCode<'_>> {
        Some(RawCode::Str(Cow::Borrowed(s)))
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    /// Every body part is absent: a status-level error.
    fn assert_status_level(parts: &Parts<'_>) {
        assert_eq!(parts.code, None);
        assert_eq!(parts.message, None);
        assert_eq!(parts.field_errors, vec![]);
    }

    #[test]
    fn nested_object() {
        let h = HeaderMap::new();
        let body = br#"{"request_id":"req_9","error":{"type":"x","code":"card_declined","message":"Declined","param":"card","extra":[1,{"code":"no"}]}}"#;
        let parts = decode(&NESTED, &h, body);
        assert_eq!(parts.code, str_code("card_declined"));
        assert_eq!(parts.message.as_deref(), Some("Declined"));
        assert_eq!(parts.request_id.as_deref(), Some("req_9"));
        assert_eq!(
            parts.field_errors,
            vec![FieldError {
                field: "card".into(),
                message: None
            }]
        );
        assert_eq!(parts.raw, None);
        // Unescaped strings are borrowed from the body, not copied.
        assert!(matches!(parts.message, Some(Cow::Borrowed(_))));
    }

    #[test]
    fn escaped_strings_are_unescaped() {
        let h = HeaderMap::new();
        let body = br#"{"error":{"code":"a\"b","message":"line\nnext \u00e9"}}"#;
        let parts = decode(&NESTED, &h, body);
        assert_eq!(parts.code, str_code("a\"b"));
        assert_eq!(parts.message.as_deref(), Some("line\nnext é"));
    }

    #[test]
    fn escaped_keys_match() {
        let h = HeaderMap::new();
        let body = br#"{"\u0065rror":{"c\u006fde":"x"}}"#;
        assert_eq!(decode(&NESTED, &h, body).code, str_code("x"));
    }

    #[test]
    fn wrong_types_are_skipped() {
        let h = HeaderMap::new();
        for code in [r#"{"a":1}"#, "[1]", "true", "1.5", "null", "-0.0", "1e3"] {
            let body = format!(r#"{{"error":{{"code":{code},"message":"m"}}}}"#);
            let parts = decode(&NESTED, &h, body.as_bytes());
            assert_eq!(parts.code, None, "{code}");
            assert_eq!(parts.message.as_deref(), Some("m"));
        }
        let body = br#"{"error":{"code":"c","message":{"text":"m"}}}"#;
        let parts = decode(&NESTED, &h, body);
        assert_eq!(parts.message, None);
        assert_eq!(parts.code, str_code("c"));
        let body = br#"{"error":{"code":"c","message":42}}"#;
        assert_eq!(decode(&NESTED, &h, body).message, None);
        // `error` itself of the wrong type.
        for error in ["\"oops\"", "[]", "[{\"code\":\"c\"}]", "7", "null"] {
            let body = format!(r#"{{"error":{error},"request_id":"r"}}"#);
            let parts = decode(&NESTED, &h, body.as_bytes());
            assert_status_level(&parts);
            assert_eq!(parts.request_id.as_deref(), Some("r"));
        }
    }

    #[test]
    fn string_code_of_string_api_from_integer() {
        let h = HeaderMap::new();
        let parts = decode(&NESTED, &h, br#"{"error":{"code":42}}"#);
        assert_eq!(parts.code, Some(RawCode::Str("42".into())));
        let parts = decode(&NESTED, &h, br#"{"error":{"code":-42}}"#);
        assert_eq!(parts.code, Some(RawCode::Str("-42".into())));
    }

    #[test]
    fn integer_codes() {
        let h = HeaderMap::new();
        let code = |body: &str| {
            decode(&ITEMS, &h, body.as_bytes())
                .code
                .map(RawCode::into_owned)
        };
        assert_eq!(
            code(r#"{"errors":[{"code":1001}]}"#),
            Some(RawCode::Int(1001))
        );
        assert_eq!(
            code(r#"{"errors":[{"code":"1001"}]}"#),
            Some(RawCode::Int(1001))
        );
        assert_eq!(code(r#"{"errors":[{"code":-7}]}"#), Some(RawCode::Int(-7)));
        assert_eq!(
            code(r#"{"errors":[{"code":"E1001"}]}"#),
            Some(RawCode::Str("E1001".into()))
        );
        // Beyond i64: kept as text rather than lost.
        assert_eq!(
            code(r#"{"errors":[{"code":18446744073709551615}]}"#),
            Some(RawCode::Str("18446744073709551615".into()))
        );
        assert_eq!(code(r#"{"errors":[{"code":10.0}]}"#), None);
    }

    #[test]
    fn errors_array_first_item_is_primary() {
        let h = HeaderMap::new();
        let body = br#"{
            "errors": [
                {"code": 1001, "message": "Email is invalid", "field": "email"},
                {"code": 1002, "message": "Too long", "field": "name"},
                {"code": 1003, "message": "General"}
            ],
            "meta": {"id": "m-1"}
        }"#;
        let parts = decode(&ITEMS, &h, body);
        assert_eq!(parts.code, Some(RawCode::Int(1001)));
        assert_eq!(parts.message.as_deref(), Some("Email is invalid"));
        assert_eq!(parts.request_id.as_deref(), Some("m-1"));
        assert_eq!(
            parts.field_errors,
            vec![
                FieldError {
                    field: "email".into(),
                    message: Some("Email is invalid".into())
                },
                FieldError {
                    field: "name".into(),
                    message: Some("Too long".into())
                },
            ]
        );
    }

    #[test]
    fn errors_array_edge_cases() {
        let h = HeaderMap::new();
        let parts = decode(&ITEMS, &h, br#"{"errors":[]}"#);
        assert_status_level(&parts);
        // A single object where an array was expected is the one item.
        let parts = decode(&ITEMS, &h, br#"{"errors":{"code":5,"message":"m"}}"#);
        assert_eq!(parts.code, Some(RawCode::Int(5)));
        assert_eq!(parts.message.as_deref(), Some("m"));
        // Items of the wrong type are skipped; the first item stays primary.
        let parts = decode(&ITEMS, &h, br#"{"errors":["x",{"code":5}]}"#);
        assert_eq!(parts.code, None);
        let parts = decode(&ITEMS, &h, br#"{"errors":[[{"code":5}]],"meta":{"id":1}}"#);
        assert_eq!(parts.code, None);
        assert_eq!(parts.request_id.as_deref(), Some("1"));
    }

    #[test]
    fn field_error_items() {
        let h = HeaderMap::new();
        let body = br#"{"error":{"type":"invalid","details":[
            {"field":"a","issue":"missing"},
            {"issue":"no field: skipped"},
            {"field":"b"},
            {"field":7,"issue":["not a string"]},
            "junk"
        ]}}"#;
        let parts = decode(&DETAILS, &h, body);
        assert_eq!(parts.code, str_code("invalid"));
        assert_eq!(
            parts.field_errors,
            vec![
                FieldError {
                    field: "a".into(),
                    message: Some("missing".into())
                },
                FieldError {
                    field: "b".into(),
                    message: None
                },
                FieldError {
                    field: "7".into(),
                    message: None
                },
            ]
        );
    }

    #[test]
    fn field_items_inside_errors_items() {
        const LAYOUT: ApiLayout = ApiLayout {
            body: BodyLayout {
                format: BodyFormat::Json,
                errors: Some(Pointer(&["errors"])),
                code: Some(CodeSource::Body(Pointer(&["code"]))),
                code_type: CodeType::String,
                message: None,
                request_id: None,
                field_errors: Some(FieldErrorsLayout {
                    items: Some(Pointer(&["fields"])),
                    field: Pointer(&["name"]),
                    message: Some(Pointer(&["why"])),
                }),
            },
            headers: HEADERS,
        };
        let h = HeaderMap::new();
        let body = br#"{"errors":[
            {"code":"a","fields":[{"name":"x","why":"1"},{"name":"y"}]},
            {"code":"b","fields":[{"name":"z","why":"3"}]}
        ]}"#;
        let parts = decode(&LAYOUT, &h, body);
        assert_eq!(parts.code, str_code("a"));
        let names: Vec<_> = parts
            .field_errors
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(names, ["x", "y", "z"]);
    }

    #[test]
    fn array_index_segments() {
        const LAYOUT: ApiLayout = ApiLayout {
            body: BodyLayout {
                format: BodyFormat::Json,
                errors: None,
                code: Some(CodeSource::Body(Pointer(&["errors", "1", "code"]))),
                code_type: CodeType::String,
                message: Some(Pointer(&["errors", "0", "message"])),
                request_id: None,
                field_errors: None,
            },
            headers: HEADERS,
        };
        let h = HeaderMap::new();
        let body =
            br#"{"errors":[{"code":"first","message":"m0"},{"code":"second","message":"m1"}]}"#;
        let parts = decode(&LAYOUT, &h, body);
        assert_eq!(parts.code, str_code("second"));
        assert_eq!(parts.message.as_deref(), Some("m0"));
        // An object with key "1" also matches the segment, as RFC 6901 says.
        let parts = decode(&LAYOUT, &h, br#"{"errors":{"1":{"code":"k"}}}"#);
        assert_eq!(parts.code, str_code("k"));
    }

    #[test]
    fn pointers_deeper_than_the_tables() {
        const DEEP: ApiLayout = ApiLayout {
            body: BodyLayout {
                format: BodyFormat::Json,
                errors: None,
                code: Some(CodeSource::Body(Pointer(&[
                    "a", "b", "c", "d", "e", "f", "g", "h", "code",
                ]))),
                code_type: CodeType::String,
                message: Some(Pointer(&[
                    "a", "b", "c", "d", "e", "f", "g", "x", "message",
                ])),
                request_id: Some(Pointer(&["a", "b", "c", "d", "e", "f", "1"])),
                field_errors: None,
            },
            headers: HEADERS,
        };
        assert!(DEEP.body.message.unwrap().0.len() > TABLE_DEPTH);
        let h = HeaderMap::new();
        let body = br#"{"a":{"b":{"c":{"d":{"e":{"f":{"1":"r","g":{"x":{"message":"m"},"h":{"code":"c"}}}}}}}}}"#;
        let parts = decode(&DEEP, &h, body);
        assert_eq!(parts.code, str_code("c"));
        assert_eq!(parts.message.as_deref(), Some("m"));
        assert_eq!(parts.request_id.as_deref(), Some("r"));
        let body = br#"{"a":{"b":{"c":{"d":{"e":{"f":["q","r"]}}}}}}"#;
        assert_eq!(decode(&DEEP, &h, body).request_id.as_deref(), Some("r"));
    }

    #[test]
    fn shared_and_diverging_segments() {
        // Code and message share `error`, then part; field name and
        // message share nothing with them but their first segment.
        const SHARED: ApiLayout = ApiLayout {
            body: BodyLayout {
                format: BodyFormat::Json,
                errors: None,
                code: Some(CodeSource::Body(Pointer(&["error", "info", "code"]))),
                code_type: CodeType::String,
                message: Some(Pointer(&["error", "info", "text"])),
                request_id: Some(Pointer(&["error", "id"])),
                field_errors: Some(FieldErrorsLayout {
                    items: None,
                    field: Pointer(&["error", "text"]),
                    message: Some(Pointer(&["error", "info", "text"])),
                }),
            },
            headers: HEADERS,
        };
        let h = HeaderMap::new();
        let body = br#"{"error":{"text":"f","id":"i","info":{"text":"m","code":"c"}}}"#;
        let parts = decode(&SHARED, &h, body);
        assert_eq!(parts.code, str_code("c"));
        assert_eq!(parts.message.as_deref(), Some("m"));
        assert_eq!(parts.request_id.as_deref(), Some("i"));
        assert_eq!(
            parts.field_errors,
            vec![FieldError {
                field: "f".into(),
                message: Some("m".into())
            }]
        );
    }

    #[test]
    fn header_names_that_cannot_be_resolved_are_looked_up_as_text() {
        const MIXED_CASE: ApiLayout = ApiLayout {
            body: TEXT.body,
            headers: HeaderLayout {
                retry_after: Some("Retry-After"),
                request_id: Some("X-Request-Id"),
                rate_limit: None,
                ..HeaderLayout::NONE
            },
        };
        let decoder = Decoder::new(&MIXED_CASE);
        assert!(decoder.hints.read(&HeaderMap::new()).is_empty());
        let h = headers(&[("retry-after", "4"), ("x-request-id", "r1")]);
        let parts = decode(&MIXED_CASE, &h, b"busy");
        assert_eq!(parts.hints.retry_after, Some(RetryAfter::Seconds(4)));
        assert_eq!(parts.request_id.as_deref(), Some("r1"));
        assert_eq!(decoder.delay_hints(&h), parts.hints);
    }

    #[test]
    fn index_segments_are_canonical() {
        assert!(is_index("0", 0));
        assert!(is_index("12", 12));
        assert!(!is_index("01", 1));
        assert!(!is_index("+1", 1));
        assert!(!is_index("", 0));
        assert!(!is_index("-", 0));
        assert!(!is_index("99999999999999999999999", 0));
    }

    #[test]
    fn root_pointer() {
        const LAYOUT: ApiLayout = ApiLayout {
            body: BodyLayout {
                format: BodyFormat::Json,
                errors: None,
                code: None,
                code_type: CodeType::String,
                message: Some(Pointer(&[])),
                request_id: None,
                field_errors: None,
            },
            headers: HEADERS,
        };
        let h = HeaderMap::new();
        let parts = decode(&LAYOUT, &h, br#""just a message""#);
        assert_eq!(parts.message.as_deref(), Some("just a message"));
    }

    #[test]
    fn errors_at_root() {
        const LAYOUT: ApiLayout = ApiLayout {
            body: BodyLayout {
                format: BodyFormat::Json,
                errors: Some(Pointer(&[])),
                code: Some(CodeSource::Body(Pointer(&["code"]))),
                code_type: CodeType::String,
                message: None,
                request_id: None,
                field_errors: None,
            },
            headers: HEADERS,
        };
        let h = HeaderMap::new();
        let parts = decode(&LAYOUT, &h, br#"[{"code":"a"},{"code":"b"}]"#);
        assert_eq!(parts.code, str_code("a"));
    }

    #[test]
    fn duplicate_keys_last_wins() {
        let h = HeaderMap::new();
        let body = br#"{"error":{"code":"a","code":"b"}}"#;
        assert_eq!(decode(&NESTED, &h, body).code, str_code("b"));
        // A later value of the wrong type is skipped, like any other.
        let body = br#"{"error":{"code":"a","code":{}}}"#;
        assert_eq!(decode(&NESTED, &h, body).code, str_code("a"));
    }

    #[test]
    fn malformed_bodies_are_status_level() {
        let h = headers(&[("x-request-id", "hdr-1")]);
        let cases: &[&[u8]] = &[
            b"<html><body>502 Bad Gateway</body></html>",
            br#"{"error":{"code":"x","message":"trunc"#,
            br#"{"error":{"code":"x"}} trailing"#,
            br#"{"error":{"code":"x"}}{}"#,
            b"{\"error\":{\"code\":\"x\",\"message\":\"\xff\xfe\"}}",
            b"{\"error\":{\"code\":\"x\"},\"skipped\":\"\xc3\x28\"}",
            br#"{"error":{"code":"x",}}"#,
            br#"{"error":{"code":"\ud800"}}"#,
            b"\xef\xbb\xbf{}",
            b"nul",
        ];
        for body in cases {
            let parts = decode(&NESTED, &h, body);
            assert_status_level(&parts);
            assert_eq!(parts.request_id.as_deref(), Some("hdr-1"));
            assert!(parts.raw.is_some(), "{:?}", String::from_utf8_lossy(body));
        }
        for empty in [&b""[..], b"  \r\n"] {
            let parts = decode(&NESTED, &h, empty);
            assert_status_level(&parts);
            assert_eq!(parts.raw, None);
        }
    }

    #[test]
    fn well_formed_but_unexpected_json_keeps_a_snippet() {
        let h = HeaderMap::new();
        let body = br#"{"message":"Internal server error"}"#;
        let parts = decode(&NESTED, &h, body);
        assert_status_level(&parts);
        assert_eq!(
            parts.raw.as_deref(),
            Some(r#"{"message":"Internal server error"}"#)
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let h = HeaderMap::new();
        let depth = 200_000;
        let mut closed = "[".repeat(depth);
        closed.push_str(&"]".repeat(depth));
        let parts = decode(&NESTED, &h, closed.as_bytes());
        assert_status_level(&parts);
        let open = "[".repeat(depth);
        assert_status_level(&decode(&NESTED, &h, open.as_bytes()));
        // Deep along the layout's own path: serde_json's recursion limit.
        let along = format!(r#"{{"error":{}"#, r#"{"error":"#.repeat(depth));
        assert_status_level(&decode(&NESTED, &h, along.as_bytes()));
        let mut objects = r#"{"x":"#.repeat(depth);
        objects.push('1');
        objects.push_str(&"}".repeat(depth));
        assert_status_level(&decode(&ITEMS, &h, objects.as_bytes()));
        let in_item = format!(r#"{{"errors":[{}]}}"#, "[".repeat(depth));
        assert_status_level(&decode(&ITEMS, &h, in_item.as_bytes()));
    }

    #[test]
    fn request_id_body_first_then_header() {
        let h = headers(&[("x-request-id", "from-header")]);
        let parts = decode(&NESTED, &h, br#"{"request_id":"from-body"}"#);
        assert_eq!(parts.request_id.as_deref(), Some("from-body"));
        let parts = decode(&NESTED, &h, br#"{"error":{}}"#);
        assert_eq!(parts.request_id.as_deref(), Some("from-header"));
        let conflicting = headers(&[("x-request-id", "a"), ("x-request-id", "b")]);
        assert_eq!(decode(&NESTED, &conflicting, b"{}").request_id, None);
    }

    #[test]
    fn code_from_header() {
        let h = headers(&[("x-error-code", "quota_exceeded")]);
        let parts = decode(&TEXT, &h, b"Quota exceeded");
        assert_eq!(parts.code, str_code("quota_exceeded"));
        assert_eq!(parts.raw.as_deref(), Some("Quota exceeded"));

        const INT_HEADER: ApiLayout = ApiLayout {
            body: BodyLayout {
                format: BodyFormat::Json,
                code_type: CodeType::Integer,
                ..TEXT.body
            },
            headers: HEADERS,
        };
        let h = headers(&[("x-error-code", "429")]);
        assert_eq!(decode(&INT_HEADER, &h, b"{}").code, Some(RawCode::Int(429)));
        let h = headers(&[("x-error-code", "1"), ("x-error-code", "2")]);
        assert_eq!(decode(&INT_HEADER, &h, b"{}").code, None);
        let h = headers(&[("x-error-code", "1"), ("x-error-code", "1")]);
        assert_eq!(decode(&INT_HEADER, &h, b"{}").code, Some(RawCode::Int(1)));
    }

    #[test]
    fn text_bodies_are_not_parsed() {
        let h = HeaderMap::new();
        let parts = decode(&TEXT, &h, br#"{"error":{"code":"x"}}"#);
        assert_eq!(parts.code, None);
        assert_eq!(parts.raw.as_deref(), Some(r#"{"error":{"code":"x"}}"#));
    }

    #[test]
    fn hints_are_read_for_every_format() {
        let h = headers(&[
            ("retry-after", "12"),
            ("x-ratelimit-limit", "100"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "30"),
        ]);
        let expected = DelayHints {
            retry_after: Some(RetryAfter::Seconds(12)),
            rate_limit_limit: Some(100),
            rate_limit_remaining: Some(0),
            rate_limit_reset: Some(RateLimitReset::After(30)),
            ..DelayHints::default()
        };
        assert_eq!(decode(&TEXT, &h, b"slow down").hints, expected);
        assert_eq!(decode(&NESTED, &h, b"<html>").hints, expected);
        assert_eq!(decode(&NESTED, &h, b"{}").hints, expected);
        // The window is spent and resets later than `Retry-After`: the longest wins.
        assert_eq!(
            expected.server_delay(std::time::SystemTime::now()),
            Some(Duration::from_secs(30))
        );
    }

    #[test]
    fn snippet_is_bounded_and_cut_on_char_boundary() {
        let ascii = "a".repeat(2000);
        assert_eq!(
            raw_snippet(ascii.as_bytes()).unwrap().len(),
            MAX_RAW_SNIPPET
        );
        // 511 ASCII bytes then a 3-byte character that does not fit.
        let straddle = format!("{}€tail", "a".repeat(511));
        let snippet = raw_snippet(straddle.as_bytes()).unwrap();
        assert_eq!(snippet, "a".repeat(511));
        let euros = "€".repeat(400);
        let snippet = raw_snippet(euros.as_bytes()).unwrap();
        assert_eq!(snippet, "€".repeat(170));
        // Invalid bytes become U+FFFD, and still count against the bound.
        let invalid = vec![0xffu8; 2000];
        let snippet = raw_snippet(&invalid).unwrap();
        assert!(snippet.len() <= MAX_RAW_SNIPPET);
        assert!(snippet.chars().all(|c| c == char::REPLACEMENT_CHARACTER));
        assert_eq!(raw_snippet(b"ok \xff!").as_deref(), Some("ok \u{fffd}!"));
        assert_eq!(raw_snippet(b"short").as_deref(), Some("short"));
    }

    #[test]
    fn into_details_owns_everything() {
        let h = HeaderMap::new();
        let body = br#"{"error":{"code":"c","message":"m","param":"p"},"request_id":"r"}"#.to_vec();
        let (code, details) = decode(&NESTED, &h, &body).into_details(StatusCode::CONFLICT);
        drop(body);
        assert_eq!(code, Some(RawCode::Str("c".into())));
        assert_eq!(details.status, StatusCode::CONFLICT);
        assert_eq!(details.message.as_deref(), Some("m"));
        assert_eq!(details.request_id.as_deref(), Some("r"));
        assert_eq!(details.field_errors.len(), 1);
        assert_eq!(details.raw, None);
    }

    #[test]
    fn raw_code_accessors() {
        let s = RawCode::Str("abc".into());
        let n = RawCode::Int(-3);
        assert_eq!((s.as_str(), s.as_int()), (Some("abc"), None));
        assert_eq!((n.as_str(), n.as_int()), (None, Some(-3)));
        assert_eq!(s.to_string(), "abc");
        assert_eq!(n.to_text(), "-3");
    }

    mod props {
        use proptest::prelude::*;

        use super::*;

        const LAYOUTS: [ApiLayout; 4] = [NESTED, ITEMS, DETAILS, TEXT];

        fn json_value() -> impl Strategy<Value = serde_json::Value> {
            use serde_json::Value;
            let key = prop::sample::select(vec![
                "error",
                "errors",
                "code",
                "message",
                "request_id",
                "meta",
                "id",
                "field",
                "details",
                "issue",
                "type",
                "param",
                "0",
                "1",
            ]);
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                ".{0,12}".prop_map(Value::from),
            ];
            leaf.prop_recursive(6, 64, 6, move |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                    prop::collection::vec((key.clone(), inner), 0..6).prop_map(|entries| {
                        Value::Object(
                            entries
                                .into_iter()
                                .map(|(k, v)| (k.to_owned(), v))
                                .collect(),
                        )
                    }),
                ]
            })
        }

        fn header_map() -> impl Strategy<Value = HeaderMap> {
            let name = prop::sample::select(vec![
                "retry-after",
                "x-request-id",
                "x-error-code",
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset",
            ]);
            let value = prop_oneof![
                prop::collection::vec(any::<u8>(), 0..40),
                "[0-9]{0,30}".prop_map(String::into_bytes),
                Just(b"Wed, 21 Oct 2015 07:28:00 GMT".to_vec()),
            ];
            prop::collection::vec((name, value), 0..8).prop_map(|pairs| {
                let mut map = HeaderMap::new();
                for (name, value) in pairs {
                    if let Ok(value) = HeaderValue::from_bytes(&value) {
                        map.append(name, value);
                    }
                }
                map
            })
        }

        proptest! {
            #[test]
            fn never_panics_on_bytes(
                body in prop::collection::vec(any::<u8>(), 0..600),
                headers in header_map(),
                status in 100u16..1000,
            ) {
                let status = StatusCode::from_u16(status).unwrap();
                for layout in &LAYOUTS {
                    let parts = decode_parts(layout, status, &headers, &body);
                    prop_assert!(parts.raw.as_ref().is_none_or(|r| r.len() <= MAX_RAW_SNIPPET));
                    let prepared = Decoder::new(layout).decode(status, &headers, &body);
                    prop_assert_eq!(prepared, parts);
                }
            }

            #[test]
            fn text_snippet_is_raw_snippet_of_utf8(text in "(\\PC|\\s){0,700}") {
                prop_assert_eq!(text_snippet(&text), raw_snippet(text.as_bytes()));
            }

            #[test]
            fn never_panics_on_json(value in json_value(), cut in any::<prop::sample::Index>()) {
                let text = value.to_string();
                let headers = HeaderMap::new();
                for layout in &LAYOUTS {
                    let _ = decode_parts(layout, StatusCode::BAD_REQUEST, &headers, text.as_bytes());
                    // Truncated anywhere: never a panic.
                    let cut = cut.index(text.len() + 1);
                    let _ = decode_parts(layout, StatusCode::BAD_REQUEST, &headers, &text.as_bytes()[..cut]);
                }
            }

            #[test]
            fn finds_what_a_tree_finds(value in json_value()) {
                // The streaming walk agrees with a `serde_json::Value` lookup.
                let text = value.to_string();
                let headers = HeaderMap::new();
                let parts = decode_parts(&NESTED, StatusCode::BAD_REQUEST, &headers, text.as_bytes());
                let expected_code = value.pointer("/error/code").and_then(|c| match c {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
                    _ => None,
                });
                prop_assert_eq!(parts.code.map(|c| c.to_text().into_owned()), expected_code);
                let expected_message = value.pointer("/error/message").and_then(|m| m.as_str());
                prop_assert_eq!(parts.message.as_deref(), expected_message);
            }
        }
    }
}
