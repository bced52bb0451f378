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
//! use errspec::__private::decode::{decode_parts, RawCode};
//! use errspec::__private::layout::*;
//!
//! static LAYOUT: ApiLayout = ApiLayout {
//!     body: BodyLayout {
//!         code: Some(CodeSource::Body(Pointer(&["error", "code"]))),
//!         message: Some(Pointer(&["error", "message"])),
//!         request_id: Some(Pointer(&["request_id"])),
//!         // Further values to read: here the `decline_code` beside the code.
//!         captures: &[Capture::At(Pointer(&["error", "decline_code"]))],
//!         ..BodyLayout::JSON
//!     },
//!     headers: HeaderLayout { retry_after: Some("retry-after"), ..HeaderLayout::NONE },
//! };
//!
//! let body = br#"{"error":{"code":"rate_limited","message":"Slow down"},"request_id":"req_1"}"#;
//! let status = http::StatusCode::TOO_MANY_REQUESTS;
//! let headers = http::HeaderMap::new();
//! let parts = decode_parts(&LAYOUT, status, &headers, body);
//! assert_eq!(parts.captures.get(0), None);
//! let (code, details) = parts.into_details(status);
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
use std::fmt::Write as _;
use std::mem::ManuallyDrop;

use compact_str::CompactString;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::hints::{HeaderNames, HeaderRef, HintHeaders};
use crate::layout::{
    ApiLayout, BodyFormat, Capture, CodeNormalize, CodeSource, CodeType, FieldMapLayout, Pointer,
};
use crate::rules::{Condition, Facts};
use crate::{DelayHints, ErrorDetails, FieldError, RateLimitReset, Text};

/// The second half of a decode (see [`Decoder::find`]): the parts of a
/// response from what the walk of its body left in the variables `$scope`
/// and `$field_errors` (`$walked`: whether the body was one well-formed
/// document; `$text`: the body, when UTF-8 and parsed), the delay hints of
/// the headers already in `$hints`. One definition, expanded in
/// [`Decoder::find`] and in the walk for several layouts (`union.rs`). A
/// macro, not a function: a function taking the scope (by value or by
/// reference), or a macro moving it into a variable of its own, cost every
/// decode 30 to 50 instructions more (callgrind, Mailgun and Qboxmail's
/// management API, at `c5a1b50`), the scope being a few hundred bytes.
macro_rules! finish {
    (
        $decoder:expr,
        $walked:expr,
        $scope:ident,
        $field_errors:ident,
        $text:expr,
        $body:expr,
        $headers:expr,
        $hints:expr,
        $captures:expr $(,)?
    ) => {{
        let decoder: &$crate::decode::Decoder = $decoder;
        let walked: bool = $walked;
        let text: Option<&str> = $text;
        let body: &[u8] = $body;
        let headers: &http::HeaderMap = $headers;
        let hints: &mut $crate::DelayHints = $hints;
        let captures: &mut $crate::decode::Captures<'_> = $captures;
        if walked {
            // A single field error read from the document itself.
            $scope.push_field_error(&decoder.targets, &mut $field_errors);
        } else {
            // On failure nothing was found: a status-level error.
            $scope = $crate::decode::Scope::default();
            $field_errors = Vec::new();
        }
        let $crate::decode::Scope {
            code: body_code,
            message,
            mut request_id,
            ref mut values,
            ..
        } = $scope;
        // Text, malformed JSON, or JSON without what the layout describes:
        // keep a snippet so the error still shows what the server said.
        let raw = if body_code.is_none() && message.is_none() {
            match text {
                Some(text) => $crate::decode::text_snippet(text),
                None => $crate::decode::raw_snippet(body),
            }
        } else {
            None
        };
        let code = decoder.code(headers, body_code, values);
        if decoder.targets.captures != 0 {
            *captures = decoder.targets.captures_of(values);
        }
        if decoder.hints.body_sources {
            decoder.hints.read_captured(hints, captures, headers);
        }
        if request_id.is_none() {
            request_id = decoder
                .request_id_header
                .and_then(|header| $crate::decode::header_text(headers, header));
        }
        $crate::decode::Found {
            code,
            message,
            request_id,
            field_errors: $field_errors,
            raw,
        }
    }};
}

mod union;
mod xml;

use union::Union;

/// The most bytes of a body kept in [`Parts::raw`] (and
/// [`ErrorDetails::raw`]). The snippet is cut on a character boundary.
pub const MAX_RAW_SNIPPET: usize = 512;

/// An integer's decimal text, written on the stack (`i64::MIN` has 20
/// characters): what `to_string` gives, without its formatting machinery
/// (about half the instructions of `to_compact_string`) and without an
/// allocation. See [`RawCode::text_in`].
#[derive(Clone, Copy, Debug)]
pub struct Decimal {
    text: [u8; 20],
    start: usize,
}

impl Decimal {
    /// `n` in decimal.
    pub fn new(n: i64) -> Decimal {
        let mut text = [b'-'; 20];
        let mut start = text.len();
        let mut rest = n.unsigned_abs();
        loop {
            start -= 1;
            text[start] = b"0123456789"[(rest % 10) as usize];
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if n < 0 {
            start -= 1; // `text` is filled with '-'.
        }
        Decimal { text, start }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and '-' were written: never the empty default.
        std::str::from_utf8(&self.text[self.start..]).unwrap_or_default()
    }
}

impl Default for Decimal {
    /// `0`, written as a constant: callers make one per test, before they
    /// know whether the code is an integer at all.
    fn default() -> Decimal {
        let mut text = [b'-'; 20];
        text[19] = b'0';
        Decimal { text, start: 19 }
    }
}

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

    /// The code as text: a string code as is, an integer written in
    /// decimal into `scratch`. No allocation, where
    /// [`to_text`](Self::to_text) allocates for an integer: for tests that
    /// run on every response (a success predicate, a batch item's rule).
    pub fn text_in<'s>(&'s self, scratch: &'s mut Decimal) -> &'s str {
        match self {
            RawCode::Str(s) => s,
            RawCode::Int(n) => {
                *scratch = Decimal::new(*n);
                scratch.as_str()
            }
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
#[derive(Clone, Debug, Default, PartialEq)]
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
    /// The values of [`BodyLayout::captures`](crate::layout::BodyLayout::captures),
    /// in their order.
    pub captures: Captures<'a>,
}

/// What a decode found in a response besides its delay hints and captures:
/// the body's parts and the code and request id headers. [`Decode::find`]
/// returns it and writes the hints and captures into the caller's, so that
/// the error type builds its own fields from it without moving either.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Found<'a> {
    /// The primary error's code.
    pub code: Option<RawCode<'a>>,
    /// The primary error's message.
    pub message: Option<Cow<'a, str>>,
    /// The request id (body, else header).
    pub request_id: Option<Cow<'a, str>>,
    /// Every field error.
    pub field_errors: Vec<FieldError>,
    /// A bounded snippet of the body when it was not JSON or did not decode.
    pub raw: Option<String>,
}

impl<'a> Found<'a> {
    /// The parts, with the delay hints and captures read beside them.
    #[inline]
    pub fn with(self, hints: DelayHints, captures: Captures<'a>) -> Parts<'a> {
        Parts {
            code: self.code,
            message: self.message,
            request_id: self.request_id,
            field_errors: self.field_errors,
            hints,
            raw: self.raw,
            captures,
        }
    }
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
            message: self.message.map(Text::from),
            request_id: self.request_id.map(Text::from),
            field_errors: self.field_errors,
            delay_hints: self.hints,
            raw: self.raw,
        };
        (self.code, details)
    }
}

/// What an API decodes its responses with: one [`Decoder`], or
/// [`Layouts`] choosing among several. Generated code names its `static`
/// decoder through this trait
/// ([`CatalogApi::DECODER`](crate::CatalogApi::DECODER)), so the shared
/// error type calls it without a dynamic dispatch.
pub trait Decode: Sync + 'static {
    /// The parts of a response, its delay hints and captures written into
    /// `hints` and `captures`; see [`Decoder::find`].
    fn find<'a>(
        &self,
        status: http::StatusCode,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
        hints: &mut DelayHints,
        captures: &mut Captures<'a>,
    ) -> Found<'a>;

    /// The delay hints of a response; see [`Decoder::read_delay_hints`].
    fn read_delay_hints(&self, headers: &http::HeaderMap) -> DelayHints;

    /// A spent rate-limit window's reset; see [`Decoder::spent_window_reset`].
    fn spent_window_reset(&self, headers: &http::HeaderMap) -> Option<RateLimitReset>;
}

// `inline(always)`: a forwarding call the generic `DecodedError::decode`
// would otherwise keep, returning `Parts` through a copy.
impl Decode for Decoder {
    #[inline(always)]
    fn find<'a>(
        &self,
        status: http::StatusCode,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
        hints: &mut DelayHints,
        captures: &mut Captures<'a>,
    ) -> Found<'a> {
        Decoder::find(self, status, headers, body, hints, captures)
    }

    fn read_delay_hints(&self, headers: &http::HeaderMap) -> DelayHints {
        Decoder::read_delay_hints(self, headers)
    }

    #[inline(always)]
    fn spent_window_reset(&self, headers: &http::HeaderMap) -> Option<RateLimitReset> {
        Decoder::spent_window_reset(self, headers)
    }
}

impl Decode for Layouts<'static> {
    #[inline(always)]
    fn find<'a>(
        &self,
        status: http::StatusCode,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
        hints: &mut DelayHints,
        captures: &mut Captures<'a>,
    ) -> Found<'a> {
        Layouts::find(self, status, headers, body, hints, captures)
    }

    fn read_delay_hints(&self, headers: &http::HeaderMap) -> DelayHints {
        Layouts::read_delay_hints(self, headers)
    }

    #[inline]
    fn spent_window_reset(&self, headers: &http::HeaderMap) -> Option<RateLimitReset> {
        Layouts::spent_window_reset(self, headers)
    }
}

/// A layout prepared for decoding: which of its pointers apply in the
/// document, in each error item and in each field-error item, and its header
/// names, resolved to [`http::HeaderName`]s in a [`HeaderNames`]
/// ([`Decoder::resolved`]). Both are `const`, so generated code builds one
/// per API at compile time (a constant, beside a `static` of names) and a
/// decode does no setup at all.
///
/// ```
/// use errspec::__private::decode::Decoder;
/// use errspec::__private::hints::HeaderNames;
/// use errspec::__private::layout::*;
///
/// static LAYOUT: ApiLayout = ApiLayout {
///     body: BodyLayout {
///         code: Some(CodeSource::Body(Pointer(&["code"]))),
///         message: Some(Pointer(&["message"])),
///         ..BodyLayout::JSON
///     },
///     headers: HeaderLayout { retry_after: Some("retry-after"), ..HeaderLayout::NONE },
/// };
/// static NAMES: HeaderNames = HeaderNames::new(&LAYOUT);
/// const DECODER: &Decoder = &Decoder::resolved(&LAYOUT, &NAMES);
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("retry-after", http::HeaderValue::from_static("3"));
/// let parts = DECODER.decode(http::StatusCode::TOO_MANY_REQUESTS, &headers, br#"{"code":"slow_down"}"#);
/// assert_eq!(parts.code.as_ref().and_then(|c| c.as_str()), Some("slow_down"));
/// assert_eq!(DECODER.read_delay_hints(&headers), parts.hints);
/// ```
#[derive(Clone, Debug)]
pub struct Decoder {
    format: BodyFormat,
    targets: Targets,
    code_header: Option<HeaderRef<'static>>,
    code_fallbacks: &'static [CodeSource],
    code_normalize: CodeNormalize,
    request_id_header: Option<HeaderRef<'static>>,
    hints: HintHeaders,
}

