//! Stage 0 of loading: YAML text → a tree of located nodes.
//!
//! Parsing into a generic tree first (rather than straight into typed
//! structs) lets the loader report every unknown key, wrong type and
//! duplicate in one pass, each with its location.
//!
//! The tree is built straight from the event stream of the YAML parser
//! serde-saphyr uses ([`granit_parser`], a direct dependency: the macros
//! need no more of serde-saphyr), resolving scalars the way serde-saphyr's
//! `deserialize_any` does. Going through serde (and
//! serde-saphyr's `Spanned` wrapper for every node) cost about three times
//! the parse itself, and the `catalog!` macro runs this code unoptimised.

use std::borrow::Cow;

use granit_parser::{
    Event, Marker, Options, Parser, ScalarStyle, ScanError, Span as YamlSpan, Tag,
};

use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// A YAML node and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub kind: NodeKind,
    /// Its span in the file.
    pub span: Span,
    /// For a float, the text as written: the parser turns integers too
    /// large for 64 bits into floats, and messages should show what the
    /// user wrote (`99999999999999999999`, not `1e20`).
    pub written: Option<String>,
}

/// A YAML value.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, with every entry kept in order (duplicates included, so the
    /// loader can point at both).
    Map(Vec<(Node, Node)>),
}

impl NodeKind {
    /// A short name of the kind for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a float",
            NodeKind::Str(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// The text of a scalar key or value (strings as written, integers in
    /// decimal, floats with their point).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            NodeKind::Str(s) => Some(s.clone()),
            NodeKind::Int(i) => Some(i.to_string()),
            NodeKind::Bool(b) => Some(b.to_string()),
            // `{:?}` keeps the point (`404.0`), so a float never passes for an integer.
            NodeKind::Float(f) => Some(self.written.clone().unwrap_or_else(|| format!("{f:?}"))),
            NodeKind::Null | NodeKind::Seq(_) | NodeKind::Map(_) => None,
        }
    }
}

/// Parses YAML text into a node tree. Syntax errors come back as one located
/// diagnostic (YAML parsing cannot resume after one).
///
/// Only one document is accepted; an empty text (or one with only comments)
/// is a null node. Anchors and aliases are expanded (an alias becomes a copy
/// of its anchored node, located at the alias), merge keys (`<<`) are applied
/// and duplicate keys are kept, in order, for the loader to report.
pub fn parse(text: &str) -> Result<Node, Diagnostic> {
    Builder::new(text)
        .run()
        .map_err(|failure| failure.into_diagnostic(text))
}

/// What stopped the build: a parser error, or a problem found while
/// building (a bad tagged scalar, a limit, ...) with its span.
enum Failure {
    Scan(ScanError),
    At(Span, String),
}

impl Failure {
    fn into_diagnostic(self, text: &str) -> Diagnostic {
        let (span, message) = match self {
            Failure::Scan(err) => {
                let marker = err.marker();
                let span = point_of(marker, text);
                let info = err.info();
                let message = info.lines().next().unwrap_or_default().trim().to_owned();
                (span, message)
            }
            Failure::At(span, message) => (span, message),
        };
        // The parser reports a tab where the scalar before it started;
        // point at the tab itself, the usual cause.
        if message.contains("tab")
            && let Some(tab) = first_tab_indent(text)
        {
            return Diagnostic::error(tab, "invalid YAML: a tab indents this line")
                .with_label("tab")
                .with_help("YAML indents with spaces only");
        }
        Diagnostic::error(span, format!("invalid YAML: {message}"))
    }
}

/// The parser's limits on what a text of `len` bytes may expand into.
///
/// Aliases make YAML a compression format: ten lines of anchors each aliasing
/// the previous one ten times describe 10¹⁰ nodes ("billion laughs"). So the
/// tree built here is bounded, counting every copy an alias makes:
///
/// - `nodes`: scalars, sequences and mappings, 250k or half the text length,
///   whichever is larger (a catalog has about one node per 20 bytes, so a
///   catalog of any size loads, while a short text cannot expand into a
///   huge tree);
/// - `events`: parser events plus the events an alias replays, 1M or the
///   text length, whichever is larger;
/// - `replayed`: events copied through aliases, 1M in all;
/// - `aliases` and `anchors`: 50k each; more than 100 aliases must also come
///   with at least one anchor per 10 aliases;
/// - `scalar_bytes`: 64 MiB of scalar text, copies included;
/// - `depth`: 64 nested collections (which also bounds the recursion of
///   code walking the tree).
///
/// These are serde-saphyr's default budget, with the node and event limits
/// growing with the text as this loader configured it before it used the
/// parser directly.
#[derive(Clone, Copy, Debug)]
struct Limits {
    nodes: usize,
    events: usize,
    replayed: usize,
    aliases: usize,
    anchors: usize,
    scalar_bytes: usize,
    depth: usize,
}

