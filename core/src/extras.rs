//! Extras: named values read from an error body (`body.extras` in a spec),
//! such as Stripe's `decline_code` or a provider's own numeric code, with
//! typed accessors on the generated error.
//!
//! Generated code lists an API's extras as a `static` table of
//! [`ExtraLayout`]s whose sources are indexes into the layout's
//! [`captures`](crate::layout::BodyLayout::captures); [`Extras::from_captures`]
//! turns a decode's [`Captures`] into owned, typed values.
//!
//! ```
//! use errspec::__private::decode::{decode_parts, Captured};
//! use errspec::__private::extras::{ExtraLayout, ExtraType, Extras};
//! use errspec::__private::layout::*;
//!
//! static LAYOUT: ApiLayout = ApiLayout {
//!     body: BodyLayout {
//!         captures: &[
//!             Capture::At(Pointer(&["error", "decline_code"])),
//!             Capture::At(Pointer(&["error", "doc_url"])),
//!         ],
//!         ..BodyLayout::JSON
//!     },
//!     headers: HeaderLayout::NONE,
//! };
//! static EXTRAS: [ExtraLayout; 2] = [
//!     ExtraLayout { name: "decline_code", sources: &[0], ty: ExtraType::String },
//!     ExtraLayout { name: "doc_url", sources: &[1], ty: ExtraType::String },
//! ];
//!
//! let body = br#"{"error":{"code":"card_declined","decline_code":"insufficient_funds"}}"#;
//! let headers = http::HeaderMap::new();
//! let parts = decode_parts(&LAYOUT, http::StatusCode::PAYMENT_REQUIRED, &headers, body);
//! let extras = Extras::from_captures(&EXTRAS, &parts.captures);
//! assert_eq!(extras.str(0), Some("insufficient_funds"));
//! assert_eq!(extras.str(1), None);
//! assert_eq!(serde_json::to_string(&extras).unwrap(), r#"{"decline_code":"insufficient_funds"}"#);
//! ```

use compact_str::{CompactString, ToCompactString};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::decode::{Captured, Captures};

/// The type of an extra's value, and of its accessor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtraType {
    /// Text (`Option<&str>`). A number is kept as its decimal text.
    String,
    /// An integer (`Option<i64>`). A string of decimal digits counts.
    Integer,
    /// A number (`Option<f64>`). A string holding a number counts.
    Number,
    /// A boolean (`Option<bool>`). The strings `true` and `false` count.
    Boolean,
}

/// One extra of an API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtraLayout {
    /// Its name (lower snake_case), as in the spec and the accessor.
    pub name: &'static str,
    /// Where it is read from: indexes into the layout's captures, a
    /// fallback chain (the first that gives a value of the type wins).
    pub sources: &'static [usize],
    /// Its type.
    pub ty: ExtraType,
}

/// An extra's value.
#[derive(Clone, Debug)]
pub enum ExtraValue {
    /// Text.
    Str(CompactString),
    /// An integer.
    Int(i64),
    /// A number.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

// Floats compare by their bits, so that equality is an equivalence (JSON
// has no NaN, but a hand-made value might).
impl PartialEq for ExtraValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ExtraValue::Str(a), ExtraValue::Str(b)) => a == b,
            (ExtraValue::Int(a), ExtraValue::Int(b)) => a == b,
            (ExtraValue::Float(a), ExtraValue::Float(b)) => a.to_bits() == b.to_bits(),
            (ExtraValue::Bool(a), ExtraValue::Bool(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for ExtraValue {}

impl Serialize for ExtraValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ExtraValue::Str(s) => serializer.serialize_str(s),
            ExtraValue::Int(n) => serializer.serialize_i64(*n),
            ExtraValue::Float(x) => serializer.serialize_f64(*x),
            ExtraValue::Bool(b) => serializer.serialize_bool(*b),
        }
    }
}

impl ExtraValue {
    /// A captured value as `ty`, when it is one (see [`ExtraType`]).
    pub fn from_captured(value: &Captured<'_>, ty: ExtraType) -> Option<ExtraValue> {
        Some(match (ty, value) {
            (ExtraType::String, Captured::Str(s)) => ExtraValue::Str(CompactString::new(s)),
            (ExtraType::String, Captured::Int(n)) => ExtraValue::Str(n.to_compact_string()),
            (ExtraType::Integer, Captured::Int(n)) => ExtraValue::Int(*n),
            (ExtraType::Integer, Captured::Str(s)) => ExtraValue::Int(s.trim().parse().ok()?),
            (ExtraType::Number, Captured::Str(s)) => {
                ExtraValue::Float(s.trim().parse::<f64>().ok().filter(|x| x.is_finite())?)
            }
            (ExtraType::Number, other) => ExtraValue::Float(other.as_f64()?),
            (ExtraType::Boolean, Captured::Bool(b)) => ExtraValue::Bool(*b),
            (ExtraType::Boolean, Captured::Str(s)) => ExtraValue::Bool(match s.as_ref() {
                "true" => true,
                "false" => false,
                _ => return None,
            }),
            _ => return None,
        })
    }
}

/// How many extras [`Extras`] keeps without allocating: Stripe's six.
const INLINE_EXTRAS: usize = 6;

/// The extras of one error: their values, by position in the API's table,
/// and the table (for names). The first few are kept in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extras {
    layout: &'static [ExtraLayout],
    inline: [Option<ExtraValue>; INLINE_EXTRAS],
    spill: Vec<Option<ExtraValue>>,
}

impl Default for Extras {
    fn default() -> Self {
        Extras::EMPTY
    }
}