impl Decoder {
    /// Prepares `layout`, its header names looked up as text on each
    /// decode: for a layout that names no header (a batch item's), or a
    /// decoder built for one call. Prefer [`resolved`](Decoder::resolved).
    pub const fn new(layout: &ApiLayout) -> Decoder {
        Decoder::build(layout, None)
    }

    /// Prepares `layout`, its header names resolved in `names`, which must
    /// be [`HeaderNames::new`] of the same layout (generated code builds
    /// both from one `static`). A name that is not a valid lower-case
    /// header name is looked up as text, with the same result.
    ///
    /// The decoder holds only references and plain data, so it can be a
    /// constant (`const DECODER: &Decoder = &Decoder::resolved(…)`, as
    /// generated code has it): the compiler then folds its tables into
    /// each API's decode, where a `static` would be read at every decode.
    pub const fn resolved(layout: &ApiLayout, names: &'static HeaderNames) -> Decoder {
        Decoder::build(layout, Some(names))
    }

    const fn build(layout: &ApiLayout, names: Option<&'static HeaderNames>) -> Decoder {
        let (code_header, request_id_header) =
            crate::hints::code_and_request_id_headers(layout, names);
        Decoder {
            format: layout.body.format,
            targets: Targets::new(layout),
            code_header,
            code_fallbacks: layout.body.code_fallbacks,
            code_normalize: layout.body.code_normalize,
            request_id_header,
            hints: HintHeaders::new(&layout.headers, names),
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
        let mut hints = DelayHints::default();
        let mut captures = Captures::default();
        self.find(status, headers, body, &mut hints, &mut captures)
            .with(hints, captures)
    }

    /// [`decode`](Decoder::decode), the delay hints and captures written
    /// into `hints` and `captures` rather than returned: the error type
    /// passes its own, so neither is moved. The captures are written only
    /// for a layout that has some (`captures` is left as it was otherwise).
    // `inline(always)`: inlined into an API's decode, the layout is a
    // constant LLVM folds into the walk; the generic `DecodedError::decode`
    // did not get it inlined by `#[inline]` alone (callgrind: about 40
    // instructions per decode more).
    #[inline(always)]
    pub fn find<'a>(
        &self,
        status: http::StatusCode,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
        hints: &mut DelayHints,
        captures: &mut Captures<'a>,
    ) -> Found<'a> {
        // The status is not needed to find the parts; generated code uses it
        // to classify. It stays in the signature so the contract can grow.
        let _ = status;
        self.hints.read_into(headers, hints);
        // Validating UTF-8 up front (fast) lets the parser trust it
        // afterwards, rejects bodies whose invalid bytes sit in skipped
        // strings, and lets a snippet be cut without validating again.
        let text = match self.format {
            BodyFormat::Json | BodyFormat::Xml => std::str::from_utf8(body).ok(),
            BodyFormat::Text => None,
        };
        // The document's own scope, filled in place by the walk.
        let mut scope = Scope::default();
        let mut field_errors = Vec::new();
        let walked = walk(
            &self.targets,
            self.format,
            text,
            &mut scope,
            &mut field_errors,
        );
        finish!(
            self,
            walked,
            scope,
            field_errors,
            text,
            body,
            headers,
            hints,
            captures,
        )
    }

    /// The code: the first of the layout's sources (its `code`, then its
    /// fallbacks) that gives one, normalised.
    #[inline(always)]
    fn code<'a>(
        &self,
        headers: &'a http::HeaderMap,
        body_code: Option<RawCode<'a>>,
        values: &mut Captures<'a>,
    ) -> Option<RawCode<'a>> {
        let first = match self.code_header {
            Some(header) => {
                header_text(headers, header).map(|text| code_from_str(text, self.targets.code_type))
            }
            None => body_code,
        };
        if self.code_fallbacks.is_empty() && self.code_normalize.is_none() {
            return first;
        }
        self.code_chain(headers, first, values)
    }

    /// [`code`](Decoder::code) of a layout with fallbacks or a
    /// normalisation, from the first source's code.
    fn code_chain<'a>(
        &self,
        headers: &'a http::HeaderMap,
        first: Option<RawCode<'a>>,
        values: &mut Captures<'a>,
    ) -> Option<RawCode<'a>> {
        let code_type = self.targets.code_type;
        if let Some(code) = self.normalize(first) {
            return Some(code);
        }
        for (i, source) in self.code_fallbacks.iter().enumerate() {
            let found = match source {
                CodeSource::Header(name) => header_text(headers, HeaderRef::text(name))
                    .map(|text| code_from_str(text, code_type)),
                CodeSource::Body(_) => {
                    let slot = self
                        .targets
                        .fallback_slot
                        .get(i)
                        .copied()
                        .unwrap_or(NO_SLOT);
                    if slot == NO_SLOT {
                        None
                    } else {
                        match values.take(usize::from(slot) - FIXED) {
                            Some(Captured::Str(text)) => Some(code_from_str(text, code_type)),
                            Some(Captured::Int(n)) => Some(RawCode::Int(n)),
                            _ => None,
                        }
                    }
                }
            };
            if let Some(code) = self.normalize(found) {
                return Some(code);
            }
        }
        None
    }

    /// A string code normalised as the layout says; `None` when nothing is left.
    fn normalize<'a>(&self, code: Option<RawCode<'a>>) -> Option<RawCode<'a>> {
        let norm = &self.code_normalize;
        match code? {
            RawCode::Str(text) if !norm.is_none() => {
                let kept = norm.kept(&text);
                if kept.is_empty() {
                    return None;
                }
                let text = match text {
                    Cow::Borrowed(whole) => Cow::Borrowed(&whole[kept]),
                    Cow::Owned(whole) if kept.len() == whole.len() => Cow::Owned(whole),
                    Cow::Owned(whole) => Cow::Owned(whole[kept].to_owned()),
                };
                Some(code_from_str(text, self.targets.code_type))
            }
            code => Some(code),
        }
    }

    /// Walks the next element of `seq` as one document of this layout: a
    /// batch item ([`crate::batch`]), into `item` (whatever it held is
    /// dropped): its code (body pointers only, not normalised), message
    /// and captures; `false` at the end of the array. Nothing is copied
    /// but strings with escapes that a pointer names, and the item is
    /// walked in place: one `Item` serves every item of a batch.
    #[inline]
    pub(crate) fn next_item<'de, A: SeqAccess<'de>>(
        &self,
        seq: &mut A,
        item: &mut Item<'de>,
    ) -> Result<bool, A::Error> {
        item.scope = Scope::default();
        let mut field_errors = Vec::new();
        let walk = Walk {
            targets: &self.targets,
            depth: 0,
            mask: self.targets.root,
            scope: &mut item.scope,
            field_errors: &mut field_errors,
        };
        if seq.next_element_seed(walk)?.is_none() {
            return Ok(false);
        }
        if self.targets.captures == 0 {
            item.scope.values = Captures::default();
        } else {
            self.targets.clear_helpers(&mut item.scope.values);
        }
        Ok(true)
    }

    /// A status-level error's parts: the delay hints, the header request
    /// id and a snippet of the body; nothing read from the body.
    fn status_level<'a>(
        &self,
        headers: &'a http::HeaderMap,
        body: &[u8],
        hints: &mut DelayHints,
    ) -> Found<'a> {
        self.hints.read_into(headers, hints);
        Found {
            request_id: self
                .request_id_header
                .and_then(|header| header_text(headers, header)),
            raw: raw_snippet(body),
            ..Found::default()
        }
    }

    /// The delay hints of a response: what [`DelayHints::from_headers`]
    /// reads for the layout's headers.
    pub fn read_delay_hints(&self, headers: &http::HeaderMap) -> DelayHints {
        self.hints.read(headers)
    }

    /// What [`read_delay_hints`](Decoder::read_delay_hints) gives as
    /// [`DelayHints::spent_window_reset`], reading only the layout's
    /// `remaining` header (by its resolved name) unless it reads 0, and
    /// nothing when the layout has none: cheap enough for every success.
    #[inline]
    pub fn spent_window_reset(&self, headers: &http::HeaderMap) -> Option<RateLimitReset> {
        self.hints.spent_window_reset(headers)
    }
}

/// [`Decoder::decode`] with a layout prepared for this one call. Generated
/// code keeps a constant [`Decoder`] instead, which saves the preparation
/// and resolves header names once ([`Decoder::resolved`]).
pub fn decode_parts<'a>(
    layout: &ApiLayout,
    status: http::StatusCode,
    headers: &'a http::HeaderMap,
    body: &'a [u8],
) -> Parts<'a> {
    // Resolving header names costs about what looking them up as text
    // does, so a one-off decoder does not resolve them.
    Decoder::new(layout).decode(status, headers, body)
}

/// One body layout of an API that has several, and the responses it is for.
///
/// Built by generated code, one per layout, in a `static` [`Layouts`].
#[derive(Clone, Copy, Debug)]
pub struct Alternative<'l> {
    /// The media types (lower-case, without parameters: `application/xml`)
    /// this layout is for, compared with the response's `Content-Type`
    /// without its parameters, ignoring ASCII case. Empty: any response.
    pub content_types: &'l [&'l str],
    /// Body conditions ([`Condition::Field`] over the decoded captures) that
    /// must all hold. Empty: none.
    pub when: &'l [Condition],
    /// The layout, prepared.
    pub decoder: &'l Decoder,
}

impl Alternative<'_> {
    /// Whether a response of this media type may have this layout.
    #[inline(always)]
    fn accepts(&self, media_type: Option<&str>) -> bool {
        self.content_types.is_empty()
            || media_type
                .is_some_and(|m| self.content_types.iter().any(|t| t.eq_ignore_ascii_case(m)))
    }
}

/// Several body layouts of one API (Azure Storage's XML and JSON bodies,
/// Twilio's legacy and RFC 9457 shapes): each response is decoded with the
/// first [`Alternative`] whose content types and conditions hold.
///
/// ```
/// use errspec::__private::decode::{Alternative, Decoder, Layouts};
/// use errspec::__private::layout::*;
/// use errspec::__private::rules::{Condition, Test};
///
/// static XML: ApiLayout = ApiLayout {
///     body: BodyLayout {
///         format: BodyFormat::Xml,
///         code: Some(CodeSource::Body(Pointer(&["Error", "Code"]))),
///         message: Some(Pointer(&["Error", "Message"])),
///         ..BodyLayout::JSON
///     },
///     headers: HeaderLayout::NONE,
/// };
/// static JSON: ApiLayout = ApiLayout {
///     body: BodyLayout {
///         code: Some(CodeSource::Body(Pointer(&["error", "code"]))),
///         message: Some(Pointer(&["error", "message"])),
///         ..BodyLayout::JSON
///     },
///     headers: HeaderLayout::NONE,
/// };
/// static XML_DECODER: Decoder = Decoder::new(&XML);
/// static JSON_DECODER: Decoder = Decoder::new(&JSON);
/// static LAYOUTS: Layouts<'static> = Layouts::new(&[
///     Alternative { content_types: &["application/xml"], when: &[], decoder: &XML_DECODER },
///     Alternative { content_types: &[], when: &[], decoder: &JSON_DECODER },
/// ]);
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("content-type", http::HeaderValue::from_static("application/xml; charset=utf-8"));
/// let body = br#"<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>Busy</Message></Error>"#;
/// let (chosen, parts) = LAYOUTS.choose(http::StatusCode::SERVICE_UNAVAILABLE, &headers, body);
/// assert_eq!(chosen, Some(0));
/// assert_eq!(parts.code.as_ref().and_then(|c| c.as_str()), Some("ServerBusy"));
///
/// let json = http::HeaderMap::new();
/// let parts = LAYOUTS.decode(http::StatusCode::NOT_FOUND, &json, br#"{"error":{"code":"PathNotFound"}}"#);
/// assert_eq!(parts.code.as_ref().and_then(|c| c.as_str()), Some("PathNotFound"));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Layouts<'l> {
    alternatives: &'l [Alternative<'l>],
    /// Whether any layout lists media types.
    by_media_type: bool,
    /// The first layouts' pointers together, when a later one can be
    /// walked along with the first.
    union: Option<Union>,
}