impl Limits {
    fn for_len(len: usize) -> Self {
        Limits {
            nodes: (len / 2).max(250_000),
            events: len.max(1_000_000),
            replayed: 1_000_000,
            aliases: 50_000,
            anchors: 50_000,
            scalar_bytes: 64 * 1024 * 1024,
            depth: MAX_DEPTH,
        }
    }
}

// The parser settings of serde-saphyr's default budget (`Budget::default()`
// in serde-saphyr 2.1), which this loader used before it drove the parser
// itself; tests/yaml_events.rs compares the two on every document shape.
/// Nested collections at most.
const MAX_DEPTH: usize = 64;
/// How far the parser looks ahead for the `:` of a simple key.
const SIMPLE_KEY_MAX_LOOKAHEAD: usize = 1024;
/// Nested flow collections (`[`, `{`) at most.
const FLOW_NESTING_LIMIT: usize = 255;

/// Aliases beyond this many need one anchor per [`ALIASES_PER_ANCHOR`].
const FREE_ALIASES: usize = 100;
const ALIASES_PER_ANCHOR: usize = 10;

/// An anchor by its parser id.
#[derive(Default)]
enum Anchor {
    #[default]
    Unset,
    /// Its collection is still open: an alias to it would be recursive.
    Open,
    Done(Box<Anchored>),
}

struct Anchored {
    node: Node,
    /// Nodes and events a copy adds.
    nodes: usize,
    events: usize,
    /// Nesting of collections inside it (0 for a scalar).
    height: usize,
    /// Whether it is a `<<` scalar (a merge key where used as a key).
    merge_key: bool,
}

/// An open collection.
struct Frame {
    span: Span,
    anchor: usize,
    /// Counters when it opened, to size an anchored collection.
    nodes_at_start: usize,
    events_at_start: usize,
    /// Nesting of collections inside it so far.
    height: usize,
    kind: FrameKind,
}

enum FrameKind {
    Seq(Vec<Node>),
    Map {
        entries: Vec<(Node, Node)>,
        /// The key waiting for its value, and whether it is a merge key.
        key: Option<(Node, bool)>,
        /// Entries from merge keys, in order, applied at the end.
        merges: Vec<(Node, Node)>,
    },
}

struct Builder<'t> {
    text: &'t str,
    parser: Parser<'t, granit_parser::StrInput<'t>>,
    limits: Limits,
    stack: Vec<Frame>,
    anchors: Vec<Anchor>,
    root: Option<Node>,
    nodes: usize,
    events: usize,
    replayed: usize,
    aliases: usize,
    anchors_defined: usize,
    scalar_bytes: usize,
}

impl<'t> Builder<'t> {
    fn new(text: &'t str) -> Self {
        let mut options = Options::default();
        options.simple_key_max_lookahead = SIMPLE_KEY_MAX_LOOKAHEAD;
        options.flow_nesting_limit = FLOW_NESTING_LIMIT;
        options.block_nesting_limit = options.block_nesting_limit.max(MAX_DEPTH.saturating_add(1));
        options.emit_comments = false;
        Builder {
            text,
            parser: Parser::new_from_str_with_options(text, options),
            limits: Limits::for_len(text.len()),
            stack: Vec::new(),
            anchors: Vec::new(),
            root: None,
            nodes: 0,
            events: 0,
            replayed: 0,
            aliases: 0,
            anchors_defined: 0,
            scalar_bytes: 0,
        }
    }

    fn run(mut self) -> Result<Node, Failure> {
        let mut last = Span::new(0, 0);
        while let Some(next) = self.parser.next_event() {
            let (event, yaml_span) = next.map_err(Failure::Scan)?;
            let span = span_of(&yaml_span, self.text);
            last = span;
            self.events += 1;
            if self.events > self.limits.events {
                return Err(too_large(span, "events", self.limits.events));
            }
            match event {
                Event::Scalar(value, style, anchor, tag) => {
                    self.scalar(value, style, anchor, tag.as_deref(), span)?;
                }
                Event::SequenceStart(_, anchor, tag) => {
                    self.open(anchor, tag.as_deref(), false, span)?;
                }
                Event::MappingStart(_, anchor, tag) => {
                    self.open(anchor, tag.as_deref(), true, span)?;
                }
                Event::SequenceEnd | Event::MappingEnd => self.close()?,
                Event::Alias(id) => self.alias(id, span)?,
                Event::DocumentStart(..) => {
                    // Anchors are per document.
                    self.anchors.clear();
                }
                _ => {}
            }
        }
        if self.aliases >= FREE_ALIASES
            && (self.anchors_defined == 0
                || self.aliases > ALIASES_PER_ANCHOR.saturating_mul(self.anchors_defined))
        {
            return Err(Failure::At(
                last,
                format!(
                    "{} aliases for {} anchors: more than {ALIASES_PER_ANCHOR} aliases per anchor",
                    self.aliases, self.anchors_defined
                ),
            ));
        }
        Ok(self.root.unwrap_or(Node {
            kind: NodeKind::Null,
            span: last,
            written: None,
        }))
    }