impl Extras {
    /// No extras.
    pub const EMPTY: Extras = Extras {
        layout: &[],
        inline: [None, None, None, None, None, None],
        spill: Vec::new(),
    };

    /// The extras `layout` describes, from a decode's captures.
    pub fn from_captures(layout: &'static [ExtraLayout], captures: &Captures<'_>) -> Extras {
        let mut extras = Extras {
            layout,
            ..Extras::EMPTY
        };
        for (i, extra) in layout.iter().enumerate() {
            let value = extra
                .sources
                .iter()
                .find_map(|&source| ExtraValue::from_captured(captures.get(source)?, extra.ty));
            if let Some(value) = value {
                match i.checked_sub(INLINE_EXTRAS) {
                    None => extras.inline[i] = Some(value),
                    Some(at) => {
                        extras.spill.resize(at + 1, None);
                        extras.spill[at] = Some(value);
                    }
                }
            }
        }
        extras
    }

    /// The value of extra `index` (its position in the table), if found.
    pub fn get(&self, index: usize) -> Option<&ExtraValue> {
        match index.checked_sub(INLINE_EXTRAS) {
            None => self.inline.get(index)?.as_ref(),
            Some(at) => self.spill.get(at)?.as_ref(),
        }
    }

    /// The value of the extra called `name`, if found.
    pub fn by_name(&self, name: &str) -> Option<&ExtraValue> {
        let index = self.layout.iter().position(|e| e.name == name)?;
        self.get(index)
    }

    /// A text extra.
    pub fn str(&self, index: usize) -> Option<&str> {
        match self.get(index)? {
            ExtraValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An integer extra.
    pub fn int(&self, index: usize) -> Option<i64> {
        match *self.get(index)? {
            ExtraValue::Int(n) => Some(n),
            _ => None,
        }
    }

    /// A number extra.
    pub fn number(&self, index: usize) -> Option<f64> {
        match *self.get(index)? {
            ExtraValue::Float(x) => Some(x),
            _ => None,
        }
    }

    /// A boolean extra.
    pub fn boolean(&self, index: usize) -> Option<bool> {
        match *self.get(index)? {
            ExtraValue::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// Every extra found, by name, in table order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &ExtraValue)> + '_ {
        self.layout
            .iter()
            .enumerate()
            .filter_map(|(i, e)| Some((e.name, self.get(i)?)))
    }

    /// Whether no extra was found.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

/// A map of the extras found, by name.
impl Serialize for Extras {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (name, value) in self.iter() {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[test]
    fn values_convert_by_type() {
        let s = |t: &'static str| Captured::Str(Cow::Borrowed(t));
        let conv = ExtraValue::from_captured;
        assert_eq!(
            conv(&s("x"), ExtraType::String),
            Some(ExtraValue::Str("x".into()))
        );
        assert_eq!(
            conv(&Captured::Int(-12), ExtraType::String),
            Some(ExtraValue::Str("-12".into()))
        );
        assert_eq!(
            conv(&Captured::Int(-12), ExtraType::Integer),
            Some(ExtraValue::Int(-12))
        );
        assert_eq!(
            conv(&s(" 42 "), ExtraType::Integer),
            Some(ExtraValue::Int(42))
        );
        assert_eq!(conv(&s("4x"), ExtraType::Integer), None);
        assert_eq!(conv(&Captured::Float(1.5), ExtraType::Integer), None);
        assert_eq!(
            conv(&Captured::Float(0.25), ExtraType::Number),
            Some(ExtraValue::Float(0.25))
        );
        assert_eq!(
            conv(&Captured::Int(3), ExtraType::Number),
            Some(ExtraValue::Float(3.0))
        );
        assert_eq!(conv(&s("inf"), ExtraType::Number), None);
        assert_eq!(
            conv(&Captured::Bool(true), ExtraType::Boolean),
            Some(ExtraValue::Bool(true))
        );
        assert_eq!(
            conv(&s("false"), ExtraType::Boolean),
            Some(ExtraValue::Bool(false))
        );
        assert_eq!(conv(&Captured::Null, ExtraType::String), None);
        assert_eq!(conv(&Captured::Object, ExtraType::Boolean), None);
    }

    #[test]
    fn fallback_chains_and_spill() {
        static TABLE: [ExtraLayout; 5] = [
            ExtraLayout {
                name: "a",
                sources: &[0, 1],
                ty: ExtraType::String,
            },
            ExtraLayout {
                name: "b",
                sources: &[1],
                ty: ExtraType::Integer,
            },
            ExtraLayout {
                name: "c",
                sources: &[2],
                ty: ExtraType::Boolean,
            },
            ExtraLayout {
                name: "d",
                sources: &[9],
                ty: ExtraType::Number,
            },
            ExtraLayout {
                name: "e",
                sources: &[3],
                ty: ExtraType::Number,
            },
        ];
        let mut captures = Captures::default();
        captures.set(0, Captured::Null);
        captures.set(1, Captured::Int(7));
        captures.set(3, Captured::Float(2.5));
        let extras = Extras::from_captures(&TABLE, &captures);
        // `a`: null is not text, so the chain goes on to the integer.
        assert_eq!(extras.str(0), Some("7"));
        assert_eq!(extras.int(1), Some(7));
        assert_eq!(extras.boolean(2), None);
        assert_eq!(extras.number(3), None);
        assert_eq!(extras.number(4), Some(2.5));
        assert_eq!(extras.by_name("e"), Some(&ExtraValue::Float(2.5)));
        assert_eq!(extras.get(99), None);
        assert_eq!(
            serde_json::to_string(&extras).unwrap(),
            r#"{"a":"7","b":7,"e":2.5}"#
        );
        assert!(Extras::EMPTY.is_empty());
    }
}
