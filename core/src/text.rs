//! [`Text`]: the owned text of a decoded error.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use arrayvec::ArrayString;

/// How many bytes of text are kept in place, without an allocation.
const INLINE: usize = 56;

/// The owned text of a decoded error (a message, a request id): up to 56
/// bytes are kept in place, longer text on the heap. Read it as `&str`
/// (it derefs to `str`); make one with `From`/`Into` from `&str`, `String`
/// or `Cow<str>`.
///
/// Why not a `String` or a `CompactString` (24 bytes in place): most error
/// messages and request ids are 25 to 56 bytes long (a UUID is 36), and an
/// allocation to hold one costs about as much as decoding the rest of the
/// response (BENCHMARKS.md §1, "Text longer than 24 bytes").
///
/// ```
/// use errspec::Text;
///
/// let message = Text::from("'from' parameter is missing");
/// assert_eq!(&*message, "'from' parameter is missing");
/// assert_eq!(message, "'from' parameter is missing");
/// assert_eq!(Text::from("x".repeat(100)).len(), 100);
/// ```
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Inline(ArrayString<INLINE>),
    Heap(Box<str>),
}

impl Text {
    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline(text) => text,
            Repr::Heap(text) => text,
        }
    }

    /// The text as a `String`.
    pub fn into_string(self) -> String {
        match self.0 {
            Repr::Inline(text) => text.as_str().to_owned(),
            Repr::Heap(text) => text.into_string(),
        }
    }
}

impl Default for Text {
    fn default() -> Text {
        Text(Repr::Inline(ArrayString::new()))
    }
}

impl Deref for Text {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self
    }
}

impl From<&str> for Text {
    #[inline]
    fn from(text: &str) -> Text {
        match ArrayString::from(text) {
            Ok(inline) => Text(Repr::Inline(inline)),
            Err(_) => Text(Repr::Heap(text.into())),
        }
    }
}

impl From<String> for Text {
    #[inline]
    fn from(text: String) -> Text {
        if text.len() <= INLINE {
            Text::from(text.as_str())
        } else {
            Text(Repr::Heap(text.into_boxed_str()))
        }
    }
}

impl From<Cow<'_, str>> for Text {
    #[inline]
    fn from(text: Cow<'_, str>) -> Text {
        match text {
            Cow::Borrowed(text) => Text::from(text),
            Cow::Owned(text) => Text::from(text),
        }
    }
}

impl From<Text> for String {
    fn from(text: Text) -> String {
        text.into_string()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_any_text_whole() {
        for len in [0, 1, 24, 25, 55, 56, 57, 200] {
            let text = "é".repeat(len / 2) + &"a".repeat(len % 2);
            for made in [
                Text::from(text.as_str()),
                Text::from(text.clone()),
                Text::from(Cow::Borrowed(text.as_str())),
            ] {
                assert_eq!(made.as_str(), text);
                assert_eq!(made.clone().into_string(), text);
                assert_eq!(format!("{made}"), text);
                assert_eq!(format!("{made:?}"), format!("{text:?}"));
            }
        }
        assert_eq!(Text::default(), "");
    }

    #[test]
    fn is_in_place_up_to_56_bytes() {
        assert!(matches!(Text::from("a".repeat(56)).0, Repr::Inline(_)));
        assert!(matches!(Text::from("a".repeat(57)).0, Repr::Heap(_)));
        assert_eq!(size_of::<Option<Text>>(), 64);
    }
}