    /// A new node may start here: not after the document's root.
    fn check_single_document(&self, span: Span) -> Result<(), Failure> {
        if self.root.is_some() {
            return Err(Failure::At(
                span,
                "a second YAML document; a catalog is one document".to_owned(),
            ));
        }
        Ok(())
    }

    fn count_node(&mut self, span: Span) -> Result<(), Failure> {
        self.nodes += 1;
        if self.nodes > self.limits.nodes {
            return Err(too_large(span, "nodes", self.limits.nodes));
        }
        Ok(())
    }

    fn count_scalar_bytes(&mut self, bytes: usize, span: Span) -> Result<(), Failure> {
        self.scalar_bytes = self.scalar_bytes.saturating_add(bytes);
        if self.scalar_bytes > self.limits.scalar_bytes {
            return Err(too_large(
                span,
                "bytes of scalar text",
                self.limits.scalar_bytes,
            ));
        }
        Ok(())
    }

    fn define_anchor(&mut self, id: usize, span: Span) -> Result<(), Failure> {
        self.anchors_defined += 1;
        if self.anchors_defined > self.limits.anchors {
            return Err(too_large(span, "anchors", self.limits.anchors));
        }
        if self.anchors.len() <= id {
            self.anchors.resize_with(id + 1, Anchor::default);
        }
        self.anchors[id] = Anchor::Open;
        Ok(())
    }

    fn scalar(
        &mut self,
        value: Cow<'t, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<(), Failure> {
        self.check_single_document(span)?;
        let tag_kind = TagKind::of(tag);
        if !tag_kind.allowed() || tag_kind.requires().is_some_and(|k| k != NodeShape::Scalar) {
            return Err(unsupported_tag(tag, span));
        }
        self.count_node(span)?;
        let tag_len = tag.map_or(0, |t| t.to_string().len());
        self.count_scalar_bytes(value.len().saturating_add(tag_len), span)?;
        let merge_key = value == "<<"
            && (tag_kind == TagKind::Merge
                || (tag_kind == TagKind::None && style == ScalarStyle::Plain));
        let kind = resolve_scalar(value, style, tag_kind).map_err(|m| Failure::At(span, m))?;
        let node = Node {
            written: written(&kind, span, self.text),
            kind,
            span,
        };
        if anchor != 0 {
            self.define_anchor(anchor, span)?;
            self.anchors[anchor] = Anchor::Done(Box::new(Anchored {
                node: node.clone(),
                nodes: 1,
                events: 1,
                height: 0,
                merge_key,
            }));
        }
        self.add(node, merge_key, 0)
    }