impl<'l> Layouts<'l> {
    /// The API's layouts, in the order they are tried.
    pub const fn new(alternatives: &'l [Alternative<'l>]) -> Layouts<'l> {
        let mut by_media_type = false;
        let mut i = 0;
        while i < alternatives.len() {
            by_media_type |= !alternatives[i].content_types.is_empty();
            i += 1;
        }
        Layouts {
            alternatives,
            by_media_type,
            union: Union::new(alternatives),
        }
    }

    /// The layouts, in order.
    pub fn alternatives(&self) -> &'l [Alternative<'l>] {
        self.alternatives
    }

    /// [`Decoder::decode`] with the first layout that fits the response.
    /// Total, as that is: a response no layout fits is a status-level
    /// error (delay hints and a header request id, and a snippet in
    /// [`Parts::raw`]).
    #[inline]
    pub fn decode<'a>(
        &self,
        status: http::StatusCode,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
    ) -> Parts<'a> {
        self.choose(status, headers, body).1
    }

    /// [`decode`](Layouts::decode), the delay hints and captures written
    /// into `hints` and `captures` (see [`Decoder::find`]).
    // `inline(always)` (and `choose_found`): generated code's `DECODER` is a
    // constant, which LLVM folds into the decode as it does a single
    // layout's, once inlined: each layout's finish, its conditions and its
    // rider's moves are then specialised (callgrind: Twilio's legacy body
    // 4297 -> 4027, its RFC 9457 body 6087 -> 5915).
    #[inline(always)]
    pub fn find<'a>(
        &self,
        status: http::StatusCode,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
        hints: &mut DelayHints,
        captures: &mut Captures<'a>,
    ) -> Found<'a> {
        self.choose_found(status, headers, body, hints, captures).1
    }

    /// The delay hints of a response (every layout reads the same headers).
    pub fn read_delay_hints(&self, headers: &http::HeaderMap) -> DelayHints {
        self.alternatives
            .first()
            .map(|a| a.decoder.read_delay_hints(headers))
            .unwrap_or_default()
    }

    /// A spent rate-limit window's reset, as
    /// [`Decoder::spent_window_reset`] (every layout reads the same headers).
    #[inline]
    pub fn spent_window_reset(&self, headers: &http::HeaderMap) -> Option<RateLimitReset> {
        self.alternatives
            .first()
            .and_then(|a| a.decoder.spent_window_reset(headers))
    }

    /// Which layout fits the response (its index, `None` when none does),
    /// and what it decoded. A layout's content types are checked before
    /// the body is read; its conditions, on what it decoded.
    pub fn choose<'a>(
        &self,
        status: http::StatusCode,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
    ) -> (Option<usize>, Parts<'a>) {
        let mut hints = DelayHints::default();
        let mut captures = Captures::default();
        let (chosen, found) = self.choose_found(status, headers, body, &mut hints, &mut captures);
        (chosen, found.with(hints, captures))
    }

    #[inline(always)]
    fn choose_found<'a>(
        &self,
        status: http::StatusCode,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
        hints: &mut DelayHints,
        captures: &mut Captures<'a>,
    ) -> (Option<usize>, Found<'a>) {
        // The `Content-Type` is read only when a layout lists media types
        // (callgrind, Twilio's two layouts, which list none: about 270
        // instructions a decode for reading it).
        let media_type = if self.by_media_type {
            media_type(headers)
        } else {
            None
        };
        // The layouts that ride in one walk are tried first, then the
        // rest, each walking the body again.
        let mut rest = 0;
        if let Some(union) = &self.union {
            if let Some(chosen) =
                union.choose(self, media_type, status, headers, body, hints, captures)
            {
                return chosen;
            }
            rest = union.lanes;
        }
        self.choose_in_turn(rest, media_type, status, headers, body, hints, captures)
    }

    /// [`choose`](Layouts::choose) among the layouts from `first` on, each
    /// walking the body in turn.
    #[allow(clippy::too_many_arguments)]
    fn choose_in_turn<'a>(
        &self,
        first: usize,
        media_type: Option<&str>,
        status: http::StatusCode,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
        hints: &mut DelayHints,
        captures: &mut Captures<'a>,
    ) -> (Option<usize>, Found<'a>) {
        for (index, alternative) in self.alternatives.iter().enumerate().skip(first) {
            if !alternative.accepts(media_type) {
                continue;
            }
            // Each layout starts from no captures (one without any leaves
            // them as they are).
            *captures = Captures::default();
            let found = alternative
                .decoder
                .find(status, headers, body, hints, captures);
            let holds = {
                let facts = Facts::new(status.as_u16(), headers).captures(captures);
                alternative.when.iter().all(|c| c.holds(&facts))
            };
            if holds {
                return (Some(index), found);
            }
        }
        *captures = Captures::default();
        let found = match self.alternatives.last() {
            Some(last) => last.decoder.status_level(headers, body, hints),
            None => {
                *hints = DelayHints::default();
                Found {
                    raw: raw_snippet(body),
                    ..Found::default()
                }
            }
        };
        (None, found)
    }
}

/// The media type of a response's `Content-Type`, without parameters and
/// surrounding whitespace (`application/xml` of `application/xml; charset=utf-8`).
fn media_type(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    let media = value.split(';').next()?.trim_ascii();
    (!media.is_empty()).then_some(media)
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
fn header_text<'h>(headers: &'h http::HeaderMap, header: HeaderRef<'_>) -> Option<Cow<'h, str>> {
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

/// What one batch item held ([`Decoder::next_item`]): its code, message
/// and captures.
#[derive(Default)]
pub(crate) struct Item<'a> {
    scope: Scope<'a>,
}

impl<'a> Item<'a> {
    pub(crate) fn code(&self) -> Option<&RawCode<'a>> {
        self.scope.code.as_ref()
    }

    pub(crate) fn message(&self) -> Option<&str> {
        self.scope.message.as_deref()
    }

    pub(crate) fn captures(&self) -> &Captures<'a> {
        &self.scope.values
    }

    /// Takes the code, leaving none.
    pub(crate) fn take_code(&mut self) -> Option<RawCode<'a>> {
        self.scope.code.take()
    }

    /// Takes the message, leaving none.
    pub(crate) fn take_message(&mut self) -> Option<Cow<'a, str>> {
        self.scope.message.take()
    }
}

/// Walks the body `text` (`None`: not UTF-8, or not parsed) of a layout of
/// `format` along `targets` into `scope` and `field_errors`; `false` when
/// it is not one well-formed document (then they hold whatever the walk had
/// reached: the caller drops it).
#[inline(always)]
fn walk<'a>(
    targets: &Targets,
    format: BodyFormat,
    text: Option<&'a str>,
    scope: &mut Scope<'a>,
    field_errors: &mut Vec<FieldError>,
) -> bool {
    match (text, format) {
        (Some(text), BodyFormat::Xml) => xml::decode_xml(targets, text, scope, field_errors),
        (Some(text), _) => decode_json(targets, text, scope, field_errors),
        (None, _) => false,
    }
}

/// Walks a JSON document into `scope` and `field_errors`; `false` when it
/// is not one well-formed JSON document (then they hold whatever the walk
/// had reached: the caller drops it).
fn decode_json<'a>(
    targets: &Targets,
    text: &'a str,
    scope: &mut Scope<'a>,
    field_errors: &mut Vec<FieldError>,
) -> bool {
    let mut de = crate::json::Deserializer::from_str(text);
    Walk {
        targets,
        depth: 0,
        mask: targets.root,
        scope,
        field_errors,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end())
    .is_ok()
}

/// Owned text for an error: in-line when short, and a string that was
/// already copied (it had escapes) keeps its buffer.
#[inline]
pub(crate) fn compact(text: Cow<'_, str>) -> CompactString {
    match text {
        Cow::Borrowed(text) => CompactString::new(text),
        Cow::Owned(text) => CompactString::from(text),
    }
}

/// A value captured from a body (see [`crate::layout::Capture`]): a scalar,
/// or the fact that an object or an array is there.
#[derive(Clone, Debug, PartialEq)]
pub enum Captured<'a> {
    /// A string, borrowed from the body when it had no escapes.
    Str(Cow<'a, str>),
    /// An integer that fits an `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An object (its content is not kept).
    Object,
    /// An array, with its number of items.
    Array(usize),
}

impl Captured<'_> {
    /// The string, if the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Captured::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if the value is one.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Captured::Int(n) => Some(n),
            _ => None,
        }
    }

    /// The number, if the value is one (an integer converted).
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Captured::Int(n) => Some(n as f64),
            Captured::Float(x) => Some(x),
            _ => None,
        }
    }

    /// The boolean, if the value is one.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Captured::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The same value, owning its text.
    pub fn into_owned(self) -> Captured<'static> {
        match self {
            Captured::Str(s) => Captured::Str(Cow::Owned(s.into_owned())),
            Captured::Int(n) => Captured::Int(n),
            Captured::Float(x) => Captured::Float(x),
            Captured::Bool(b) => Captured::Bool(b),
            Captured::Null => Captured::Null,
            Captured::Object => Captured::Object,
            Captured::Array(n) => Captured::Array(n),
        }
    }

    #[inline]
    fn from_int(n: i128) -> Captured<'static> {
        match i64::try_from(n) {
            Ok(n) => Captured::Int(n),
            Err(_) => Captured::big_int(n),
        }
    }

    /// An integer beyond `i64`, as a float. Out of line: in line, the
    /// conversion (a call of about 45 instructions) was made for every
    /// integer, before the test that it is needed.
    #[cold]
    #[inline(never)]
    fn big_int(n: i128) -> Captured<'static> {
        Captured::Float(n as f64)
    }
}

/// How many captured values [`Captures`] keeps without allocating.
const INLINE_CAPTURES: usize = 4;

/// The values a decode captured, by position in
/// [`BodyLayout::captures`](crate::layout::BodyLayout::captures). The first
/// few are kept in place; a layout with more allocates once for the rest.
#[derive(Clone, Default)]
pub struct Captures<'a> {
    /// Dropped by hand, and only when [`owns`](Captures::owns) says one of
    /// them may own text: most decodes capture nothing or borrowed text,
    /// and skip the drop of every slot.
    inline: ManuallyDrop<[Option<Captured<'a>>; INLINE_CAPTURES]>,
    /// Whether an in-line value may own text.
    owns: bool,
    /// Dropped by hand too, when it was ever allocated.
    spill: ManuallyDrop<Vec<Option<Captured<'a>>>>,
}

// The test is in-line and the drop out of line: most drops of a
// `Captures` then cost a load and a branch instead of a call.
impl Drop for Captures<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.owns || self.spill.capacity() != 0 {
            self.drop_values();
        }
    }
}

// Equal when every capture is: how many spilled slots hold no value (a
// slot whose value was taken) does not count.
impl PartialEq for Captures<'_> {
    fn eq(&self, other: &Self) -> bool {
        let bound = self.bound().max(other.bound());
        (0..bound).all(|i| self.get(i) == other.get(i))
    }
}

impl fmt::Debug for Captures<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.values()).finish()
    }
}

