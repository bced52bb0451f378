//! The JSON reader under the decoders' walks: a [`serde::Deserializer`]
//! over a response body that was already checked to be UTF-8.
//!
//! Why not `serde_json::Deserializer::from_str`: the decoders walk bodies of
//! a few hundred bytes through a table-driven visitor, and in that walk
//! `serde_json`'s own work (string scanning, `has_next_key`, `end_map`, its
//! scratch buffer and `Result<Option<u8>>` peeks) was about a third of a
//! decode's instructions (BENCHMARKS.md §1, "The JSON reader"). This reader
//! does only what the walk needs: borrowed strings found with an 8-byte
//! scan, escapes decoded only in strings a visitor asks for, no positions.
//!
//! It accepts exactly what `serde_json` accepts, with the same limits (a
//! differential property test in this module holds it to that, on
//! generated documents and on each with a byte cut or inserted; the
//! `decode` and `decode_layout` fuzz targets run it on arbitrary bodies):
//! - RFC 8259 JSON: one value, whitespace around it, no trailing commas,
//!   no comments, no control characters inside strings;
//! - objects and arrays a visitor descends into nest at most 127 deep;
//!   values it skips ([`serde::de::IgnoredAny`]) may nest deeper;
//! - a string a visitor reads must not hold a lone surrogate escape (one it
//!   skips may);
//! - integers go to `visit_u64` or `visit_i64` when they fit, otherwise
//!   (and `-0`) to `visit_f64`; a number too large for an `f64` is an error
//!   where it is read, and fine where it is skipped.
//!
//! Numbers with a fraction or an exponent are parsed by `str::parse::<f64>`,
//! which rounds correctly; `serde_json` without its `float_roundtrip`
//! feature may be a few units in the last place off. Delays are the only
//! floats a decoder reads.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// A body that is not one well-formed document (JSON here, XML in
/// `decode::xml`, which uses this error too). The decoders only need to
/// know that (they keep a snippet of the body instead), so it carries no
/// position.
#[derive(Debug)]
pub(crate) struct Error;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a well-formed document")
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    #[cold]
    fn custom<T: fmt::Display>(_: T) -> Self {
        Error
    }
}

type Result<T> = std::result::Result<T, Error>;

/// How deep a visitor may descend: `serde_json`'s recursion limit.
const MAX_DEPTH: u8 = 128;

/// Reads one JSON document from `text`.
pub(crate) struct Deserializer<'de> {
    text: &'de str,
    pos: usize,
    remaining_depth: u8,
    /// Strings with escapes, decoded.
    scratch: String,
}

/// A string read: borrowed from the body, or decoded into the scratch.
enum Text<'de> {
    Borrowed(&'de str),
    Scratch,
}

/// A number read.
enum Number {
    U64(u64),
    I64(i64),
    F64(f64),
}

impl<'de> Deserializer<'de> {
    pub(crate) fn from_str(text: &'de str) -> Deserializer<'de> {
        Deserializer {
            text,
            pos: 0,
            remaining_depth: MAX_DEPTH,
            scratch: String::new(),
        }
    }

    /// Only whitespace may follow the document.
    pub(crate) fn end(&mut self) -> Result<()> {
        match self.peek_token() {
            None => Ok(()),
            Some(_) => Err(Error),
        }
    }

    #[inline]
    fn bytes(&self) -> &'de [u8] {
        self.text.as_bytes()
    }