    fn open(
        &mut self,
        anchor: usize,
        tag: Option<&Tag>,
        mapping: bool,
        span: Span,
    ) -> Result<(), Failure> {
        self.check_single_document(span)?;
        let shape = if mapping {
            NodeShape::Mapping
        } else {
            NodeShape::Sequence
        };
        let tag_kind = TagKind::of(tag);
        if !tag_kind.allowed() {
            return Err(unsupported_tag(tag, span));
        }
        if let Some(required) = tag_kind.requires()
            && required != shape
        {
            return Err(if tag_kind == TagKind::Include {
                Failure::At(
                    span,
                    "!include currently only supports the scalar form: !include <path>".to_owned(),
                )
            } else {
                unsupported_tag(tag, span)
            });
        }
        self.count_node(span)?;
        if self.stack.len() >= self.limits.depth {
            return Err(Failure::At(
                span,
                format!("collections nested more than {} deep", self.limits.depth),
            ));
        }
        let tag_len = tag.map_or(0, |t| t.to_string().len());
        self.count_scalar_bytes(tag_len, span)?;
        if anchor != 0 {
            self.define_anchor(anchor, span)?;
        }
        self.stack.push(Frame {
            span,
            anchor,
            nodes_at_start: self.nodes - 1,
            events_at_start: self.events - 1,
            height: 0,
            kind: if mapping {
                FrameKind::Map {
                    entries: Vec::new(),
                    key: None,
                    merges: Vec::new(),
                }
            } else {
                FrameKind::Seq(Vec::new())
            },
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), Failure> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let height = frame.height + 1;
        let kind = match frame.kind {
            FrameKind::Seq(items) => NodeKind::Seq(items),
            FrameKind::Map {
                mut entries,
                key,
                merges,
            } => {
                if let Some((key, _)) = key {
                    // A key without a value (the parser always gives one).
                    entries.push((
                        key,
                        Node {
                            kind: NodeKind::Null,
                            span: frame.span,
                            written: None,
                        },
                    ));
                }
                apply_merges(&mut entries, merges);
                NodeKind::Map(entries)
            }
        };
        let node = Node {
            kind,
            span: frame.span,
            written: None,
        };
        if frame.anchor != 0 {
            let anchored = Anchored {
                node: node.clone(),
                nodes: self.nodes - frame.nodes_at_start,
                events: self.events - frame.events_at_start,
                height,
                merge_key: false,
            };
            if let Some(slot) = self.anchors.get_mut(frame.anchor) {
                *slot = Anchor::Done(Box::new(anchored));
            }
        }
        self.add(node, false, height)
    }

    fn alias(&mut self, id: usize, span: Span) -> Result<(), Failure> {
        self.check_single_document(span)?;
        self.aliases += 1;
        if self.aliases > self.limits.aliases {
            return Err(too_large(span, "aliases", self.limits.aliases));
        }
        let anchored = match self.anchors.get(id) {
            Some(Anchor::Done(anchored)) => anchored,
            Some(Anchor::Open) => {
                return Err(Failure::At(
                    span,
                    "this alias refers to a collection it is part of".to_owned(),
                ));
            }
            _ => return Err(Failure::At(span, "unknown anchor".to_owned())),
        };
        let (nodes, events, height, merge_key) = (
            anchored.nodes,
            anchored.events,
            anchored.height,
            anchored.merge_key,
        );
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > self.limits.nodes {
            return Err(too_large(span, "nodes", self.limits.nodes));
        }
        // The alias event itself is counted already.
        self.events = self.events.saturating_add(events);
        if self.events > self.limits.events {
            return Err(too_large(span, "events", self.limits.events));
        }
        self.replayed = self.replayed.saturating_add(events);
        if self.replayed > self.limits.replayed {
            return Err(too_large(
                span,
                "events copied through aliases",
                self.limits.replayed,
            ));
        }
        if self.stack.len() + height > self.limits.depth {
            return Err(Failure::At(
                span,
                format!("collections nested more than {} deep", self.limits.depth),
            ));
        }
        let mut node = anchored.node.clone();
        let bytes = scalar_bytes(&node);
        self.count_scalar_bytes(bytes, span)?;
        relocate(&mut node, span, self.text);
        self.add(node, merge_key, height)
    }

    /// Adds a finished node to the open collection (or makes it the root).
    fn add(&mut self, node: Node, merge_key: bool, height: usize) -> Result<(), Failure> {
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        frame.height = frame.height.max(height);
        match &mut frame.kind {
            FrameKind::Seq(items) => items.push(node),
            FrameKind::Map {
                entries,
                key,
                merges,
            } => match key.take() {
                None => *key = Some((node, merge_key)),
                Some((_, true)) => merge_source(node, merges, self.text)?,
                Some((k, false)) => entries.push((k, node)),
            },
        }
        Ok(())
    }
}

fn too_large(span: Span, what: &str, limit: usize) -> Failure {
    Failure::At(
        span,
        format!(
            "the document is too large or expands (through aliases) to more than {limit} {what}"
        ),
    )
}

fn unsupported_tag(tag: Option<&Tag>, span: Span) -> Failure {
    let tag = tag.map(Tag::original).unwrap_or_default();
    Failure::At(
        span,
        format!("unsupported tag `{tag}`: specs use only the YAML core tags (`!!str`, `!!int`, …)"),
    )
}

/// The entries a merge key's value brings: a mapping's, a list of mappings'
/// (in order), or none for null. Like an alias's copy, they are located
/// where they are used: at the merge value (each list item's for a list),
/// except for what an alias put there, which stays at the alias.
fn merge_source(value: Node, merges: &mut Vec<(Node, Node)>, text: &str) -> Result<(), Failure> {
    merge_items(value, None, merges, text)
}

fn merge_items(
    value: Node,
    at: Option<Span>,
    merges: &mut Vec<(Node, Node)>,
    text: &str,
) -> Result<(), Failure> {
    match value.kind {
        NodeKind::Null => Ok(()),
        NodeKind::Map(entries) => {
            let span = at.unwrap_or(value.span);
            merges.extend(entries.into_iter().map(|(mut k, mut v)| {
                relocate_merged(&mut k, span, text);
                relocate_merged(&mut v, span, text);
                (k, v)
            }));
            Ok(())
        }
        NodeKind::Seq(items) => items.into_iter().try_for_each(|item| {
            let span = at.unwrap_or(item.span);
            merge_items(item, Some(span), merges, text)
        }),
        _ => Err(Failure::At(
            value.span,
            "YAML merge value must be mapping or sequence of mappings".to_owned(),
        )),
    }
}

/// Appends merged entries whose keys the mapping does not have yet (explicit
/// keys win over merged ones, earlier merges over later ones).
fn apply_merges(entries: &mut Vec<(Node, Node)>, merges: Vec<(Node, Node)>) {
    if merges.is_empty() {
        return;
    }
    let mut seen: Vec<KeyIdentity> = entries.iter().map(|(k, _)| KeyIdentity::of(k)).collect();
    for (key, value) in merges {
        let identity = KeyIdentity::of(&key);
        if !seen.contains(&identity) {
            seen.push(identity);
            entries.push((key, value));
        }
    }
}

/// What makes two keys the same for merging.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum KeyIdentity {
    Null,
    Bool(bool),
    Int(i128),
    Float(u64),
    Str(String),
    Seq(Vec<KeyIdentity>),
    Map(Vec<(KeyIdentity, KeyIdentity)>),
}