impl<'a> Captures<'a> {
    /// The value of capture `index`, if the body had one.
    #[inline]
    pub fn get(&self, index: usize) -> Option<&Captured<'a>> {
        match index.checked_sub(INLINE_CAPTURES) {
            None => self.inline.get(index)?.as_ref(),
            Some(i) => self.spill.get(i)?.as_ref(),
        }
    }

    /// Takes the value of capture `index`, leaving none.
    pub fn take(&mut self, index: usize) -> Option<Captured<'a>> {
        match index.checked_sub(INLINE_CAPTURES) {
            None => self.inline.get_mut(index)?.take(),
            Some(i) => self.spill.get_mut(i)?.take(),
        }
    }

    /// Sets the value of capture `index`.
    // `inline(always)`: out of line, the call, the move of the value and
    // the drop of the old one cost about 25 instructions a capture more
    // (callgrind, Mailgun's capture of `/message`).
    #[inline(always)]
    pub fn set(&mut self, index: usize, value: Captured<'a>) {
        match index.checked_sub(INLINE_CAPTURES) {
            None => {
                self.owns |= matches!(value, Captured::Str(Cow::Owned(_)));
                self.inline[index] = Some(value);
            }
            Some(i) => {
                if self.spill.len() <= i {
                    self.spill.resize(i + 1, None);
                }
                self.spill[i] = Some(value);
            }
        }
    }

    /// Whether no value was captured.
    pub fn is_empty(&self) -> bool {
        self.values().all(Option::is_none)
    }

    /// Drops every value and the spill's buffer, leaving none.
    #[cold]
    #[inline(never)]
    fn drop_values(&mut self) {
        self.inline.iter_mut().for_each(|value| drop(value.take()));
        self.owns = false;
        drop(std::mem::take(&mut *self.spill));
    }

    /// Every slot, in-line ones first.
    fn values(&self) -> impl Iterator<Item = &Option<Captured<'a>>> {
        self.inline.iter().chain(self.spill.iter())
    }

    /// One past the highest index that may hold a value.
    fn bound(&self) -> usize {
        INLINE_CAPTURES + self.spill.len()
    }

    /// The same values, owning their text.
    pub fn into_owned(mut self) -> Captures<'static> {
        let own = |v: Option<Captured<'a>>| v.map(Captured::into_owned);
        let inline = std::mem::take(&mut *self.inline).map(own);
        Captures {
            owns: inline.iter().any(Option::is_some),
            inline: ManuallyDrop::new(inline),
            spill: ManuallyDrop::new(
                std::mem::take(&mut *self.spill)
                    .into_iter()
                    .map(own)
                    .collect(),
            ),
        }
    }
}

/// A set of slots, one bit each.
type Mask = u32;

/// How many pointers a prepared layout holds: the seven fixed ones (code,
/// message, request id, errors array, field-error array, field name, field
/// message) and [`MAX_CAPTURE_SLOTS`] for captures and code fallbacks.
const MAX_SLOTS: usize = Mask::BITS as usize;

/// The fixed slots: each has one pointer in a layout.
const CODE: usize = 0;
const MESSAGE: usize = 1;
const REQUEST_ID: usize = 2;
/// The array of error items ([`crate::layout::BodyLayout::errors`]).
const ERRORS: usize = 3;
/// An array of field errors ([`crate::layout::FieldErrorsLayout::items`]).
const FIELD_ITEMS: usize = 4;
const FIELD_NAME: usize = 5;
const FIELD_MESSAGE: usize = 6;
const FIXED: usize = 7;

/// How many slots a layout's captures and code fallbacks may take: a
/// [`Capture::At`] or a body code fallback takes
/// one, a [`Capture::Select`] three. Further
/// ones are never found (`cargo xtask check` refuses a layout with more).
pub const MAX_CAPTURE_SLOTS: usize = MAX_SLOTS - FIXED;

/// The context of the document's root.
const ROOT: u8 = u8::MAX;
/// No index constraint: the slot applies in every item of its array.
const ANY: u32 = u32::MAX;
/// No slot.
const NO_SLOT: u8 = u8::MAX;

const fn bit(slot: usize) -> Mask {
    1 << slot
}

/// What a dynamic slot (from [`FIXED`] on) is for.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// A fixed slot, or none.
    Fixed,
    /// A [`Capture::At`](crate::layout::Capture::At).
    Capture,
    /// A body pointer of the code's fallback chain.
    CodeFallback,
    /// The object of [`FieldMapLayout`]: field errors keyed by field.
    FieldMap,
    /// The array of a [`Capture::Select`](crate::layout::Capture::Select),
    /// with the slots of its key and value.
    SelectArray {
        key: u8,
        value: u8,
    },
    SelectKey,
    SelectValue,
    /// The code, message or request id of a later layout that rides in
    /// the walk of the first ([`Union`]): taken as that layout's own code,
    /// message or request id would be.
    RideCode,
    RideMessage,
    RideRequestId,
}

/// How deep [`Targets`] keeps tables; deeper pointers (rare) are matched
/// by looking at every slot.
const TABLE_DEPTH: usize = 6;

/// The layout's pointers, one per slot, each relative to its context: the
/// document, or the items of an array (errors, field errors, a select's
/// array). A pointer that passes through such an array (`/errors/0/id`)
/// is moved into the array's items, for the item of that index only.
///
/// For the first [`TABLE_DEPTH`] levels, tables say which pointers end at
/// a level, and list each level's distinct segments with the pointers that
/// have them, so that a key is compared once with each distinct segment
/// and never with a pointer that ended.
#[derive(Clone, Copy, Debug)]
struct Targets {
    /// The slots in use.
    used: Mask,
    paths: [&'static [&'static str]; MAX_SLOTS],
    kinds: [Kind; MAX_SLOTS],
    /// Per select array slot: the text its key must have.
    equals: [&'static str; MAX_SLOTS],
    /// Per slot: [`ROOT`], or the array slot whose items hold it.
    home: [u8; MAX_SLOTS],
    /// Per slot: [`ANY`], or the one item index it applies in.
    index: [u32; MAX_SLOTS],
    root: Mask,
    /// Slots whose value is an array of items.
    collections: Mask,
    /// Per array slot: the slots of every item.
    elem_any: [Mask; MAX_SLOTS],
    /// Per array slot: the slots of one item each (see `index`).
    elem_indexed: [Mask; MAX_SLOTS],
    /// Slots of an error item whose value counts only from the first item.
    primary_only: Mask,
    /// Slots that take any value, an object or array included.
    any_value: Mask,
    code_type: CodeType,
    /// How many captures the layout has: their values take the first
    /// dynamic slots, in order.
    captures: usize,
    /// Whether any dynamic slot past the captures' is in use.
    helpers: bool,
    /// Per code fallback: its slot ([`NO_SLOT`] for a header).
    fallback_slot: [u8; MAX_SLOTS],
    /// The slot of the field map, if any (one bit), and its layout.
    field_map: Mask,
    field_map_layout: Option<FieldMapLayout>,
    /// Whether a field error's message is the message itself (the same
    /// pointer in the same context, as TopMail's `/error/message`): then it
    /// has no slot of its own, and the message is taken once.
    field_message_is_message: bool,
    /// Per depth: the slots whose pointer ends there.
    ends: [Mask; TABLE_DEPTH],
    /// Per depth: the slots whose pointer goes deeper.
    below: [Mask; TABLE_DEPTH],
    /// The distinct segments of the first depths, depth by depth: depth
    /// `d`'s are `segments[spans[d].0..spans[d].1]`. A depth whose segments
    /// do not all fit, and every depth below it, has the span [`UNCOVERED`]
    /// (its keys are compared with each slot's segment).
    segments: [Segment; MAX_SEGMENTS],
    spans: [(u8, u8); TABLE_DEPTH],
}

/// The span of a depth [`Targets::segments`] does not list (`get` of it
/// is `None`).
const UNCOVERED: (u8, u8) = (u8::MAX, u8::MAX);

/// How many distinct (depth, segment) pairs [`Targets`] lists.
const MAX_SEGMENTS: usize = MAX_SLOTS;

/// One distinct segment at one depth of the layout's pointers.
#[derive(Clone, Copy, Debug)]
struct Segment {
    /// The text packed: the whole text when it has at most 16 bytes.
    packed: Packed,
    text: &'static str,
    /// The slots whose pointer has this segment at this depth.
    slots: Mask,
}

impl Segment {
    const EMPTY: Segment = Segment::new("", 0);

    const fn new(text: &'static str, slots: Mask) -> Segment {
        Segment {
            packed: Packed::new(text.as_bytes()),
            text,
            slots,
        }
    }

    /// Whether the segment is `key`, packed as `packed`.
    #[inline]
    fn is_key(&self, key: &str, packed: Packed) -> bool {
        self.packed == packed && (key.len() <= Packed::EXACT || self.text == key)
    }
}

/// A text as a key is compared with [`Segment`]s: its length, its [`head`]
/// and, past 8 bytes, its last 8 bytes. Two texts of at most
/// [`EXACT`](Packed::EXACT) bytes are equal exactly when their packings
/// are (every byte is in them); of longer ones, the text decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Packed {
    head: u64,
    tail: u64,
    len: usize,
}

impl Packed {
    const EXACT: usize = 16;

    #[inline]
    const fn new(text: &[u8]) -> Packed {
        let tail = match text.last_chunk::<8>() {
            Some(last) if text.len() > 8 => u64::from_le_bytes(*last),
            _ => 0,
        };
        Packed {
            head: head(text),
            tail,
            len: text.len(),
        }
    }
}

/// The bytes of a short text packed into a `u64`, so that two texts of the
/// same length up to 8 bytes are equal exactly when their heads are (every
/// byte is in it: the first and last four of 4 to 8 bytes, which overlap);
/// of a longer text, its first 8 bytes. `const`, for the tables, and cheap
/// at run time, for each key.
#[inline]
const fn head(text: &[u8]) -> u64 {
    if let Some(first) = text.first_chunk::<8>() {
        return u64::from_le_bytes(*first);
    }
    if let (Some(first), Some(last)) = (text.first_chunk::<4>(), text.last_chunk::<4>()) {
        return u32::from_le_bytes(*first) as u64 | (u32::from_le_bytes(*last) as u64) << 32;
    }
    match *text {
        [a, b, c] => a as u64 | (b as u64) << 8 | (c as u64) << 16,
        [a, b] => a as u64 | (b as u64) << 8,
        [a] => a as u64,
        _ => 0,
    }
}