    /// The next byte that is not whitespace, not consumed.
    #[inline]
    fn peek_token(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        while let Some(&b) = bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    /// Consumes `b` if it is the next token.
    #[inline]
    fn eat(&mut self, b: u8) -> Result<()> {
        if self.peek_token() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Error)
        }
    }

    /// Consumes the rest of `true`, `false` or `null`.
    fn ident(&mut self, word: &[u8]) -> Result<()> {
        let end = self.pos + word.len();
        if self.bytes().get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(())
        } else {
            Err(Error)
        }
    }

    /// Reads a string whose opening quote was consumed.
    #[inline]
    fn string(&mut self) -> Result<Text<'de>> {
        let bytes = self.bytes();
        let start = self.pos;
        let end = plain_run(bytes, start);
        match bytes.get(end) {
            Some(b'"') => {
                self.pos = end + 1;
                // Both ends are next to an ASCII quote: char boundaries.
                self.text.get(start..end).map(Text::Borrowed).ok_or(Error)
            }
            Some(b'\\') => self.escaped(start, end),
            _ => Err(Error),
        }
    }

    /// The rest of a string with escapes, from its first backslash at
    /// `end`, decoded into the scratch.
    #[cold]
    fn escaped(&mut self, start: usize, mut end: usize) -> Result<Text<'de>> {
        let text = self.text;
        let bytes = self.bytes();
        self.scratch.clear();
        self.scratch.push_str(text.get(start..end).ok_or(Error)?);
        loop {
            match bytes.get(end) {
                Some(b'"') => {
                    self.pos = end + 1;
                    return Ok(Text::Scratch);
                }
                Some(b'\\') => {
                    self.pos = end + 1;
                    let c = self.escape()?;
                    self.scratch.push(c);
                }
                _ => return Err(Error),
            }
            let run = plain_run(bytes, self.pos);
            self.scratch.push_str(text.get(self.pos..run).ok_or(Error)?);
            end = run;
        }
    }

    /// Decodes one escape after its backslash; a lone surrogate is an error.
    fn escape(&mut self) -> Result<char> {
        let b = *self.bytes().get(self.pos).ok_or(Error)?;
        self.pos += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let n = u32::from(self.hex4()?);
                let n = match n {
                    0xD800..=0xDBFF => {
                        if self.ident(b"\\u").is_err() {
                            return Err(Error);
                        }
                        let low = u32::from(self.hex4()?);
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(Error);
                        }
                        0x1_0000 + ((n - 0xD800) << 10) + (low - 0xDC00)
                    }
                    _ => n,
                };
                // Lone trailing surrogates are the only values left out.
                char::from_u32(n).ok_or(Error)?
            }
            _ => return Err(Error),
        })
    }

    /// Four hex digits of a `\u` escape.
    fn hex4(&mut self) -> Result<u16> {
        let digits = self.bytes().get(self.pos..self.pos + 4).ok_or(Error)?;
        let mut n = 0u16;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(Error),
            };
            n = (n << 4) | u16::from(v);
        }
        self.pos += 4;
        Ok(n)
    }

    /// Skips a string whose opening quote was consumed: escapes are checked
    /// for form only.
    fn skip_string(&mut self) -> Result<()> {
        let bytes = self.bytes();
        loop {
            let end = plain_run(bytes, self.pos);
            match bytes.get(end) {
                Some(b'"') => {
                    self.pos = end + 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.pos = end + 1;
                    match bytes.get(self.pos) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1;
                        }
                        Some(b'u') => {
                            self.pos += 1;
                            self.hex4()?;
                        }
                        _ => return Err(Error),
                    }
                }
                _ => return Err(Error),
            }
        }
    }

    /// Reads a number at the current position.
    fn number(&mut self) -> Result<Number> {
        let start = self.pos;
        let (significand, is_integer) = self.scan_number()?;
        if is_integer && let Some(significand) = significand {
            if self.bytes().get(start) != Some(&b'-') {
                return Ok(Number::U64(significand));
            }
            // `-0` is a float, as in `serde_json`.
            if significand != 0 && significand <= 1 << 63 {
                return Ok(Number::I64((significand as i64).wrapping_neg()));
            }
        }
        let f: f64 = self
            .text
            .get(start..self.pos)
            .and_then(|text| text.parse().ok())
            .ok_or(Error)?;
        if f.is_infinite() {
            return Err(Error);
        }
        Ok(Number::F64(f))
    }

    /// Scans a number's grammar: its integer digits as a `u64` when they
    /// fit, and whether it has neither fraction nor exponent.
    fn scan_number(&mut self) -> Result<(Option<u64>, bool)> {
        let bytes = self.bytes();
        if bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let mut significand = Some(0u64);
        match bytes.get(self.pos) {
            Some(b'0') => {
                self.pos += 1;
                if bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
                    return Err(Error);
                }
            }
            Some(b'1'..=b'9') => {
                // Wrapping, then checked only past 19 digits (any 19 fit in a
                // `u64`): checked at each digit, a number cost about 4
                // instructions a digit more (callgrind, Twilio's legacy body:
                // 30 a decode for its two numbers).
                let start = self.pos;
                let mut n = 0u64;
                while let Some(&d) = bytes.get(self.pos).filter(|d| d.is_ascii_digit()) {
                    n = n.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                    self.pos += 1;
                }
                significand = if self.pos - start <= 19 {
                    Some(n)
                } else {
                    bytes.get(start..self.pos).and_then(|digits| {
                        digits.iter().try_fold(0u64, |s, &d| {
                            s.checked_mul(10)?.checked_add(u64::from(d - b'0'))
                        })
                    })
                };
            }
            _ => return Err(Error),
        }
        let mut is_integer = true;
        if bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            self.digits()?;
            is_integer = false;
        }
        if matches!(bytes.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.digits()?;
            is_integer = false;
        }
        Ok((significand, is_integer))
    }

    /// One or more decimal digits.
    fn digits(&mut self) -> Result<()> {
        let bytes = self.bytes();
        let start = self.pos;
        while bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        if self.pos == start {
            Err(Error)
        } else {
            Ok(())
        }
    }

    /// Skips one value of any depth, without recursion.
    fn skip_value(&mut self) -> Result<()> {
        let mut open = Frames::default();
        loop {
            // One value starts here.
            match self.peek_token().ok_or(Error)? {
                b'"' => {
                    self.pos += 1;
                    self.skip_string()?;
                }
                b'{' => {
                    self.pos += 1;
                    if self.peek_token() == Some(b'}') {
                        self.pos += 1;
                    } else {
                        open.push(true);
                        self.skip_key()?;
                        continue;
                    }
                }
                b'[' => {
                    self.pos += 1;
                    if self.peek_token() == Some(b']') {
                        self.pos += 1;
                    } else {
                        open.push(false);
                        continue;
                    }
                }
                b't' => self.ident(b"true")?,
                b'f' => self.ident(b"false")?,
                b'n' => self.ident(b"null")?,
                b'-' | b'0'..=b'9' => {
                    self.scan_number()?;
                }
                _ => return Err(Error),
            }
            // The value ended: close what it ends, up to the next one.
            loop {
                let Some(object) = open.top() else {
                    return Ok(());
                };
                match self.peek_token() {
                    Some(b',') => {
                        self.pos += 1;
                        if object {
                            self.skip_key()?;
                        }
                        break;
                    }
                    Some(b'}') if object => {
                        self.pos += 1;
                        open.pop();
                    }
                    Some(b']') if !object => {
                        self.pos += 1;
                        open.pop();
                    }
                    _ => return Err(Error),
                }
            }
        }
    }

    /// Skips an object's key and its colon.
    fn skip_key(&mut self) -> Result<()> {
        self.eat(b'"')?;
        self.skip_string()?;
        self.eat(b':')
    }

    /// Visits the object or array whose opening bracket is next, one level
    /// deeper, then reads its closing bracket.
    #[inline]
    fn container<T>(&mut self, close: u8, visit: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.pos += 1;
        self.remaining_depth -= 1;
        if self.remaining_depth == 0 {
            return Err(Error);
        }
        let value = visit(self);
        self.remaining_depth += 1;
        let value = value?;
        self.eat(close)?;
        Ok(value)
    }

    fn visit_text<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.string()? {
            Text::Borrowed(text) => visitor.visit_borrowed_str(text),
            Text::Scratch => visitor.visit_str(&self.scratch),
        }
    }
}