impl KeyIdentity {
    fn of(node: &Node) -> Self {
        match &node.kind {
            NodeKind::Null => KeyIdentity::Null,
            NodeKind::Bool(b) => KeyIdentity::Bool(*b),
            NodeKind::Int(i) => KeyIdentity::Int(*i),
            NodeKind::Float(f) => KeyIdentity::Float(f.to_bits()),
            NodeKind::Str(s) => KeyIdentity::Str(s.clone()),
            NodeKind::Seq(items) => KeyIdentity::Seq(items.iter().map(KeyIdentity::of).collect()),
            NodeKind::Map(entries) => {
                let mut entries: Vec<_> = entries
                    .iter()
                    .map(|(k, v)| (KeyIdentity::of(k), KeyIdentity::of(v)))
                    .collect();
                entries.sort();
                KeyIdentity::Map(entries)
            }
        }
    }
}

/// The scalar text bytes in a tree (what an alias copy adds).
fn scalar_bytes(node: &Node) -> usize {
    match &node.kind {
        NodeKind::Str(s) => s.len(),
        NodeKind::Seq(items) => items.iter().map(scalar_bytes).sum(),
        NodeKind::Map(entries) => entries
            .iter()
            .map(|(k, v)| scalar_bytes(k) + scalar_bytes(v))
            .sum(),
        _ => 0,
    }
}

/// Locates every node of an alias's copy at the alias (as serde-saphyr
/// did: the use site, where a problem in the copy should be reported).
fn relocate(node: &mut Node, span: Span, text: &str) {
    node.span = span;
    node.written = written(&node.kind, span, text);
    match &mut node.kind {
        NodeKind::Seq(items) => items.iter_mut().for_each(|n| relocate(n, span, text)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            relocate(k, span, text);
            relocate(v, span, text);
        }),
        _ => {}
    }
}

/// [`relocate`] for merged entries, leaving alias copies (located at their
/// `*name`) where they are.
fn relocate_merged(node: &mut Node, span: Span, text: &str) {
    let from_alias = node.span.start < node.span.end
        && text
            .get(node.span.start..node.span.end)
            .is_some_and(|t| t.starts_with('*'));
    if from_alias {
        return;
    }
    node.span = span;
    node.written = written(&node.kind, span, text);
    match &mut node.kind {
        NodeKind::Seq(items) => items
            .iter_mut()
            .for_each(|n| relocate_merged(n, span, text)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            relocate_merged(k, span, text);
            relocate_merged(v, span, text);
        }),
        _ => {}
    }
}

/// A float's text as written (see [`Node::written`]).
fn written(kind: &NodeKind, span: Span, text: &str) -> Option<String> {
    match kind {
        NodeKind::Float(_) => text
            .get(span.start..span.end)
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_owned),
        _ => None,
    }
}

/// The byte span of a parser span.
fn span_of(span: &YamlSpan, text: &str) -> Span {
    match (span.start.byte_offset(), span.end.byte_offset()) {
        (Some(start), Some(end)) => {
            let len = end.saturating_sub(start);
            let start = start.min(text.len());
            Span::new(start, start.saturating_add(len).min(text.len()))
        }
        _ => point_of(&span.start, text),
    }
}

/// The point span of a marker, from its line and column (in characters).
fn point_of(marker: &Marker, text: &str) -> Span {
    offset_of_line_col(text, marker.line() as u64, marker.col() as u64 + 1)
}

