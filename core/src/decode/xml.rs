//! XML bodies ([`BodyFormat::Xml`](crate::layout::BodyFormat::Xml)), walked
//! by the same visitor as JSON.
//!
//! A small [`serde::Deserializer`] over `quick-xml`'s pull parser presents
//! the document as JSON-shaped data: the document is an object with one key,
//! the root element's name; an element with child elements is an object keyed
//! by their names; any other element is the string of its text. The JSON
//! walk ([`Walk`]) then descends along the layout's pointers exactly as it
//! does in JSON, and everything it does not point at is skipped without
//! recursion.
//!
//! Untrusted input: no DTD is read and no entity but the five predefined ones
//! and character references is expanded (another `&name;` stays as written);
//! nesting deeper than [`MAX_DEPTH`] along a pointer, mismatched tags, text
//! outside the root element and a second root make the document malformed
//! (a status-level error, as malformed JSON is).

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};

use super::{Scope, Targets, Walk};
use crate::FieldError;
// The JSON reader's error: a document that is not well-formed, without a position.
use crate::json::Error as Malformed;

/// How deep the walk may descend into elements (the depth `serde_json`
/// allows JSON). Skipped elements are not counted: skipping does not recurse.
const MAX_DEPTH: usize = 128;

/// Walks an XML document into `scope` and `field_errors`; `false` when it
/// is not one well-formed document (see `decode_json`).
pub(super) fn decode_xml<'a>(
    targets: &Targets,
    text: &'a str,
    scope: &mut Scope<'a>,
    field_errors: &mut Vec<FieldError>,
) -> bool {
    let mut xml = Xml {
        reader: Reader::from_str(text),
        depth: 0,
    };
    Walk {
        targets,
        depth: 0,
        mask: targets.root,
        scope,
        field_errors,
    }
    .deserialize(Document(&mut xml))
    .and_then(|()| xml.finish())
    .is_ok()
}

/// The parser, and how deep the walk is.
struct Xml<'a> {
    reader: Reader<&'a [u8]>,
    depth: usize,
}

impl<'a> Xml<'a> {
    fn next(&mut self) -> Result<Event<'a>, Malformed> {
        self.reader.read_event().map_err(|_| Malformed)
    }

    /// Skips the rest of an element whose start tag was read: a loop, not
    /// a recursion, however deep the element.
    fn skip(&mut self) -> Result<(), Malformed> {
        let mut open = 1usize;
        loop {
            match self.next()? {
                Event::Start(_) => open += 1,
                Event::End(_) => {
                    open -= 1;
                    if open == 0 {
                        return Ok(());
                    }
                }
                Event::Eof | Event::Decl(_) | Event::DocType(_) => return Err(Malformed),
                _ => {}
            }
        }
    }

    /// After the root element: only blank text, comments and processing
    /// instructions may follow.
    fn finish(&mut self) -> Result<(), Malformed> {
        loop {
            match self.next()? {
                Event::Eof => return Ok(()),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if is_blank(&t) => {}
                _ => return Err(Malformed),
            }
        }
    }
}

fn is_blank(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_whitespace())
}

/// The text of a general reference: a character reference or one of the
/// five predefined entities; any other entity stays as written.
fn reference(r: &BytesRef<'_>) -> Result<Cow<'static, str>, Malformed> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(Cow::Owned(c.to_string())),
            _ => Err(Malformed),
        };
    }
    Ok(Cow::Borrowed(match &**r {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        other => return Ok(Cow::Owned(format!("&{other};"))),
    }))
}

/// Appends a piece of an element's text: the first piece is kept as it
/// came (borrowed from the body when it can be), later ones are copied.
fn append<'a>(text: &mut Option<Cow<'a, str>>, piece: Cow<'a, str>) {
    *text = Some(match text.take() {
        None => piece,
        Some(mut whole) => {
            whole.to_mut().push_str(&piece);
            whole
        }
    });
}

/// The whole document: an object whose one key is the root element.
struct Document<'x, 'a>(&'x mut Xml<'a>);