impl Targets {
    const fn new(layout: &ApiLayout) -> Targets {
        let body = &layout.body;
        let mut t = Targets {
            used: 0,
            paths: [&[]; MAX_SLOTS],
            kinds: [Kind::Fixed; MAX_SLOTS],
            equals: [""; MAX_SLOTS],
            home: [ROOT; MAX_SLOTS],
            index: [ANY; MAX_SLOTS],
            root: 0,
            collections: 0,
            elem_any: [0; MAX_SLOTS],
            elem_indexed: [0; MAX_SLOTS],
            primary_only: 0,
            any_value: 0,
            code_type: body.code_type,
            captures: 0,
            helpers: false,
            fallback_slot: [NO_SLOT; MAX_SLOTS],
            field_map: 0,
            field_map_layout: body.field_map,
            field_message_is_message: false,
            ends: [0; TABLE_DEPTH],
            below: [0; TABLE_DEPTH],
            segments: [Segment::EMPTY; MAX_SEGMENTS],
            spans: [UNCOVERED; TABLE_DEPTH],
        };
        let mut present: Mask = 0;
        // Code, message and field errors live in each error item when the
        // layout has an errors array, else in the document itself.
        let item_home = if body.errors.is_some() {
            ERRORS as u8
        } else {
            ROOT
        };
        if let Some(CodeSource::Body(Pointer(path))) = body.code {
            t.put(&mut present, CODE, path, Kind::Fixed, item_home);
        }
        if let Some(Pointer(path)) = body.message {
            t.put(&mut present, MESSAGE, path, Kind::Fixed, item_home);
        }
        if let Some(Pointer(path)) = body.request_id {
            t.put(&mut present, REQUEST_ID, path, Kind::Fixed, ROOT);
        }
        if let Some(Pointer(path)) = body.errors {
            t.put(&mut present, ERRORS, path, Kind::Fixed, ROOT);
            t.collections |= bit(ERRORS);
        }
        if let Some(fields) = body.field_errors {
            let field_home = match fields.items {
                Some(Pointer(path)) => {
                    t.put(&mut present, FIELD_ITEMS, path, Kind::Fixed, item_home);
                    t.collections |= bit(FIELD_ITEMS);
                    FIELD_ITEMS as u8
                }
                None => item_home,
            };
            t.put(
                &mut present,
                FIELD_NAME,
                fields.field.0,
                Kind::Fixed,
                field_home,
            );
            match (fields.message, body.message) {
                (Some(Pointer(path)), Some(Pointer(message)))
                    if field_home == item_home && paths_eq(path, message) =>
                {
                    t.field_message_is_message = true;
                }
                (Some(Pointer(path)), _) => {
                    t.put(&mut present, FIELD_MESSAGE, path, Kind::Fixed, field_home);
                }
                (None, _) => {}
            }
        }
        if body.errors.is_some() {
            t.primary_only = bit(CODE) | bit(MESSAGE);
        }
        // Capture `i`'s value takes dynamic slot `i`, so the values are in
        // capture order as the walk leaves them; the slots that only help
        // (a field map, a select's array and key, code fallbacks) follow.
        let values = if body.captures.len() < MAX_CAPTURE_SLOTS {
            body.captures.len()
        } else {
            MAX_CAPTURE_SLOTS
        };
        let mut next = FIXED + values;
        if let Some(map) = body.field_map
            && next < MAX_SLOTS
        {
            t.put(&mut present, next, map.map.0, Kind::FieldMap, item_home);
            t.field_map = bit(next);
            next += 1;
        }
        let mut i = 0;
        while i < values {
            let v = FIXED + i;
            match body.captures[i] {
                Capture::At(Pointer(path)) => {
                    t.put(&mut present, v, path, Kind::Capture, ROOT);
                    t.any_value |= bit(v);
                }
                Capture::Select {
                    array,
                    key,
                    equals,
                    value,
                } => {
                    if next + 2 <= MAX_SLOTS {
                        let (a, k) = (next, next + 1);
                        let kind = Kind::SelectArray {
                            key: k as u8,
                            value: v as u8,
                        };
                        t.put(&mut present, a, array.0, kind, ROOT);
                        t.equals[a] = equals;
                        t.collections |= bit(a);
                        t.put(&mut present, k, key.0, Kind::SelectKey, a as u8);
                        t.put(&mut present, v, value.0, Kind::SelectValue, a as u8);
                        t.any_value |= bit(k) | bit(v);
                        next += 2;
                    }
                }
            }
            i += 1;
        }
        let mut i = 0;
        while i < body.code_fallbacks.len() && i < MAX_SLOTS {
            if let CodeSource::Body(Pointer(path)) = body.code_fallbacks[i]
                && next < MAX_SLOTS
            {
                t.put(&mut present, next, path, Kind::CodeFallback, item_home);
                if body.errors.is_some() {
                    t.primary_only |= bit(next);
                }
                t.fallback_slot[i] = next as u8;
                next += 1;
            }
            i += 1;
        }
        t.captures = values;
        t.helpers = next > FIXED + values;
        t.used = present;
        t.move_through_arrays(present);
        t.contexts(present);
        t.tables(present);
        t
    }

    /// Whether `ride`'s pointers can be walked along with this layout's
    /// ([`Union`]): `ride` has nothing but a code, message, request id and
    /// plain captures (no arrays of items, field errors, selects or code
    /// fallbacks, whose values depend on contexts of their own), its code
    /// has the same type, and none of its pointers leads into an array of
    /// items or a field map of this layout (whose values the walk takes in
    /// contexts of their own).
    const fn can_ride(&self, ride: &Targets) -> bool {
        let contexts = bit(ERRORS) | bit(FIELD_ITEMS) | bit(FIELD_NAME) | bit(FIELD_MESSAGE);
        let same_type = matches!(
            (self.code_type, ride.code_type),
            (CodeType::String, CodeType::String) | (CodeType::Integer, CodeType::Integer)
        );
        if ride.used & contexts != 0
            || ride.collections != 0
            || ride.field_map != 0
            || ride.helpers
            || !same_type
        {
            return false;
        }
        let own = (self.collections | self.field_map) & self.root;
        let mut r = 0;
        while r < MAX_SLOTS {
            let mut c = 0;
            while ride.used & bit(r) != 0 && c < MAX_SLOTS {
                if own & bit(c) != 0 && starts_with(ride.paths[r], self.paths[c]) {
                    return false;
                }
                c += 1;
            }
            r += 1;
        }
        true
    }

    /// Adds a slot of the document for `path`: free slot `slot`.
    const fn put_root(&mut self, slot: usize, path: &'static [&'static str], kind: Kind) {
        let mut used = self.used;
        self.put(&mut used, slot, path, kind, ROOT);
        self.used = used;
        self.root |= bit(slot);
    }

    /// Lists the segments again, after slots were added.
    const fn retable(&mut self) {
        self.ends = [0; TABLE_DEPTH];
        self.below = [0; TABLE_DEPTH];
        self.segments = [Segment::EMPTY; MAX_SEGMENTS];
        self.spans = [UNCOVERED; TABLE_DEPTH];
        self.tables(self.used);
    }

    const fn put(
        &mut self,
        present: &mut Mask,
        slot: usize,
        path: &'static [&'static str],
        kind: Kind,
        home: u8,
    ) {
        self.paths[slot] = path;
        self.kinds[slot] = kind;
        self.home[slot] = home;
        *present |= bit(slot);
    }

    /// Moves a pointer that passes through an array of items (`/errors/0/id`
    /// through `/errors`) into that array's items, for the item of its index.
    /// A pointer passes through one array at most this way.
    const fn move_through_arrays(&mut self, present: Mask) {
        let mut s = 0;
        while s < MAX_SLOTS {
            let movable = present & bit(s) != 0 && s != ERRORS && self.index[s] == ANY;
            let mut c = 0;
            while movable && c < MAX_SLOTS {
                if c != s && self.collections & bit(c) != 0 && self.home[c] == self.home[s] {
                    let (array, path) = (self.paths[c], self.paths[s]);
                    if path.len() > array.len() + 1 && starts_with(path, array) {
                        let (_, rest) = path.split_at(array.len());
                        if let Some(n) = canonical_index(rest[0]) {
                            let (_, rest) = rest.split_at(1);
                            self.paths[s] = rest;
                            self.home[s] = c as u8;
                            self.index[s] = n;
                            break;
                        }
                    }
                }
                c += 1;
            }
            s += 1;
        }
    }

    /// Which slots apply in the document and in the items of each array.
    const fn contexts(&mut self, present: Mask) {
        let mut s = 0;
        while s < MAX_SLOTS {
            if present & bit(s) != 0 {
                let home = self.home[s];
                if home == ROOT {
                    self.root |= bit(s);
                } else if self.index[s] == ANY {
                    self.elem_any[home as usize] |= bit(s);
                } else {
                    self.elem_indexed[home as usize] |= bit(s);
                }
            }
            s += 1;
        }
    }

    const fn tables(&mut self, present: Mask) {
        let mut depth = 0;
        let mut count = 0;
        let mut fits = true;
        while depth < TABLE_DEPTH {
            let start = count;
            let mut a = 0;
            while a < MAX_SLOTS {
                let path = self.paths[a];
                if present & bit(a) != 0 {
                    if path.len() == depth {
                        self.ends[depth] |= bit(a);
                    } else if path.len() > depth {
                        self.below[depth] |= bit(a);
                        // The segment's entry at this depth, or a new one.
                        let mut s = start;
                        while s < count && !str_eq(self.segments[s].text, path[depth]) {
                            s += 1;
                        }
                        if s < count {
                            self.segments[s].slots |= bit(a);
                        } else if count < MAX_SEGMENTS {
                            self.segments[count] = Segment::new(path[depth], bit(a));
                            count += 1;
                        } else {
                            fits = false;
                        }
                    }
                }
                a += 1;
            }
            if fits {
                self.spans[depth] = (start as u8, count as u8);
            } else {
                count = start;
            }
            depth += 1;
        }
    }

    /// The captured values: the dynamic slots, cleared past the captures'
    /// (values the helper slots kept for the walk).
    #[inline]
    fn captures_of<'a>(&self, values: &mut Captures<'a>) -> Captures<'a> {
        self.clear_helpers(values);
        std::mem::take(values)
    }

    /// Clears the dynamic slots past the captures' (values the helper
    /// slots kept for the walk), in place.
    #[inline]
    fn clear_helpers(&self, values: &mut Captures<'_>) {
        if self.helpers {
            for i in self.captures..values.bound() {
                values.take(i);
            }
        }
    }

    /// The slots of the item at `index` of the arrays `arrays`.
    fn item_mask(&self, arrays: Mask, index: usize) -> Mask {
        let mut mask = 0;
        for c in slots(arrays) {
            mask |= self.elem_any[c];
            for s in slots(self.elem_indexed[c]) {
                if usize::try_from(self.index[s]) == Ok(index) {
                    mask |= bit(s);
                }
            }
        }
        mask
    }

    /// The slots of `mask` whose segment at `depth` satisfies `matches`,
    /// which holds for one segment text at most; every slot of `mask`
    /// points deeper than `depth`.
    // `inline(always)`: called once per key, a call of its own cost about
    // 40 instructions a key (callgrind, TopMail known).
    #[inline(always)]
    fn step(&self, mask: Mask, depth: usize, matches: impl Fn(&Segment) -> bool) -> Mask {
        match self.segments_at(depth) {
            // Each distinct segment compared once, until one matches: they
            // are distinct, so no other can (so whether a segment's slots
            // are in `mask` is asked of that one alone: asked of each, it
            // cost every segment passed two instructions; callgrind, Twilio's
            // legacy body 3463 -> 3419, Stripe's documented decline 7662 ->
            // 7577).
            Some(segments) => segments
                .iter()
                .find(|segment| matches(segment))
                .map_or(0, |segment| segment.slots & mask),
            None => slots(mask)
                .filter(|&slot| {
                    self.paths[slot]
                        .get(depth)
                        .is_some_and(|seg| matches(&Segment::new(seg, bit(slot))))
                })
                .fold(0, |next, slot| next | bit(slot)),
        }
    }

    /// The slots of `mask` whose segment at `depth` is `key`: a key of at
    /// most 16 bytes is told by its packing alone ([`Packed`]).
    // Why (callgrind): comparing each candidate segment's text with `==`,
    // a `bcmp` call each, cost TopMail known 3091 instructions a decode
    // against 2958 by heads (at `5d2d4ad`), Stripe's documented decline
    // 10142 against 9485. Longer keys are compared out of line, so that the
    // loop for the others calls nothing and saves fewer registers (TopMail
    // known 2286 -> 2259).
    #[inline(always)]
    fn step_key(&self, mask: Mask, depth: usize, key: &str) -> Mask {
        let packed = Packed::new(key.as_bytes());
        if key.len() > Packed::EXACT {
            return self.step_long_key(mask, depth, key, packed);
        }
        self.step(mask, depth, |segment| segment.packed == packed)
    }

    /// [`step_key`](Targets::step_key) of a key longer than
    /// [`Packed::EXACT`].
    #[inline(never)]
    fn step_long_key(&self, mask: Mask, depth: usize, key: &str, packed: Packed) -> Mask {
        self.step(mask, depth, |segment| segment.is_key(key, packed))
    }

    /// The distinct segments at `depth`, when the tables cover it.
    #[inline(always)]
    fn segments_at(&self, depth: usize) -> Option<&[Segment]> {
        let &(start, end) = self.spans.get(depth)?;
        self.segments.get(usize::from(start)..usize::from(end))
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
        slots(mask)
            .filter(|&slot| keep(self.paths[slot].len()))
            .fold(0, |acc, slot| acc | bit(slot))
    }
}