/// Converts a 1-based line and column into a byte offset (a point span).
pub(crate) fn offset_of_line_col(text: &str, line: u64, column: u64) -> Span {
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

/// The first tab in the indentation of a line with content.
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

// ---------------------------------------------------------------------------
// Tags and scalar resolution, as serde-saphyr 2.1 does them for an untyped
// (`deserialize_any`) target with its default options (YAML 1.1 booleans,
// no legacy octal, non-finite floats rejected).

const YAML_NAMESPACE: &str = "tag:yaml.org,2002:";

/// The shape a tag requires.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum NodeShape {
    Scalar,
    Sequence,
    Mapping,
}

/// What a node's tag means (serde-saphyr's `SfTag`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum TagKind {
    None,
    Int,
    Float,
    Bool,
    Null,
    Seq,
    Map,
    TimeStamp,
    Time,
    Binary,
    Str,
    Merge,
    Value,
    NonSpecific,
    Include,
    Degrees,
    Radians,
    Other,
}

impl TagKind {
    fn of(tag: Option<&Tag>) -> Self {
        let Some(tag) = tag else {
            return TagKind::None;
        };
        for prefix in [
            "!include",
            "tag:yaml.org,2002:include",
            "tag:yaml.org,2002:!include",
        ] {
            if let Some(rest) = tag.suffix_in_namespace(prefix)
                && (rest.is_empty() || rest.starts_with('#'))
            {
                return TagKind::Include;
            }
        }
        if let Some(core) = tag.core_suffix().and_then(TagKind::core) {
            return core;
        }
        if let Some(suffix) = tag.suffix_in_namespace(YAML_NAMESPACE) {
            match suffix.as_ref() {
                "merge" => return TagKind::Merge,
                "value" => return TagKind::Value,
                name => return TagKind::named(name.strip_prefix('!').unwrap_or(name)),
            }
        }
        let Some(suffix) = tag.suffix_in_namespace("!") else {
            return TagKind::Other;
        };
        match suffix.as_ref() {
            "" | "!" => TagKind::NonSpecific,
            "!timestamp" => TagKind::TimeStamp,
            "!binary" => TagKind::Binary,
            name => match name.strip_prefix('!') {
                Some(name) => TagKind::core(name).unwrap_or(TagKind::Other),
                None => TagKind::named(name),
            },
        }
    }

    fn core(suffix: &str) -> Option<Self> {
        Some(match suffix {
            "null" => TagKind::Null,
            "bool" => TagKind::Bool,
            "int" => TagKind::Int,
            "float" => TagKind::Float,
            "map" => TagKind::Map,
            "seq" => TagKind::Seq,
            "str" => TagKind::Str,
            _ => return None,
        })
    }

    fn named(name: &str) -> Self {
        match name {
            "int" => TagKind::Int,
            "float" => TagKind::Float,
            "bool" => TagKind::Bool,
            "null" => TagKind::Null,
            "seq" => TagKind::Seq,
            "map" => TagKind::Map,
            "str" => TagKind::Str,
            "timestamp" => TagKind::TimeStamp,
            "time" => TagKind::Time,
            "binary" => TagKind::Binary,
            "include" => TagKind::Include,
            "degrees" => TagKind::Degrees,
            "radians" => TagKind::Radians,
            _ => TagKind::Other,
        }
    }

    fn requires(self) -> Option<NodeShape> {
        match self {
            TagKind::Seq => Some(NodeShape::Sequence),
            TagKind::Map => Some(NodeShape::Mapping),
            TagKind::None | TagKind::NonSpecific | TagKind::Other => None,
            _ => Some(NodeShape::Scalar),
        }
    }

    /// Whether a spec may use the tag: only the core schema's (`!!str`,
    /// `!!int`, …) and the non-specific `!`. Custom tags (`!evil`) would
    /// otherwise be ignored and `!!binary` decoded: a catalog means what it
    /// shows, so both are errors (serde-saphyr accepts them).
    fn allowed(self) -> bool {
        self.is_core() || matches!(self, TagKind::None | TagKind::NonSpecific)
    }

    fn forces_string(self) -> bool {
        matches!(self, TagKind::Str | TagKind::NonSpecific)
    }

    fn can_be_string(self) -> bool {
        matches!(
            self,
            TagKind::None
                | TagKind::Str
                | TagKind::Merge
                | TagKind::Value
                | TagKind::Other
                | TagKind::Include
                | TagKind::NonSpecific
        )
    }

    fn is_core(self) -> bool {
        matches!(
            self,
            TagKind::Int
                | TagKind::Float
                | TagKind::Bool
                | TagKind::Null
                | TagKind::Seq
                | TagKind::Map
                | TagKind::Str
        )
    }
}