/// The end of the run of bytes from `i` that a string holds as they are:
/// the index of the first `"`, `\` or control character, or the length.
///
/// Eight bytes at a time (the zero-byte trick of Mycroft, as `serde_json`
/// does): a byte is flagged when it is below 0x20 or equal to `"` or `\`.
/// A flag can be false only above a true one, so the lowest is exact.
#[inline]
fn plain_run(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES << 7;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let v = u64::from_le_bytes(chunk);
        let control = v.wrapping_sub(ONES * 0x20) & !v;
        let quote = v ^ (ONES * u64::from(b'"'));
        let quote = quote.wrapping_sub(ONES) & !quote;
        let backslash = v ^ (ONES * u64::from(b'\\'));
        let backslash = backslash.wrapping_sub(ONES) & !backslash;
        let flags = (control | quote | backslash) & HIGH;
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// The containers a skip is inside, innermost last: one bit each (set for
/// an object), 64 in place and the rest spilled.
#[derive(Default)]
struct Frames {
    depth: usize,
    bits: u64,
    spilled: Vec<u64>,
}

impl Frames {
    fn push(&mut self, object: bool) {
        if self.depth > 0 && self.depth.is_multiple_of(64) {
            self.spilled.push(self.bits);
            self.bits = 0;
        }
        self.bits = (self.bits << 1) | u64::from(object);
        self.depth += 1;
    }

    fn top(&self) -> Option<bool> {
        (self.depth > 0).then_some(self.bits & 1 == 1)
    }

    fn pop(&mut self) {
        self.depth -= 1;
        self.bits >>= 1;
        if self.depth > 0 && self.depth.is_multiple_of(64) {
            self.bits = self.spilled.pop().unwrap_or_default();
        }
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek_token().ok_or(Error)? {
            b'"' => {
                self.pos += 1;
                self.visit_text(visitor)
            }
            b'{' => self.container(b'}', |de| visitor.visit_map(Entries { de, first: true })),
            b'[' => self.container(b']', |de| visitor.visit_seq(Elements { de, first: true })),
            b't' => {
                self.ident(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.ident(b"false")?;
                visitor.visit_bool(false)
            }
            b'n' => {
                self.ident(b"null")?;
                visitor.visit_unit()
            }
            b'-' | b'0'..=b'9' => match self.number()? {
                Number::U64(n) => visitor.visit_u64(n),
                Number::I64(n) => visitor.visit_i64(n),
                Number::F64(n) => visitor.visit_f64(n),
            },
            _ => Err(Error),
        }
    }

    #[inline]
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_value()?;
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.peek_token() == Some(b'n') {
            self.ident(b"null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier
    }
}

/// An object's entries, for a visitor.
struct Entries<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl<'de> MapAccess<'de> for Entries<'_, 'de> {
    type Error = Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.de.peek_token() {
            Some(b'}') => return Ok(None),
            Some(b',') if !self.first => {
                self.de.pos += 1;
            }
            Some(_) if self.first => self.first = false,
            _ => return Err(Error),
        }
        self.de.eat(b'"')?;
        seed.deserialize(Key(&mut *self.de)).map(Some)
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        self.de.eat(b':')?;
        seed.deserialize(&mut *self.de)
    }
}

/// An array's elements, for a visitor.
struct Elements<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl<'de> SeqAccess<'de> for Elements<'_, 'de> {
    type Error = Error;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        match self.de.peek_token() {
            Some(b']') => return Ok(None),
            Some(b',') if !self.first => {
                self.de.pos += 1;
                if self.de.peek_token() == Some(b']') {
                    return Err(Error);
                }
            }
            Some(_) if self.first => self.first = false,
            _ => return Err(Error),
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

/// An object's key, its opening quote consumed: always read as a string,
/// whatever the visitor asks for (as `serde_json`'s keys are).
struct Key<'a, 'de>(&'a mut Deserializer<'de>);

impl<'de> de::Deserializer<'de> for Key<'_, 'de> {
    type Error = Error;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.0.visit_text(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Reads a document with this reader and with `serde_json`, as a visitor
/// that records every value sees it: for the differential property test
/// below and the `json_reader` fuzz target. Plumbing, not API.
#[doc(hidden)]
pub mod differential {
    use std::fmt;

    use serde::Deserialize as _;
    use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

    use super::Deserializer;

    /// What a visitor sees, as a value: strings, numbers by the method
    /// they came through, objects and arrays in order.
    #[derive(Debug, PartialEq)]
    #[allow(missing_docs)]
    pub enum Seen {
        Str(String),
        Borrowed(String),
        U64(u64),
        I64(i64),
        F64(f64),
        Bool(bool),
        Null,
        Map(Vec<(String, Seen)>),
        Seq(Vec<Seen>),
    }

    /// A visitor that records what it sees; it skips every other entry
    /// of an object, to exercise skipping inside.
    pub struct Record {
        /// Whether borrowed and copied strings count as different.
        pub borrowing: bool,
    }

    impl<'de> DeserializeSeed<'de> for Record {
        type Value = Seen;
        fn deserialize<D: de::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<Seen, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Record {
        type Value = Seen;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Seen, E> {
            Ok(if self.borrowing {
                Seen::Borrowed(v.to_owned())
            } else {
                Seen::Str(v.to_owned())
            })
        }
        fn visit_str<E>(self, v: &str) -> std::result::Result<Seen, E> {
            Ok(Seen::Str(v.to_owned()))
        }
        fn visit_u64<E>(self, v: u64) -> std::result::Result<Seen, E> {
            Ok(Seen::U64(v))
        }
        fn visit_i64<E>(self, v: i64) -> std::result::Result<Seen, E> {
            Ok(Seen::I64(v))
        }
        fn visit_f64<E>(self, v: f64) -> std::result::Result<Seen, E> {
            Ok(Seen::F64(v))
        }
        fn visit_bool<E>(self, v: bool) -> std::result::Result<Seen, E> {
            Ok(Seen::Bool(v))
        }
        fn visit_unit<E>(self) -> std::result::Result<Seen, E> {
            Ok(Seen::Null)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Seen, A::Error> {
            let mut entries = Vec::new();
            // Every other entry is skipped, to exercise skipping inside.
            let mut skip = false;
            while let Some(key) = map.next_key::<String>()? {
                let value = if skip {
                    map.next_value::<IgnoredAny>()?;
                    Seen::Null
                } else {
                    map.next_value_seed(Record { ..self })?
                };
                skip = !skip;
                entries.push((key, value));
            }
            Ok(Seen::Map(entries))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Seen, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element_seed(Record { ..self })? {
                items.push(item);
            }
            Ok(Seen::Seq(items))
        }
    }

    fn ours(text: &str) -> Option<Seen> {
        let mut de = Deserializer::from_str(text);
        let seen = Record { borrowing: false }.deserialize(&mut de).ok()?;
        de.end().ok().map(|()| seen)
    }

    fn theirs(text: &str) -> Option<Seen> {
        let mut de = serde_json::Deserializer::from_str(text);
        let seen = Record { borrowing: false }.deserialize(&mut de).ok()?;
        de.end().ok().map(|()| seen)
    }

    fn skips(text: &str) -> (bool, bool) {
        let mut de = Deserializer::from_str(text);
        let ours = IgnoredAny::deserialize(&mut de)
            .and_then(|_| de.end())
            .is_ok();
        let mut de = serde_json::Deserializer::from_str(text);
        let theirs = IgnoredAny::deserialize(&mut de)
            .and_then(|_| de.end())
            .is_ok();
        (ours, theirs)
    }

    /// Equal, but for floats a few units in the last place apart: ours
    /// are correctly rounded, `serde_json`'s (without `float_roundtrip`)
    /// not always.
    fn same(a: &Seen, b: &Seen) -> bool {
        match (a, b) {
            (Seen::F64(x), Seen::F64(y)) => x == y || (x - y).abs() <= x.abs() * 1e-14,
            (Seen::Map(a), Seen::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
            }
            (Seen::Seq(a), Seen::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
            }
            _ => a == b,
        }
    }

    /// The first way this reader and `serde_json` disagree on `text`, if
    /// any: the values a visitor sees (floats to a few units in the last
    /// place), whether the document is refused, and whether it is refused
    /// when skipped.
    pub fn disagreement(text: &str) -> Option<String> {
        let (a, b) = (ours(text), theirs(text));
        let values_agree = match (&a, &b) {
            (Some(a), Some(b)) => same(a, b),
            _ => a == b,
        };
        if !values_agree {
            return Some(format!("{text:?}: read as {a:?}, by serde_json {b:?}"));
        }
        let (a, b) = skips(text);
        (a != b).then(|| format!("{text:?}: skipped {a}, by serde_json {b}"))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::de::DeserializeSeed;

    use super::differential::{Record, Seen};
    use super::*;

    /// Same values, and the same documents refused, as `serde_json`.
    fn agree(text: &str) {
        if let Some(difference) = differential::disagreement(text) {
            panic!("{difference}");
        }
    }

    #[test]
    fn agrees_with_serde_json_on_edge_cases() {
        for text in [
            "",
            " ",
            "{}",
            "[]",
            "{ }",
            "[ ]",
            " {\"a\" : 1 } ",
            "{\"a\":1,}",
            "[1,]",
            "[,1]",
            "{,}",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\" 1}",
            "{1:2}",
            "[1 2]",
            "[1,,2]",
            "{\"a\":1 \"b\":2}",
            "true",
            "false",
            "null",
            "tru",
            "nul",
            "True",
            "0",
            "-0",
            "01",
            "-01",
            "1.",
            ".5",
            "1e",
            "1e+",
            "1E-2",
            "-",
            "+1",
            "1.5e3",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "1e400",
            "-1e400",
            "1e-400",
            "123456789012345678901234567890",
            "\"a\"",
            "\"\\u00e9\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud83d\"",
            "\"\\ude00\"",
            "\"\\ud83dx\"",
            "\"\\ud83d\\u0041\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\u12G4\"",
            "\"a\nb\"",
            "\"a\tb\"",
            "\"\u{7f}\"",
            "\"é\"",
            "\"unterminated",
            "\"a\\",
            "[\"\\ud83d\"]",
            "{\"\\ud83d\":1}",
            "{\"k\":\"\\ud83d\"}",
            "{\"k\":[1,{\"x\":\"\\ude00\"}]}",
            "[1] x",
            "[1]]",
            "{}}",
            "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
            "[[[[]]]]",
            "[{}, {\"a\": [{}]}]",
            "{\"a\":{\"b\":{\"c\":[1,2,{\"d\":null}]}}}",
            "\u{feff}{}",
            "{\"a\":1}\u{0}",
            "\"0123456789abcdef0123\\n456789\"",
            "\"aaaaaaa\u{1f}bbbbbbbb\"",
        ] {
            agree(text);
        }
        // Nesting: visited up to serde_json's limit, skipped beyond it.
        for depth in [1, 63, 64, 65, 126, 127, 128, 129, 200, 1000] {
            agree(&format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
            agree(&format!(
                "{}1{}",
                "{\"k\":".repeat(depth),
                "}".repeat(depth)
            ));
            agree(&format!("{}{}", "[".repeat(depth), "]".repeat(depth - 1)));
        }
    }

    #[test]
    fn borrows_strings_without_escapes() {
        let text = r#"{"plain":"a fairly long string of thirty-one","esc":"a\nb"}"#;
        let mut de = Deserializer::from_str(text);
        let seen = Record { borrowing: true }.deserialize(&mut de).unwrap();
        assert_eq!(
            seen,
            Seen::Map(vec![
                (
                    "plain".into(),
                    Seen::Borrowed("a fairly long string of thirty-one".into())
                ),
                ("esc".into(), Seen::Null),
            ])
        );
    }

    #[test]
    fn plain_run_finds_the_first_special_byte() {
        for len in 0..40 {
            for special in [b'"', b'\\', 0x00, 0x1f] {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = special;
                    // Bytes above 0x7f and just above 0x1f are plain.
                    if at > 0 {
                        bytes[at - 1] = 0xc3;
                    }
                    if at + 1 < len {
                        bytes[at + 1] = b' ';
                    }
                    assert_eq!(plain_run(&bytes, 0), at, "{bytes:?}");
                }
                assert_eq!(plain_run(&vec![b'a'; len], 0), len);
            }
        }
    }

    fn json_text() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|f| format!("{f:e}")),
            "\\PC{0,20}".prop_map(|s| serde_json::to_string(&s).unwrap()),
            // Escapes of every kind, surrogates included.
            prop::collection::vec(
                prop_oneof![
                    Just("\\n".to_owned()),
                    Just("\\\"".to_owned()),
                    Just("\\ud83d\\ude00".to_owned()),
                    Just("\\ud83d".to_owned()),
                    Just("\\udc00".to_owned()),
                    "[a-z ]{0,9}",
                    (0u16..=0xffff).prop_map(|n| format!("\\u{n:04x}")),
                ],
                0..5
            )
            .prop_map(|parts| format!("\"{}\"", parts.concat())),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec(("[a-z]{0,6}", inner), 0..6).prop_map(|v| {
                    let entries: Vec<String> =
                        v.into_iter().map(|(k, v)| format!("{k:?} : {v}")).collect();
                    format!("{{ {} }}", entries.join(" ,"))
                }),
            ]
        })
    }

    proptest! {
        /// Well-formed documents, and each with one byte cut, changed or
        /// doubled: read and skipped as `serde_json` does.
        #[test]
        fn agrees_with_serde_json(text in json_text(), at in any::<prop::sample::Index>(), byte in prop::sample::select(&b"{}[],:\"\\ -0.5eEtn\x01"[..])) {
            agree(&text);
            let at = at.index(text.len() + 1);
            if let Some(cut) = text.get(..at) {
                agree(cut);
            }
            let mut changed = text.clone().into_bytes();
            changed.insert(at, byte);
            if let Ok(changed) = String::from_utf8(changed) {
                agree(&changed);
            }
        }
    }
}