/// Whether two pointers are the same, in a `const fn`.
const fn paths_eq(a: &[&str], b: &[&str]) -> bool {
    a.len() == b.len() && starts_with(a, b)
}

/// Whether `path` starts with every segment of `prefix`.
const fn starts_with(path: &[&str], prefix: &[&str]) -> bool {
    if path.len() < prefix.len() {
        return false;
    }
    let mut i = 0;
    while i < prefix.len() {
        if !str_eq(path[i], prefix[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// The array index a pointer segment names (RFC 6901: decimal, no leading
/// zeros), in a `const fn`.
const fn canonical_index(segment: &str) -> Option<u32> {
    let bytes = segment.as_bytes();
    if bytes.is_empty() || (bytes[0] == b'0' && bytes.len() > 1) || bytes.len() > 9 {
        return None;
    }
    let mut n: u32 = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            return None;
        }
        n = n * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    Some(n)
}

/// The slots in `mask`, lowest first.
fn slots(mask: Mask) -> impl Iterator<Item = usize> {
    let mut rest = mask;
    std::iter::from_fn(move || {
        if rest == 0 {
            return None;
        }
        let slot = rest.trailing_zeros() as usize;
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
    /// The dynamic slots' values, by slot minus [`FIXED`].
    values: Captures<'de>,
}

impl Scope<'_> {
    /// Pushes the field error this context holds, if any: an item without
    /// a field name is not a field error (typically a general error in an
    /// errors array).
    // The test in line and the push out of line: most decodes have none.
    #[inline(always)]
    fn push_field_error(&mut self, targets: &Targets, out: &mut Vec<FieldError>) {
        if self.field.is_some() {
            self.push_field_error_now(targets, out);
        }
    }

    #[inline(never)]
    fn push_field_error_now(&mut self, targets: &Targets, out: &mut Vec<FieldError>) {
        if let Some(field) = self.field.take() {
            let message = if targets.field_message_is_message {
                self.message.clone()
            } else {
                self.field_message.take()
            };
            out.push(FieldError {
                field: compact(field),
                message: message.map(Text::from),
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

    /// A walk of a new context (an item of an array).
    fn context<'s>(&'s mut self, mask: Mask, scope: &'s mut Scope<'de>) -> Walk<'s, 'de> {
        Walk {
            targets: self.targets,
            depth: 0,
            mask,
            scope,
            field_errors: self.field_errors,
        }
    }

    /// Captures one item (`index` 0 is the primary error) of the arrays
    /// `arrays` (usually one; several when their pointers are the same).
    fn take_item<A: ItemSource<'de>>(
        &mut self,
        arrays: Mask,
        index: usize,
        source: A,
    ) -> Result<bool, A::Error> {
        let mut item = Scope::default();
        let mask = self.targets.item_mask(arrays, index);
        if !source.walk(self.context(mask, &mut item))? {
            return Ok(false);
        }
        let targets = self.targets;
        // Code and message of an error item count from the first item only;
        // anything else in an item is there for that item's index only.
        let secondary = arrays & bit(ERRORS) != 0 && index != 0;
        let up = |slot: usize| !(secondary && targets.primary_only & bit(slot) != 0);
        // Before the message moves up: it may be the field error's too.
        if arrays & (bit(ERRORS) | bit(FIELD_ITEMS)) != 0 {
            item.push_field_error(targets, self.field_errors);
        }
        if item.code.is_some() && up(CODE) {
            self.scope.code = item.code.take();
        }
        if item.message.is_some() && up(MESSAGE) {
            self.scope.message = item.message.take();
        }
        if item.request_id.is_some() {
            self.scope.request_id = item.request_id.take();
        }
        if !item.values.is_empty() {
            self.take_values(arrays, &mut item, &up);
        }
        Ok(true)
    }

    /// Moves an item's dynamic values up: a select's value when the item
    /// is the one its key picks, the rest as they are.
    fn take_values(&mut self, arrays: Mask, item: &mut Scope<'de>, up: &impl Fn(usize) -> bool) {
        let targets = self.targets;
        for array in slots(arrays) {
            if let Kind::SelectArray { key, value } = targets.kinds[array] {
                let (key, value) = (key as usize - FIXED, value as usize - FIXED);
                let picked = item
                    .values
                    .take(key)
                    .is_some_and(|found| found.as_str() == Some(targets.equals[array]));
                if picked && self.scope.values.get(value).is_none() {
                    if let Some(found) = item.values.take(value) {
                        self.scope.values.set(value, found);
                    }
                } else {
                    item.values.take(value);
                }
            }
        }
        for i in 0..item.values.bound() {
            let slot = i + FIXED;
            let keep = !matches!(targets.kinds[slot], Kind::SelectKey) && up(slot);
            if let Some(found) = item.values.take(i)
                && keep
            {
                self.scope.values.set(i, found);
            }
        }
    }

    #[inline]
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

    // `inline(always)`: a text that two slots take (a message that a rule
    // also captures) was two calls (callgrind: about 23 instructions more).
    #[inline(always)]
    fn put_text(&mut self, slot: usize, text: Cow<'de, str>) {
        match slot {
            CODE => self.scope.code = Some(code_from_str(text, self.targets.code_type)),
            MESSAGE => self.scope.message = Some(text),
            REQUEST_ID => self.scope.request_id = Some(text),
            FIELD_NAME => self.scope.field = Some(text),
            FIELD_MESSAGE => self.scope.field_message = Some(text),
            ERRORS | FIELD_ITEMS => {}
            _ => {
                if !matches!(
                    self.targets.kinds[slot],
                    Kind::SelectArray { .. } | Kind::FieldMap
                ) {
                    self.scope.values.set(slot - FIXED, Captured::Str(text));
                }
            }
        }
    }

    fn take_int(self, n: i128) {
        let code_type = self.targets.code_type;
        for slot in slots(self.targets.exact(self.mask, self.depth)) {
            match slot {
                CODE => self.scope.code = Some(code_from_int(n, code_type)),
                REQUEST_ID => self.scope.request_id = Some(Cow::Owned(n.to_string())),
                FIELD_NAME => self.scope.field = Some(Cow::Owned(n.to_string())),
                // A message must be a string.
                MESSAGE | FIELD_MESSAGE | ERRORS | FIELD_ITEMS => {}
                _ => match self.targets.kinds[slot] {
                    Kind::CodeFallback | Kind::RideCode => match code_from_int(n, code_type) {
                        RawCode::Int(n) => self.scope.values.set(slot - FIXED, Captured::Int(n)),
                        RawCode::Str(s) => self.scope.values.set(slot - FIXED, Captured::Str(s)),
                    },
                    Kind::RideRequestId => self
                        .scope
                        .values
                        .set(slot - FIXED, Captured::Str(Cow::Owned(n.to_string()))),
                    Kind::SelectArray { .. } | Kind::Fixed | Kind::FieldMap | Kind::RideMessage => {
                    }
                    _ => self.scope.values.set(slot - FIXED, Captured::from_int(n)),
                },
            }
        }
    }

    /// A float, boolean or null: only captures take it.
    fn take_other(self, value: Captured<'static>) {
        let exact = self.targets.exact(self.mask, self.depth) & self.targets.any_value;
        // Usually one capture takes it: then it is moved, not cloned.
        if exact & exact.wrapping_sub(1) == 0 {
            if exact != 0 {
                let slot = exact.trailing_zeros() as usize;
                self.scope.values.set(slot - FIXED, value);
            }
            return;
        }
        for slot in slots(exact) {
            self.scope.values.set(slot - FIXED, value.clone());
        }
    }

    /// Records that an object or array is at the captures pointing here.
    fn mark(&mut self, exact: Mask, value: Captured<'static>) {
        for slot in slots(exact & self.targets.any_value) {
            self.scope.values.set(slot - FIXED, value.clone());
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
        match i128::try_from(v) {
            Ok(v) => self.take_int(v),
            Err(_) => self.take_other(Captured::Float(v as f64)),
        }
        Ok(())
    }

    // Floats, booleans and null are never a code, message or id; only
    // captures take them.
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.take_other(Captured::Float(v));
        Ok(())
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.take_other(Captured::Bool(v));
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.take_other(Captured::Null);
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        self.take_other(Captured::Null);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let exact = self.targets.exact(self.mask, self.depth);
        if exact != 0 {
            self.mark(exact, Captured::Object);
            if exact & self.targets.field_map != 0
                && let Some(layout) = &self.targets.field_map_layout
            {
                // In line up to 24 bytes, as field names usually are: no
                // allocation, and each field error's name is a copy of it.
                let mut path = CompactString::default();
                return FieldMapWalk {
                    layout,
                    path: &mut path,
                    out: self.field_errors,
                    in_leaf: false,
                }
                .visit_map(map);
            }
            // Lenient: an object where an array of items was expected is one item.
            let arrays = exact & self.targets.collections;
            if arrays != 0 {
                return self.take_item(arrays, 0, WholeMap(map)).map(drop);
            }
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
        let exact = self.targets.exact(self.mask, self.depth);
        let arrays = exact & self.targets.collections;
        let mut index = 0usize;
        if arrays != 0 {
            while self.take_item(arrays, index, NextElement(&mut seq))? {
                index += 1;
            }
        } else {
            let deeper = self.targets.deeper(self.mask, self.depth);
            loop {
                // (No target below: no segment is asked for each element.)
                let next = match deeper {
                    0 => 0,
                    _ => self
                        .targets
                        .step(deeper, self.depth, |seg| is_index(seg.text, index)),
                };
                let more = if next == 0 {
                    seq.next_element::<IgnoredAny>()?.is_some()
                } else {
                    seq.next_element_seed(self.child(next))?.is_some()
                };
                if !more {
                    break;
                }
                index += 1;
            }
        }
        if exact & self.targets.any_value != 0 {
            self.mark(exact, Captured::Array(index));
        }
        Ok(())
    }
}

/// Walks an object of field errors keyed by field ([`FieldMapLayout`]),
/// building each field's path in one buffer.
struct FieldMapWalk<'w> {
    layout: &'w FieldMapLayout,
    path: &'w mut CompactString,
    out: &'w mut Vec<FieldError>,
    /// Inside the `leaf` key (or anywhere, without a `leaf`): the values
    /// here are messages.
    in_leaf: bool,
}

impl FieldMapWalk<'_> {
    fn messages_here(&self) -> bool {
        self.in_leaf || self.layout.leaf.is_none()
    }

    fn push(&mut self, message: Option<Cow<'_, str>>) {
        self.out.push(FieldError {
            field: self.path.clone(),
            message: message.map(Text::from),
        });
    }

    fn nested(&mut self, in_leaf: bool) -> FieldMapWalk<'_> {
        FieldMapWalk {
            layout: self.layout,
            path: self.path,
            out: self.out,
            in_leaf,
        }
    }
}

impl<'de> DeserializeSeed<'de> for FieldMapWalk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldMapWalk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field errors")
    }

    fn visit_str<E>(mut self, v: &str) -> Result<(), E> {
        self.push(Some(Cow::Borrowed(v)));
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

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        loop {
            let more = if self.messages_here() {
                // A message: a string, or an object with its text at `message`.
                match seq.next_element_seed(MessageSeed(self.layout.message))? {
                    None => false,
                    Some(Some(message)) => {
                        self.push(message);
                        true
                    }
                    Some(None) => true,
                }
            } else {
                // Above the leaves, an array is one more level of the path.
                let len = self.path.len();
                if !self.path.is_empty() {
                    self.path.push('.');
                }
                let _ = write!(self.path, "{index}");
                let more = seq.next_element_seed(self.nested(false))?.is_some();
                self.path.truncate(len);
                more
            };
            if !more {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let len = self.path.len();
        while let Some(is_leaf) = map.next_key_seed(PathKey {
            path: self.path,
            leaf: self.layout.leaf,
        })? {
            let in_leaf = is_leaf || self.in_leaf;
            map.next_value_seed(self.nested(in_leaf))?;
            self.path.truncate(len);
        }
        Ok(())
    }
}

/// Reads a key of a field map: the `leaf` key (`true`), or a key appended
/// to the path (`false`).
struct PathKey<'w> {
    path: &'w mut CompactString,
    leaf: Option<&'static str>,
}

impl<'de> DeserializeSeed<'de> for PathKey<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for PathKey<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, key: &str) -> Result<bool, E> {
        if self.leaf == Some(key) {
            return Ok(true);
        }
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(key);
        Ok(false)
    }
}

/// One message of a field map: `Some(text)` for a string, or for an object
/// the string at the layout's `message` pointer (`Some(None)` when it has
/// none); `None` for anything else.
struct MessageSeed(Option<Pointer>);

impl<'de> DeserializeSeed<'de> for MessageSeed {
    type Value = Option<Option<Cow<'de, str>>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MessageSeed {
    type Value = Option<Option<Cow<'de, str>>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Some(Cow::Borrowed(v))))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Some(Cow::Owned(v.to_owned()))))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let path = self.0.map_or(&[][..], |Pointer(path)| path);
        if path.is_empty() {
            let mut map = map;
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(Some(None));
        }
        let text = PointerText(path).visit_map(map)?;
        Ok(Some(text))
    }
}