/// The value of a scalar: explicit core tags first, then (for plain,
/// untagged scalars) null, YAML 1.1 booleans, integers and floats, else a
/// string. Quoted and block scalars are strings unless tagged.
fn resolve_scalar(
    value: Cow<'_, str>,
    style: ScalarStyle,
    tag: TagKind,
) -> Result<NodeKind, String> {
    match tag {
        TagKind::Null => return Ok(NodeKind::Null),
        TagKind::Bool => {
            return yaml11_bool(&value)
                .map(NodeKind::Bool)
                .ok_or_else(|| "invalid boolean".to_owned());
        }
        TagKind::Int => {
            let t = yaml_trim(&value);
            let parsed = if t.starts_with('-') {
                parse_int(t)
                    .and_then(|i| i64::try_from(i).ok())
                    .map(i128::from)
            } else {
                parse_int(t)
                    .and_then(|i| u64::try_from(i).ok())
                    .map(i128::from)
            };
            let ty = if t.starts_with('-') { "i64" } else { "u64" };
            return parsed
                .map(NodeKind::Int)
                .ok_or_else(|| format!("invalid {ty}"));
        }
        TagKind::Float => {
            let f = parse_float(&value).ok_or_else(|| "invalid floating point".to_owned())?;
            return finite(f, &value);
        }
        TagKind::Time | TagKind::Degrees | TagKind::Radians => {
            return Err("invalid floating point".to_owned());
        }
        _ => {}
    }
    let plain = style == ScalarStyle::Plain;
    let null_like = plain && matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL");
    if null_like
        && !tag.is_core()
        && !tag.forces_string()
        && !matches!(tag, TagKind::Binary | TagKind::TimeStamp)
    {
        return Ok(NodeKind::Null);
    }
    if !plain || !tag.can_be_string() || tag.forces_string() {
        if tag == TagKind::Binary {
            return decode_binary(&value).map(NodeKind::Str);
        }
        if !tag.can_be_string() {
            return Err("cannot deserialize tagged scalar into string".to_owned());
        }
        return Ok(NodeKind::Str(value.into_owned()));
    }
    // Most plain scalars are words. One that starts with a letter no
    // boolean, null or number starts with is a string: decided here, before
    // trying each of them (`catalog!` resolves every scalar of a spec, in a
    // dev build unoptimised).
    if value
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic() && !b"tTfFyYnNoO".contains(b))
    {
        return Ok(NodeKind::Str(value.into_owned()));
    }
    if let Some(b) = yaml11_bool(&value) {
        return Ok(NodeKind::Bool(b));
    }
    let t = yaml_trim(&value);
    if t.starts_with('-') {
        if !leading_zero_decimal(t)
            && let Some(i) = parse_int(t).and_then(|i| i64::try_from(i).ok())
        {
            return Ok(NodeKind::Int(i.into()));
        }
    } else if let Some(i) = parse_int(t).and_then(|i| u64::try_from(i).ok()) {
        return Ok(NodeKind::Int(i.into()));
    }
    if let Some(f) = parse_float(&value) {
        return finite(f, &value);
    }
    Ok(NodeKind::Str(value.into_owned()))
}

fn finite(f: f64, written: &str) -> Result<NodeKind, String> {
    if f.is_finite() {
        Ok(NodeKind::Float(f))
    } else {
        Err(format!("value `{written}` is not a finite number"))
    }
}

/// Padding accepted around a scalar's value.
fn yaml_trim(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

fn yaml11_bool(s: &str) -> Option<bool> {
    let t = yaml_trim(s);
    let is = |words: [&str; 4]| words.iter().any(|w| t.eq_ignore_ascii_case(w));
    if is(["true", "yes", "y", "on"]) {
        Some(true)
    } else if is(["false", "no", "n", "off"]) {
        Some(false)
    } else {
        None
    }
}

/// `0127`, `-0127`: a decimal with a redundant leading zero.
fn leading_zero_decimal(t: &str) -> bool {
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

/// An integer (already trimmed): optional sign, then decimal (no leading
/// zero), `0x`, `0o` or `0b` digits, single underscores between digits.
fn parse_int(t: &str) -> Option<i128> {
    let (negative, rest) = match t.strip_prefix('+') {
        Some(rest) => (false, rest),
        None => match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        },
    };
    let (radix, digits) =
        if let Some(d) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
            (16, d)
        } else if let Some(d) = rest.strip_prefix("0o").or_else(|| rest.strip_prefix("0O")) {
            (8, d)
        } else if let Some(d) = rest.strip_prefix("0b").or_else(|| rest.strip_prefix("0B")) {
            (2, d)
        } else {
            if rest.starts_with('0') && rest != "0" {
                return None;
            }
            (10, rest)
        };
    let magnitude = parse_digits(digits, radix)?;
    if negative {
        if magnitude == i128::MAX as u128 + 1 {
            Some(i128::MIN)
        } else {
            i128::try_from(magnitude).ok().map(|m| -m)
        }
    } else {
        i128::try_from(magnitude).ok()
    }
}

