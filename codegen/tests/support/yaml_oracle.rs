//! The serde-saphyr `Spanned<Raw>` loader `errspec_codegen::node::parse`
//! used to be: the oracle of `codegen/tests/yaml_events.rs`, and the
//! `serde` side of `errspec-bench yaml` (BENCHMARKS.md §2), which includes
//! this file.

use std::fmt;

use errspec_codegen::diagnostic::Diagnostic;
use errspec_codegen::node::{Node, NodeKind};
use errspec_codegen::source::Span;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

enum Raw {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        Ok(i128::try_from(v).map_or(Raw::Float(v as f64), Raw::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Raw::Map(entries))
    }
}

fn span_of(loc: &serde_saphyr::Location, text: &str) -> Span {
    let span = loc.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(off), Some(len)) => {
            let start = usize::try_from(off).unwrap_or(usize::MAX).min(text.len());
            let end = start
                .saturating_add(usize::try_from(len).unwrap_or(0))
                .min(text.len());
            Span::new(start, end)
        }
        _ => offset_of_line_col(text, loc.line(), loc.column()),
    }
}

fn offset_of_line_col(text: &str, line: u64, column: u64) -> Span {
    let mut offset = 0usize;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if (i as u64) + 1 == line {
            let col = usize::try_from(column.saturating_sub(1)).unwrap_or(usize::MAX);
            let within: usize = l.chars().take(col).map(char::len_utf8).sum();
            return Span::new(offset + within, offset + within);
        }
        offset += l.len();
    }
    Span::new(text.len(), text.len())
}

fn convert(raw: Spanned<Raw>, text: &str) -> Node {
    let span = span_of(&raw.referenced, text);
    let written = match raw.value {
        Raw::Float(_) => text
            .get(span.start..span.end)
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_owned),
        _ => None,
    };
    let kind = match raw.value {
        Raw::Null => NodeKind::Null,
        Raw::Bool(b) => NodeKind::Bool(b),
        Raw::Int(i) => NodeKind::Int(i),
        Raw::Float(f) => NodeKind::Float(f),
        Raw::Str(s) => NodeKind::Str(s),
        Raw::Seq(items) => NodeKind::Seq(items.into_iter().map(|n| convert(n, text)).collect()),
        Raw::Map(entries) => NodeKind::Map(
            entries
                .into_iter()
                .map(|(k, v)| (convert(k, text), convert(v, text)))
                .collect(),
        ),
    };
    Node {
        kind,
        span,
        written,
    }
}

pub fn parse(text: &str) -> Result<Node, Diagnostic> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        budget: Some(budget(text.len())),
    };
    match serde_saphyr::from_str_with_options::<Spanned<Raw>>(text, options) {
        Ok(raw) => Ok(convert(raw, text)),
        Err(err) => {
            let message = yaml_message(&err);
            if message.contains("tab")
                && let Some(tab) = first_tab_indent(text)
            {
                return Err(
                    Diagnostic::error(tab, "invalid YAML: a tab indents this line")
                        .with_label("tab")
                        .with_help("YAML indents with spaces only"),
                );
            }
            let span = err
                .location()
                .map_or(Span::new(0, 0), |loc| span_of(&loc, text));
            Err(Diagnostic::error(span, format!("invalid YAML: {message}")))
        }
    }
}

fn budget(len: usize) -> serde_saphyr::budget::Budget {
    let mut budget = serde_saphyr::budget::Budget::default();
    budget.max_nodes = budget.max_nodes.max(len / 2);
    budget.max_events = budget.max_events.max(len);
    budget
}

fn first_tab_indent(text: &str) -> Option<Span> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let content = line[indent..].trim_end();
        if !content.is_empty()
            && !content.starts_with('#')
            && let Some(i) = line[..indent].find('\t')
        {
            return Some(Span::new(offset + i, offset + i + 1));
        }
        offset += line.len();
    }
    None
}

fn yaml_message(err: &serde_saphyr::Error) -> String {
    let text = err.to_string();
    let mut msg = text.lines().next().unwrap_or_default().trim();
    msg = msg.strip_prefix("error:").unwrap_or(msg).trim_start();
    if let Some(rest) = msg.strip_prefix("line ")
        && let Some(i) = rest.find(": ")
    {
        msg = &rest[i + 2..];
    }
    msg.to_owned()
}