/// The string at a relative pointer (the last one when a key repeats).
struct PointerText(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for PointerText {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PointerText {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(self.0.is_empty().then_some(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.is_empty().then(|| Cow::Owned(v.to_owned())))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        let mut index = 0usize;
        loop {
            let more = match self.0.split_first() {
                Some((seg, rest)) if is_index(seg, index) => {
                    match seq.next_element_seed(PointerText(rest))? {
                        None => false,
                        Some(text) => {
                            found = text.or(found);
                            true
                        }
                    }
                }
                _ => seq.next_element::<IgnoredAny>()?.is_some(),
            };
            if !more {
                return Ok(found);
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        let Some((seg, rest)) = self.0.split_first() else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(None);
        };
        while let Some(key) = map.next_key_seed(KeyIs(seg))? {
            if key {
                found = map.next_value_seed(PointerText(rest))?.or(found);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Reads an object key: whether it is this one.
pub(crate) struct KeyIs<'s>(pub(crate) &'s str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}

/// Whether a pointer segment is the array index `index` (RFC 6901: decimal,
/// no leading zeros).
pub(crate) fn is_index(segment: &str, index: usize) -> bool {
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
        Ok(self.targets.step_key(self.mask, self.depth, key))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::{HeaderMap, HeaderValue, StatusCode};

    use super::*;
    use crate::layout::{
        BodyLayout, Capture, CodeNormalize, FieldErrorsLayout, HeaderLayout, RateLimitLayout,
        ResetUnit,
    };
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
            ..BodyLayout::JSON
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
            ..BodyLayout::JSON
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
            ..BodyLayout::JSON
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
            ..BodyLayout::JSON
        },
        headers: HEADERS,
    };

    fn decode<'a>(layout: &ApiLayout, headers: &'a HeaderMap, body: &'a [u8]) -> Parts<'a> {
        let parts = decode_parts(layout, StatusCode::BAD_REQUEST, headers, body);
        // A prepared decoder (header names resolved) finds the same.
        let names = Box::leak(Box::new(HeaderNames::new(layout)));
        let prepared =
            Decoder::resolved(layout, names).decode(StatusCode::BAD_REQUEST, headers, body);
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

    /// Captures of every kind of value, at absolute pointers.
    const CAPTURES: ApiLayout = ApiLayout {
        body: BodyLayout {
            code: Some(CodeSource::Body(Pointer(&["error", "code"]))),
            captures: &[
                Capture::At(Pointer(&["error", "decline_code"])),
                Capture::At(Pointer(&["retry_after"])),
                Capture::At(Pointer(&["ok"])),
                Capture::At(Pointer(&["global"])),
                Capture::At(Pointer(&["errors"])),
                Capture::At(Pointer(&["error"])),
                Capture::Select {
                    array: Pointer(&["error", "details"]),
                    key: Pointer(&["@type"]),
                    equals: "type.googleapis.com/google.rpc.RetryInfo",
                    value: Pointer(&["retryDelay"]),
                },
                Capture::At(Pointer(&["n"])),
            ],
            ..BodyLayout::JSON
        },
        headers: HEADERS,
    };

    fn captured<'p>(parts: &'p Parts<'_>, i: usize) -> Option<&'p Captured<'p>> {
        parts.captures.get(i)
    }

    #[test]
    fn captures_are_equal_whatever_their_emptied_slots() {
        let mut spilled = Captures::default();
        spilled.set(INLINE_CAPTURES + 4, Captured::Int(1));
        spilled.set(0, Captured::Bool(true));
        assert_ne!(spilled, Captures::default());
        spilled.take(INLINE_CAPTURES + 4);
        let mut plain = Captures::default();
        plain.set(0, Captured::Bool(true));
        assert_eq!(spilled, plain);
        assert_eq!(plain, spilled);
        plain.take(0);
        assert_ne!(spilled, plain);
    }

    #[test]
    fn captures_scalars_objects_and_arrays() {
        let h = HeaderMap::new();
        let body = br#"{"retry_after":1.5,"ok":false,"global":null,"errors":[1,2,3],
            "error":{"code":"card_declined","decline_code":"insufficient_funds"},"n":-7}"#;
        let parts = decode(&CAPTURES, &h, body);
        assert_eq!(parts.code, str_code("card_declined"));
        assert_eq!(
            captured(&parts, 0).and_then(Captured::as_str),
            Some("insufficient_funds")
        );
        assert_eq!(captured(&parts, 1).and_then(Captured::as_f64), Some(1.5));
        assert_eq!(captured(&parts, 2).and_then(Captured::as_bool), Some(false));
        assert_eq!(captured(&parts, 3), Some(&Captured::Null));
        assert_eq!(captured(&parts, 4), Some(&Captured::Array(3)));
        assert_eq!(captured(&parts, 5), Some(&Captured::Object));
        assert_eq!(captured(&parts, 6), None);
        // The eighth capture lives past the in-line ones.
        assert_eq!(captured(&parts, 7).and_then(Captured::as_i64), Some(-7));
        assert_eq!(captured(&parts, 8), None);
        // A strange body captures nothing and never panics.
        let parts = decode(
            &CAPTURES,
            &h,
            br#"{"error":[{"details":{"@type":1}}],"errors":{}}"#,
        );
        assert_eq!(captured(&parts, 4), Some(&Captured::Object));
        assert_eq!(captured(&parts, 0), None);
        assert!(decode(&CAPTURES, &h, b"[1,").captures.is_empty());
    }

    #[test]
    fn select_picks_the_item_by_its_key() {
        // Google's error.details[]: the RetryInfo item gives retryDelay.
        let h = HeaderMap::new();
        let body = br#"{"error":{"code":429,"details":[
            {"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","retryDelay":"99s"},
            {"retryDelay":"1s"},
            {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"30s"},
            {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"40s"}]}}"#;
        let parts = decode(&CAPTURES, &h, body);
        assert_eq!(captured(&parts, 6).and_then(Captured::as_str), Some("30s"));
        // The key may come after the value.
        let body = br#"{"error":{"details":[{"retryDelay":"7s","@type":"type.googleapis.com/google.rpc.RetryInfo"}]}}"#;
        let parts = decode(&CAPTURES, &h, body);
        assert_eq!(captured(&parts, 6).and_then(Captured::as_str), Some("7s"));
        // No matching item: nothing.
        let body = br#"{"error":{"details":[{"@type":"x","retryDelay":"7s"}]}}"#;
        assert_eq!(captured(&decode(&CAPTURES, &h, body), 6), None);
    }

    #[test]
    fn pointers_through_the_errors_array_are_followed() {
        // The request id inside the first error item, a capture in the
        // second, beside an errors array whose items give code and message.
        const LAYOUT: ApiLayout = ApiLayout {
            body: BodyLayout {
                errors: Some(Pointer(&["errors"])),
                code: Some(CodeSource::Body(Pointer(&["extensions", "code"]))),
                message: Some(Pointer(&["message"])),
                request_id: Some(Pointer(&["errors", "0", "id"])),
                captures: &[
                    Capture::At(Pointer(&["errors", "1", "extensions", "cost"])),
                    Capture::At(Pointer(&["errors"])),
                ],
                ..BodyLayout::JSON
            },
            headers: HEADERS,
        };
        let h = HeaderMap::new();
        let body =
            br#"{"errors":[{"id":"req_1","message":"Throttled","extensions":{"code":"THROTTLED"}},
            {"id":"req_2","message":"second","extensions":{"code":"OTHER","cost":12}}]}"#;
        let parts = decode(&LAYOUT, &h, body);
        assert_eq!(parts.code, str_code("THROTTLED"));
        assert_eq!(parts.message.as_deref(), Some("Throttled"));
        assert_eq!(parts.request_id.as_deref(), Some("req_1"));
        assert_eq!(captured(&parts, 0).and_then(Captured::as_i64), Some(12));
        assert_eq!(captured(&parts, 1), Some(&Captured::Array(2)));
    }

    #[test]
    fn pointers_through_field_error_items_are_followed() {
        // A code at /details/0/issue beside field_errors: {items: /details}.
        const LAYOUT: ApiLayout = ApiLayout {
            body: BodyLayout {
                code: Some(CodeSource::Body(Pointer(&["details", "0", "issue"]))),
                message: Some(Pointer(&["message"])),
                field_errors: Some(FieldErrorsLayout {
                    items: Some(Pointer(&["details"])),
                    field: Pointer(&["field"]),
                    message: Some(Pointer(&["description"])),
                }),
                ..BodyLayout::JSON
            },
            headers: HEADERS,
        };
        let h = HeaderMap::new();
        let body = br#"{"message":"Invalid","details":[{"field":"amount","issue":"CURRENCY_NOT_SUPPORTED","description":"No"},
            {"field":"payee","issue":"OTHER"}]}"#;
        let parts = decode(&LAYOUT, &h, body);
        assert_eq!(parts.code, str_code("CURRENCY_NOT_SUPPORTED"));
        assert_eq!(parts.field_errors.len(), 2);
        assert_eq!(parts.field_errors[0].message.as_deref(), Some("No"));
    }

    #[test]
    fn code_fallback_chain_and_normalisation() {
        // AWS: the x-amzn-ErrorType header, else `code`, else `__type`.
        const AWS: ApiLayout = ApiLayout {
            body: BodyLayout {
                code: Some(CodeSource::Header("x-amzn-errortype")),
                code_fallbacks: &[
                    CodeSource::Body(Pointer(&["code"])),
                    CodeSource::Body(Pointer(&["__type"])),
                ],
                code_normalize: CodeNormalize {
                    drop_after: Some(":"),
                    drop_through: Some("#"),
                },
                message: Some(Pointer(&["message"])),
                ..BodyLayout::JSON
            },
            headers: HEADERS,
        };
        let header = headers(&[(
            "x-amzn-errortype",
            "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/",
        )]);
        let none = HeaderMap::new();
        let body = br#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}"#;
        assert_eq!(
            decode(&AWS, &header, body).code,
            str_code("ValidationException")
        );
        assert_eq!(
            decode(&AWS, &none, body).code,
            str_code("ThrottlingException")
        );
        let body = br#"{"code":"AccessDenied","__type":"x#Other"}"#;
        assert_eq!(decode(&AWS, &none, body).code, str_code("AccessDenied"));
        // Escaped text is normalised too; what normalises to nothing is no code.
        let body = br##"{"code":"#","__type":"ns#Thr\u006fttling"}"##;
        assert_eq!(decode(&AWS, &none, body).code, str_code("Throttling"));
        assert_eq!(decode(&AWS, &none, br#"{"code":":x"}"#).code, None);
        assert_eq!(decode(&AWS, &none, b"{}").code, None);

        // OpenAI: `code`, else `type` when `code` is null; both per item.
        const OPENAI: ApiLayout = ApiLayout {
            body: BodyLayout {
                code: Some(CodeSource::Body(Pointer(&["error", "code"]))),
                code_fallbacks: &[CodeSource::Body(Pointer(&["error", "type"]))],
                ..BodyLayout::JSON
            },
            headers: HEADERS,
        };
        let body = br#"{"error":{"message":"m","type":"server_error","param":null,"code":null}}"#;
        assert_eq!(decode(&OPENAI, &none, body).code, str_code("server_error"));
        let body = br#"{"error":{"type":"invalid_request_error","code":"model_not_found"}}"#;
        assert_eq!(
            decode(&OPENAI, &none, body).code,
            str_code("model_not_found")
        );

        // Integer fallbacks, per error item: the first item only.
        const ITEM_CODES: ApiLayout = ApiLayout {
            body: BodyLayout {
                errors: Some(Pointer(&["errors"])),
                code: Some(CodeSource::Body(Pointer(&["code"]))),
                code_type: CodeType::Integer,
                code_fallbacks: &[CodeSource::Body(Pointer(&["legacy_code"]))],
                ..BodyLayout::JSON
            },
            headers: HEADERS,
        };
        let body = br#"{"errors":[{"legacy_code":"-12"},{"code":7,"legacy_code":5}]}"#;
        assert_eq!(
            decode(&ITEM_CODES, &none, body).code,
            Some(RawCode::Int(-12))
        );
    }

    #[test]
    fn field_maps_shopify_and_discord() {
        use crate::layout::FieldMapLayout;
        let field = |f: &str, m: Option<&str>| FieldError {
            field: f.into(),
            message: m.map(Into::into),
        };
        // Shopify: {"errors": {"email": ["is invalid"]}}; a string value too.
        const SHOPIFY: ApiLayout = ApiLayout {
            body: BodyLayout {
                field_map: Some(FieldMapLayout {
                    map: Pointer(&["errors"]),
                    leaf: None,
                    message: None,
                }),
                ..BodyLayout::JSON
            },
            headers: HEADERS,
        };
        let h = HeaderMap::new();
        let body = br#"{"errors":{"email":["is invalid","is taken"],"phone":"is too short",
            "address":{"zip":["is blank"]},"count":3,"x":null}}"#;
        assert_eq!(
            decode(&SHOPIFY, &h, body).field_errors,
            vec![
                field("email", Some("is invalid")),
                field("email", Some("is taken")),
                field("phone", Some("is too short")),
                field("address.zip", Some("is blank")),
            ]
        );
        // `errors` that is a string (Shopify's "Not Found") is no field map.
        assert!(
            decode(&SHOPIFY, &h, br#"{"errors":"Not Found"}"#)
                .field_errors
                .is_empty()
        );

        // Discord: nested objects whose `_errors` hold {code, message}.
        const DISCORD: ApiLayout = ApiLayout {
            body: BodyLayout {
                code: Some(CodeSource::Body(Pointer(&["code"]))),
                code_type: CodeType::Integer,
                message: Some(Pointer(&["message"])),
                field_map: Some(FieldMapLayout {
                    map: Pointer(&["errors"]),
                    leaf: Some("_errors"),
                    message: Some(Pointer(&["message"])),
                }),
                ..BodyLayout::JSON
            },
            headers: HEADERS,
        };
        let body = br#"{"code": 50035, "errors": {"activities": {"0": {"platform": {"_errors": [{"code": "BASE_TYPE_CHOICES", "message": "Value must be one of ('desktop', 'android', 'ios')."}]}, "type": {"_errors": [{"code": "BASE_TYPE_CHOICES", "message": "Value must be one of (0, 1, 2, 3, 4, 5)."}]}}}, "access_token": {"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}}, "message": "Invalid Form Body"}"#;
        let parts = decode(&DISCORD, &h, body);
        assert_eq!(parts.code, Some(RawCode::Int(50035)));
        assert_eq!(parts.message.as_deref(), Some("Invalid Form Body"));
        assert_eq!(
            parts.field_errors,
            vec![
                field(
                    "activities.0.platform",
                    Some("Value must be one of ('desktop', 'android', 'ios').")
                ),
                field(
                    "activities.0.type",
                    Some("Value must be one of (0, 1, 2, 3, 4, 5).")
                ),
                field("access_token", Some("This field is required")),
            ]
        );
        // `_errors` at the top: the whole form; arrays above the leaves index the path.
        let body = br#"{"errors":{"_errors":[{"message":"bad"}],"embeds":[{"title":{"_errors":[{"message":"\u0074oo long"},{"code":"X"},7]}}]}}"#;
        assert_eq!(
            decode(&DISCORD, &h, body).field_errors,
            vec![
                field("", Some("bad")),
                field("embeds.0.title", Some("too long")),
                field("embeds.0.title", None),
            ]
        );
        // Malformed: nothing, no panic.
        assert!(
            decode(
                &DISCORD,
                &h,
                br#"{"errors":{"a":{"_errors":[{"message":"x"}"#
            )
            .field_errors
            .is_empty()
        );
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
                ..BodyLayout::JSON
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
    fn field_message_shared_with_the_message() {
        // TopMail: the field error's message is the error's message.
        const SHARED: ApiLayout = ApiLayout {
            body: BodyLayout {
                format: BodyFormat::Json,
                errors: None,
                code: Some(CodeSource::Body(Pointer(&["error", "code"]))),
                code_type: CodeType::String,
                message: Some(Pointer(&["error", "message"])),
                request_id: None,
                field_errors: Some(FieldErrorsLayout {
                    items: None,
                    field: Pointer(&["error", "path"]),
                    message: Some(Pointer(&["error", "message"])),
                }),
                ..BodyLayout::JSON
            },
            headers: HEADERS,
        };
        assert!(Targets::new(&SHARED).field_message_is_message);
        let h = HeaderMap::new();
        let body = br#"{"error":{"message":"bad \"to\"","path":"to","code":"v"}}"#;
        let parts = decode(&SHARED, &h, body);
        assert_eq!(parts.message.as_deref(), Some(r#"bad "to""#));
        assert_eq!(
            parts.field_errors,
            vec![FieldError {
                field: "to".into(),
                message: Some(r#"bad "to""#.into())
            }]
        );
        // Not a string: neither the message nor the field error's.
        let parts = decode(&SHARED, &h, br#"{"error":{"message":7,"path":"to"}}"#);
        assert_eq!(parts.message, None);
        assert_eq!(parts.field_errors[0].message, None);
        let parts = decode(&SHARED, &h, br#"{"error":{"message":"m"}}"#);
        assert_eq!(parts.field_errors, []);

        // The same pointer in another context (each field item's) is not
        // the message.
        const ELSEWHERE: ApiLayout = ApiLayout {
            body: BodyLayout {
                format: BodyFormat::Json,
                errors: Some(Pointer(&["errors"])),
                code: None,
                code_type: CodeType::String,
                message: Some(Pointer(&["message"])),
                request_id: None,
                field_errors: Some(FieldErrorsLayout {
                    items: Some(Pointer(&["fields"])),
                    field: Pointer(&["name"]),
                    message: Some(Pointer(&["message"])),
                }),
                ..BodyLayout::JSON
            },
            headers: HEADERS,
        };
        assert!(!Targets::new(&ELSEWHERE).field_message_is_message);
        let body = br#"{"errors":[{"message":"top","fields":[{"name":"x","message":"own"},{"name":"y"}]}]}"#;
        let parts = decode(&ELSEWHERE, &h, body);
        assert_eq!(parts.message.as_deref(), Some("top"));
        assert_eq!(
            parts.field_errors,
            vec![
                FieldError {
                    field: "x".into(),
                    message: Some("own".into())
                },
                FieldError {
                    field: "y".into(),
                    message: None
                },
            ]
        );
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
                ..BodyLayout::JSON
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
    fn heads_tell_keys_apart() {
        let texts = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "abc",
            "acb",
            "code",
            "edoc",
            "error",
            "errors",
            "message",
            "messages",
            "abcdefgh",
            "abcdefgi",
            "abcdefghi",
            "abcdefghj",
            "bbcdefghi",
            "abcdefghijklmnop",
            "abcdefghXjklmnop",
            "abcdefgXijklmnop",
            "abcdefghijklmnopq",
            "abcdefghXjklmnopq",
            "abcdefghijklmnopX",
        ];
        for a in texts {
            for b in texts {
                let segment = Segment::new(a, 1);
                let packed = Packed::new(b.as_bytes());
                assert_eq!(segment.is_key(b, packed), a == b, "{a:?} {b:?}");
                if b.len() <= Packed::EXACT {
                    assert_eq!(segment.packed == packed, a == b, "{a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn more_segments_than_the_tables_hold() {
        // 13 captures three deep, all distinct: the third depth does not
        // fit, and its keys are compared slot by slot.
        const MANY: ApiLayout = ApiLayout {
            body: BodyLayout {
                code: Some(CodeSource::Body(Pointer(&["error", "code"]))),
                captures: &[
                    Capture::At(Pointer(&["a0", "b0", "c0"])),
                    Capture::At(Pointer(&["a1", "b1", "c1"])),
                    Capture::At(Pointer(&["a2", "b2", "c2"])),
                    Capture::At(Pointer(&["a3", "b3", "c3"])),
                    Capture::At(Pointer(&["a4", "b4", "c4"])),
                    Capture::At(Pointer(&["a5", "b5", "c5"])),
                    Capture::At(Pointer(&["a6", "b6", "c6"])),
                    Capture::At(Pointer(&["a7", "b7", "c7"])),
                    Capture::At(Pointer(&["a8", "b8", "c8"])),
                    Capture::At(Pointer(&["a9", "b9", "c9"])),
                    Capture::At(Pointer(&["a10", "b10", "c10"])),
                    Capture::At(Pointer(&["a11", "b11", "c11"])),
                    Capture::At(Pointer(&["a12", "b12", "c12"])),
                ],
                ..BodyLayout::JSON
            },
            headers: HEADERS,
        };
        let targets = Targets::new(&MANY);
        assert!(targets.segments_at(1).is_some());
        assert!(targets.segments_at(2).is_none());
        let h = HeaderMap::new();
        let body = br#"{"error":{"code":"c"},"a0":{"b0":{"c0":0}},"a1":{"b1":{"c1":1}},"a2":{"b2":{"c2":2}},"a3":{"b3":{"c3":3}},"a4":{"b4":{"c4":4}},"a5":{"b5":{"c5":5}},"a6":{"b6":{"c6":6}},"a7":{"b7":{"c7":7}},"a8":{"b8":{"c8":8}},"a9":{"b9":{"c9":9}},"a10":{"b10":{"c10":10}},"a11":{"b11":{"c11":11}},"a12":{"b12":{"c12":12}}}"#;
        let parts = decode(&MANY, &h, body);
        assert_eq!(parts.code, str_code("c"));
        for i in 0..13 {
            assert_eq!(
                captured(&parts, i).and_then(Captured::as_i64),
                Some(i as i64)
            );
        }
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
                ..BodyLayout::JSON
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
                ..BodyLayout::JSON
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
        assert_eq!(decoder.read_delay_hints(&h), parts.hints);
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
                ..BodyLayout::JSON
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
                ..BodyLayout::JSON
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
    fn decimals_are_what_to_string_gives() {
        for n in [0, 7, -1, 10, 406, -300, 1 << 40, i64::MAX, i64::MIN] {
            assert_eq!(Decimal::new(n).as_str(), n.to_string());
        }
        assert_eq!(Decimal::default().as_str(), "0");
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
