//! Where an API takes idempotency keys besides one request header, and the
//! rules a key must keep.
//!
//! [`ApiError::IDEMPOTENCY_HEADER`](crate::ApiError::IDEMPOTENCY_HEADER)
//! names the usual header; [`ApiError::IDEMPOTENCY`](crate::ApiError::IDEMPOTENCY)
//! adds more headers, a place in a JSON request body (Brevo's
//! `headers.idempotencyKey`), a length limit and a UUID requirement. The
//! client puts one key everywhere the API takes it and reuses it on every
//! retry.

use crate::layout::Pointer;

/// How an API takes idempotency keys beyond its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdempotencyLayout {
    /// Further request headers that carry the same key (lower-case names).
    pub also_headers: &'static [&'static str],
    /// Where in a JSON request body the key goes (`/headers/idempotencyKey`).
    pub body: Option<Pointer>,
    /// The longest key the API accepts, in bytes.
    pub max_length: Option<usize>,
    /// Whether the API requires a UUID (`8-4-4-4-12` hex digits).
    pub uuid: bool,
}

impl IdempotencyLayout {
    /// Nothing beyond the header.
    pub const NONE: IdempotencyLayout = IdempotencyLayout {
        also_headers: &[],
        body: None,
        max_length: None,
        uuid: false,
    };

    /// Whether `key` fits: no longer than [`max_length`](Self::max_length),
    /// and a UUID when the API requires one.
    ///
    /// ```
    /// use errspec::__private::idempotency::IdempotencyLayout;
    ///
    /// let brevo = IdempotencyLayout { max_length: Some(36), uuid: true, ..IdempotencyLayout::NONE };
    /// assert!(brevo.accepts("6f1c2b9e-3a4d-4e5f-8a7b-9c0d1e2f3a4b"));
    /// assert!(!brevo.accepts("job-42"));
    /// ```
    pub fn accepts(&self, key: &str) -> bool {
        self.max_length.is_none_or(|max| key.len() <= max) && (!self.uuid || is_uuid(key))
    }
}

/// Whether `text` is a UUID in its hyphenated form (any version, either case).
pub fn is_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// What placing a key in a JSON request body found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyKey {
    /// The body with the key at the pointer (parent objects created).
    Placed(Vec<u8>),
    /// The body already holds a key there, a string: it is the key to use.
    Present(String),
}

/// Places `key` at `pointer` in the JSON object `body` (an empty body is
/// `{}`), creating the objects on the way. `None` when the body is not a
/// JSON object, or something on the way is not an object.
///
/// ```
/// use errspec::__private::idempotency::{place_in_json, BodyKey};
/// use errspec::__private::layout::Pointer;
///
/// let body = br#"{"to":[{"email":"a@example.com"}]}"#;
/// let Some(BodyKey::Placed(placed)) = place_in_json(body, Pointer(&["headers", "idempotencyKey"]), "k1") else {
///     panic!("placed");
/// };
/// let placed: serde_json::Value = serde_json::from_slice(&placed)?;
/// assert_eq!(placed["headers"]["idempotencyKey"], "k1");
/// assert_eq!(placed["to"][0]["email"], "a@example.com");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn place_in_json(body: &[u8], pointer: Pointer, key: &str) -> Option<BodyKey> {
    let mut root: serde_json::Value = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Object(serde_json::Map::new())
    } else {
        serde_json::from_slice(body).ok()?
    };
    let (last, parents) = pointer.0.split_last()?;
    let mut at = root.as_object_mut()?;
    for segment in parents {
        at = at
            .entry(*segment)
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()))
            .as_object_mut()?;
    }
    match at.get(*last) {
        Some(serde_json::Value::String(existing)) => {
            return Some(BodyKey::Present(existing.clone()));
        }
        Some(serde_json::Value::Null) | None => {}
        Some(_) => return None,
    }
    at.insert(
        (*last).to_owned(),
        serde_json::Value::String(key.to_owned()),
    );
    serde_json::to_vec(&root).ok().map(BodyKey::Placed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids() {
        assert!(is_uuid("6F1C2B9E-3A4D-4E5F-8A7B-9C0D1E2F3A4B"));
        assert!(!is_uuid("6f1c2b9e3a4d4e5f8a7b9c0d1e2f3a4b"));
        assert!(!is_uuid("6f1c2b9e-3a4d-4e5f-8a7b-9c0d1e2f3a4g"));
        assert!(!is_uuid(""));
    }

    #[test]
    fn lengths() {
        let short = IdempotencyLayout {
            max_length: Some(8),
            ..IdempotencyLayout::NONE
        };
        assert!(short.accepts("12345678"));
        assert!(!short.accepts("123456789"));
        assert!(IdempotencyLayout::NONE.accepts(&"x".repeat(10_000)));
    }

    fn placed(body: &[u8], at: Pointer) -> serde_json::Value {
        match place_in_json(body, at, "k") {
            Some(BodyKey::Placed(bytes)) => serde_json::from_slice(&bytes).expect("JSON"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn placing_in_bodies() {
        let at = Pointer(&["headers", "idempotencyKey"]);
        assert_eq!(
            placed(b"", at),
            serde_json::json!({"headers": {"idempotencyKey": "k"}})
        );
        assert_eq!(
            place_in_json(br#"{"headers":{"idempotencyKey":"mine"}}"#, at, "k"),
            Some(BodyKey::Present("mine".into()))
        );
        assert_eq!(
            placed(br#"{"headers":{"X-Mailin-custom":"a"}}"#, at),
            serde_json::json!({"headers": {"X-Mailin-custom": "a", "idempotencyKey": "k"}})
        );
        assert_eq!(place_in_json(br#"{"headers":"x"}"#, at, "k"), None);
        assert_eq!(place_in_json(b"[1]", at, "k"), None);
        assert_eq!(place_in_json(b"not json", at, "k"), None);
        assert_eq!(place_in_json(b"{}", Pointer(&[]), "k"), None);
        assert_eq!(
            place_in_json(br#"{"headers":{"idempotencyKey":7}}"#, at, "k"),
            None
        );
    }
}