impl<'de> Deserializer<'de> for Document<'_, 'de> {
    type Error = Malformed;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
        loop {
            match self.0.next()? {
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
                Event::Text(t) if is_blank(&t) => {}
                Event::Start(root) => {
                    return visitor.visit_map(Children::with(self.0, root, false, true));
                }
                Event::Empty(root) => {
                    return visitor.visit_map(Children::with(self.0, root, true, true));
                }
                _ => return Err(Malformed),
            }
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The child elements of an element (or the root of the document), as an
/// object keyed by their names.
struct Children<'x, 'a> {
    xml: &'x mut Xml<'a>,
    /// A child whose start tag was read but not yet handed out as a key.
    pending: Option<BytesStart<'a>>,
    /// Whether that child (or the one whose value is next) is `<empty/>`.
    empty: bool,
    /// The document's one root: no further key, and no end tag to read.
    root: bool,
}

impl<'x, 'a> Children<'x, 'a> {
    fn with(xml: &'x mut Xml<'a>, first: BytesStart<'a>, empty: bool, root: bool) -> Self {
        Children {
            xml,
            pending: Some(first),
            empty,
            root,
        }
    }
}

impl<'de> MapAccess<'de> for Children<'_, 'de> {
    type Error = Malformed;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Malformed> {
        let start = match self.pending.take() {
            Some(start) => start,
            None if self.root => return Ok(None),
            None => loop {
                match self.xml.next()? {
                    Event::Start(start) => {
                        self.empty = false;
                        break start;
                    }
                    Event::Empty(start) => {
                        self.empty = true;
                        break start;
                    }
                    Event::End(_) => return Ok(None),
                    Event::Eof | Event::Decl(_) | Event::DocType(_) => return Err(Malformed),
                    // Text beside child elements (indentation) is not a value.
                    _ => {}
                }
            },
        };
        seed.deserialize(Name(start.name().into_inner())).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Malformed> {
        seed.deserialize(Element {
            xml: &mut *self.xml,
            empty: self.empty,
        })
    }
}

/// An element's name, as an object key.
struct Name<'n>(&'n str);

impl<'de> Deserializer<'de> for Name<'_> {
    type Error = Malformed;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
        visitor.visit_str(self.0)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// An element whose start tag was read: its value is its children, or
/// its text.
struct Element<'x, 'a> {
    xml: &'x mut Xml<'a>,
    empty: bool,
}

impl<'de> Deserializer<'de> for Element<'_, 'de> {
    type Error = Malformed;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
        if self.empty {
            return visitor.visit_borrowed_str("");
        }
        if self.xml.depth >= MAX_DEPTH {
            return Err(Malformed);
        }
        self.xml.depth += 1;
        let value = element_value(self.xml, visitor);
        self.xml.depth -= 1;
        value
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Malformed> {
        if !self.empty {
            self.xml.skip()?;
        }
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier
    }
}

/// Reads an element's content up to its end tag: an object of its
/// children as soon as one starts, else its text.
fn element_value<'de, V: Visitor<'de>>(
    xml: &mut Xml<'de>,
    visitor: V,
) -> Result<V::Value, Malformed> {
    let mut text: Option<Cow<'de, str>> = None;
    loop {
        match xml.next()? {
            Event::Text(t) => append(&mut text, t.xml10_content()),
            Event::CData(c) => append(&mut text, c.into_inner()),
            Event::GeneralRef(r) => append(&mut text, reference(&r)?),
            Event::Comment(_) | Event::PI(_) => {}
            Event::Start(child) => {
                return visitor.visit_map(Children::with(xml, child, false, false));
            }
            Event::Empty(child) => {
                return visitor.visit_map(Children::with(xml, child, true, false));
            }
            Event::End(_) => break,
            Event::Eof | Event::Decl(_) | Event::DocType(_) => return Err(Malformed),
        }
    }
    match text {
        None => visitor.visit_borrowed_str(""),
        Some(Cow::Borrowed(text)) => visitor.visit_borrowed_str(text.trim_ascii()),
        Some(Cow::Owned(text)) => visitor.visit_str(text.trim_ascii()),
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, StatusCode};

    use crate::decode::{Parts, RawCode, decode_parts};
    use crate::layout::{
        ApiLayout, BodyFormat, BodyLayout, Capture, CodeSource, FieldErrorsLayout, HeaderLayout,
        Pointer,
    };

    /// Azure Storage: `<Error><Code>…</Code><Message>…</Message></Error>`.
    const AZURE: ApiLayout = ApiLayout {
        body: BodyLayout {
            format: BodyFormat::Xml,
            code: Some(CodeSource::Body(Pointer(&["Error", "Code"]))),
            message: Some(Pointer(&["Error", "Message"])),
            captures: &[Capture::At(Pointer(&[
                "Error",
                "AuthenticationErrorDetail",
            ]))],
            ..BodyLayout::JSON
        },
        headers: HeaderLayout {
            request_id: Some("x-ms-request-id"),
            ..HeaderLayout::NONE
        },
    };

    fn decode(layout: &ApiLayout, body: &str) -> Parts<'static> {
        let headers = HeaderMap::new();
        let parts = decode_parts(
            layout,
            StatusCode::SERVICE_UNAVAILABLE,
            &headers,
            body.as_bytes(),
        );
        Parts {
            code: parts.code.map(RawCode::into_owned),
            message: parts.message.map(|m| m.into_owned().into()),
            request_id: None,
            field_errors: parts.field_errors,
            hints: parts.hints,
            raw: parts.raw,
            captures: parts.captures.into_owned(),
        }
    }

    fn code(parts: &Parts<'_>) -> Option<String> {
        parts.code.as_ref().map(|c| c.to_string())
    }

    #[test]
    fn reads_elements_along_the_pointers() {
        let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<Error>\n  <Code>ServerBusy</Code>\n  \
                    <Message>The server is busy.\nRequestId:1\nTime:2026-12-02T11:00:00Z</Message>\n  \
                    <AuthenticationErrorDetail>none</AuthenticationErrorDetail>\n</Error>\n";
        let parts = decode(&AZURE, body);
        assert_eq!(code(&parts).as_deref(), Some("ServerBusy"));
        assert_eq!(
            parts.message.as_deref(),
            Some("The server is busy.\nRequestId:1\nTime:2026-12-02T11:00:00Z")
        );
        assert_eq!(parts.captures.get(0).and_then(|c| c.as_str()), Some("none"));
        assert_eq!(parts.raw, None);
    }

    #[test]
    fn text_is_unescaped_and_trimmed_and_cdata_kept() {
        let body = "<Error><Code> A&amp;B&#x21;&#33; </Code><Message><![CDATA[<b>x</b>]]> &lt;y&gt;</Message></Error>";
        let parts = decode(&AZURE, body);
        assert_eq!(code(&parts).as_deref(), Some("A&B!!"));
        assert_eq!(parts.message.as_deref(), Some("<b>x</b> <y>"));
    }

    #[test]
    fn declared_entities_are_never_expanded() {
        let body = "<!DOCTYPE Error [<!ENTITY big \"BOOM\">]><Error><Code>&big;</Code></Error>";
        let parts = decode(&AZURE, body);
        assert_eq!(code(&parts).as_deref(), Some("&big;"));
    }

    #[test]
    fn other_elements_attributes_comments_and_empty_elements() {
        let body = "<Error xmlns=\"urn:x\"><!-- c --><Other><Code>nested</Code></Other>\
                    <Code kind=\"a\">Outer</Code><Message/></Error>";
        let parts = decode(&AZURE, body);
        assert_eq!(code(&parts).as_deref(), Some("Outer"));
        assert_eq!(parts.message.as_deref(), Some(""));
        // The wrong root: nothing found, a snippet kept.
        let parts = decode(&AZURE, "<Response><Code>x</Code></Response>");
        assert_eq!(parts.code, None);
        assert!(parts.raw.is_some());
    }

    #[test]
    fn malformed_documents_are_status_level() {
        for body in [
            "",
            "not xml",
            "<Error><Code>x</Code>",
            "<Error><Code>x</Message></Error>",
            "<Error><Code>x</Code></Error><Error/>",
            "<Error><Code>x</Code></Error>trailing",
            "text<Error><Code>x</Code></Error>",
            "<Error><Code>&#0;</Code></Error>",
            "{\"Error\":{\"Code\":\"x\"}}",
        ] {
            let parts = decode(&AZURE, body);
            assert_eq!(parts.code, None, "{body:?}");
            assert_eq!(parts.message, None, "{body:?}");
        }
    }

    #[test]
    fn deep_documents_neither_recurse_nor_panic() {
        // Skipped: any depth, in a loop.
        let deep = format!(
            "<Error>{}{}<Code>x</Code></Error>",
            "<a>".repeat(100_000),
            "</a>".repeat(100_000)
        );
        assert_eq!(code(&decode(&AZURE, &deep)).as_deref(), Some("x"));
        // Along a pointer: bounded.
        static DEEP: ApiLayout = ApiLayout {
            body: BodyLayout {
                format: BodyFormat::Xml,
                field_errors: Some(FieldErrorsLayout {
                    items: Some(Pointer(&["E"])),
                    field: Pointer(&["E", "E", "E"]),
                    message: None,
                }),
                ..BodyLayout::JSON
            },
            headers: HeaderLayout::NONE,
        };
        let nested = format!("{}{}", "<E>".repeat(50_000), "</E>".repeat(50_000));
        let parts = decode(&DEEP, &nested);
        assert!(parts.field_errors.len() <= 1);
    }

    #[test]
    fn repeated_elements_count_as_repeated_keys() {
        let parts = decode(&AZURE, "<Error><Code>first</Code><Code>last</Code></Error>");
        assert_eq!(code(&parts).as_deref(), Some("last"));
    }
}