fn parse_digits(digits: &str, radix: u32) -> Option<u128> {
    let bytes = digits.as_bytes();
    let mut value: u128 = 0;
    let mut any = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let between =
                i > 0 && bytes[i - 1] != b'_' && bytes.get(i + 1).is_some_and(|&n| n != b'_');
            if !between {
                return None;
            }
            continue;
        }
        let digit = char::from(b).to_digit(radix)?;
        value = value
            .checked_mul(u128::from(radix))?
            .checked_add(u128::from(digit))?;
        any = true;
    }
    any.then_some(value)
}

/// A float: `.inf`, `-.inf`, `.nan` (in their three spellings), what Rust
/// parses as a finite `f64`, or a numeral too large for one (infinite).
fn parse_float(s: &str) -> Option<f64> {
    let t = yaml_trim(s);
    let (negative, unsigned) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    match unsigned {
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        ".inf" | ".Inf" | ".INF" => {
            return Some(if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        _ => {}
    }
    let parsed = t.parse::<f64>().ok()?;
    if parsed.is_finite() {
        return Some(parsed);
    }
    let numeral = t
        .strip_prefix(['+', '-'])
        .unwrap_or(t)
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_digit);
    (numeral && parsed.is_infinite()).then_some(parsed)
}

/// A `!!binary` scalar: base64 (whitespace allowed) of UTF-8 text.
fn decode_binary(s: &str) -> Result<String, String> {
    let invalid = || "invalid !!binary base64".to_owned();
    let cleaned: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !cleaned.len().is_multiple_of(4) {
        return Err(invalid());
    }
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let chunks = cleaned.chunks_exact(4);
    let count = chunks.len();
    let mut out = Vec::with_capacity(count * 3);
    for (i, chunk) in chunks.enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && i + 1 != count) {
            return Err(invalid());
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = (n << 6) | value(c).ok_or_else(invalid)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    String::from_utf8(out).map_err(|_| {
        "!!binary scalar is not valid UTF-8 so cannot be stored into string".to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_grow_with_the_text() {
        let short = Limits::for_len(10_000);
        assert_eq!((short.nodes, short.events), (250_000, 1_000_000));
        // A 50k-code catalog is about 8 MB with about 350k nodes.
        let large = Limits::for_len(8_000_000);
        assert!(large.nodes >= 350_000 && large.events >= 1_000_000);
        assert_eq!(large.aliases, short.aliases);
    }

    #[test]
    fn an_alias_bomb_stops() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
        }
        let err = parse(&text).expect_err("a billion laughs");
        assert!(err.message.contains("too large"), "{}", err.message);
    }

    #[test]
    fn scalars_resolve_as_serde_saphyr_does() {
        let kind = |s: &str| resolve_scalar(Cow::Borrowed(s), ScalarStyle::Plain, TagKind::None);
        assert_eq!(kind("~"), Ok(NodeKind::Null));
        assert_eq!(kind("yes"), Ok(NodeKind::Bool(true)));
        assert_eq!(kind("0x1F"), Ok(NodeKind::Int(31)));
        assert_eq!(kind("0o17"), Ok(NodeKind::Int(15)));
        assert_eq!(kind("1_000"), Ok(NodeKind::Int(1000)));
        assert_eq!(kind("0127"), Ok(NodeKind::Float(127.0)));
        assert_eq!(kind("-0127"), Ok(NodeKind::Float(-127.0)));
        assert_eq!(
            kind("18446744073709551615"),
            Ok(NodeKind::Int(u64::MAX.into()))
        );
        assert_eq!(
            kind("18446744073709551616"),
            Ok(NodeKind::Float(18446744073709551616.0))
        );
        assert_eq!(kind("1e5"), Ok(NodeKind::Float(100000.0)));
        assert_eq!(kind("inf"), Ok(NodeKind::Str("inf".into())));
        assert!(kind(".inf").is_err());
        assert!(kind("1e999").is_err());
        let tagged = |s: &str, t| resolve_scalar(Cow::Borrowed(s), ScalarStyle::DoubleQuoted, t);
        assert_eq!(tagged("12", TagKind::Int), Ok(NodeKind::Int(12)));
        assert_eq!(
            tagged("aGk=", TagKind::Binary),
            Ok(NodeKind::Str("hi".into()))
        );
        assert!(tagged("x", TagKind::Int).is_err());
    }
}
