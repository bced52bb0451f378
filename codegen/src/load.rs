//! Stage 1: YAML text → [`Spec`], accumulating every structural problem.
//!
//! Unknown keys (with "did you mean"), wrong value types, duplicate keys and
//! missing required keys are all reported in one pass, each located. Values
//! are only checked for shape here; what they mean is [`crate::model`]'s job.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::node::{self, Node, NodeKind};
use crate::source::{Located, Span};
use crate::spec::{
    ApiSpec, BatchSpec, BodySpec, CodeLocationSpec, CodeSpec, DelayItemSpec, DelaySpec,
    ExampleBody, ExampleExpectSpec, ExampleResponseSpec, ExampleSpec, ExpectedBatchFailure,
    ExtraSpec, FieldErrorsSpec, HeadersSpec, IdempotencySpec, ItemWhereSpec, Keyed, LimitSpec,
    RateLimitSpec, RuleSpec, SourceSpec, Spec, StatusSpec, SuccessSpec, TestSpec, Text,
    ValueSourceSpec, WhenSpec,
};

/// Parses and loads a spec file. Returns what could be loaded (entries with
/// errors left out; `None` when not even the top level could) and every
/// diagnostic found.
pub fn load(text: &str) -> (Option<Spec>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let root = match node::parse(text) {
        Ok(root) => root,
        Err(d) => {
            diags.push(d);
            return (None, diags);
        }
    };
    // Entries with errors are dropped from the spec, so the later stages
    // can still run over the rest and report their problems too.
    let spec = load_spec(&root, &mut diags);
    (spec, diags)
}

/// Which mapping of the language is being read, for messages and hints.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Catalog,
    Api,
    Body,
    CodeLocation,
    ValueSource,
    Extra,
    FieldErrors,
    Headers,
    RateLimit,
    Idempotency,
    Limit,
    Status,
    Code,
    Rule,
    When,
    Test,
    HeaderTest,
    FieldTest,
    Delay,
    DelayItem,
    ItemWhere,
    Source,
    Example,
    ExampleResponse,
    ExampleExpect,
    ExampleFieldError,
    ExampleBatchFailure,
    Success,
    Batch,
}

impl Kind {
    fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::Catalog => SPEC_KEYS,
            Kind::Api => API_KEYS,
            Kind::Body => BODY_KEYS,
            Kind::CodeLocation => CODE_LOCATION_KEYS,
            Kind::ValueSource => VALUE_SOURCE_KEYS,
            Kind::Extra => EXTRA_KEYS,
            Kind::FieldErrors => FIELD_ERRORS_KEYS,
            Kind::Headers => HEADERS_KEYS,
            Kind::RateLimit => RATE_LIMIT_KEYS,
            Kind::Idempotency => IDEMPOTENCY_KEYS,
            Kind::Limit => LIMIT_KEYS,
            Kind::Status => STATUS_KEYS,
            Kind::Code => CODE_KEYS,
            Kind::Rule => RULE_KEYS,
            Kind::When => WHEN_KEYS,
            Kind::Test => TEST_KEYS,
            Kind::HeaderTest => HEADER_TEST_KEYS,
            Kind::FieldTest => FIELD_TEST_KEYS,
            Kind::Delay => DELAY_KEYS,
            Kind::DelayItem => DELAY_ITEM_KEYS,
            Kind::ItemWhere => ITEM_WHERE_KEYS,
            Kind::Source => SOURCE_KEYS,
            Kind::Example => EXAMPLE_KEYS,
            Kind::ExampleResponse => EXAMPLE_RESPONSE_KEYS,
            Kind::ExampleExpect => EXAMPLE_EXPECT_KEYS,
            Kind::ExampleFieldError => EXAMPLE_FIELD_ERROR_KEYS,
            Kind::ExampleBatchFailure => EXAMPLE_BATCH_FAILURE_KEYS,
            Kind::Success => SUCCESS_KEYS,
            Kind::Batch => BATCH_KEYS,
        }
    }

    /// Help for a key that belongs to another mapping: the most common
    /// slip is a table written one level too high or too low.
    fn misplaced(self, key: &str) -> Option<String> {
        let body = BODY_KEYS.contains(&key);
        let headers = HEADERS_KEYS.contains(&key);
        match self {
            Kind::Catalog if API_KEYS.contains(&key) => Some(format!(
                "`{key}` belongs to an API: write it under `apis`, e.g. `apis: {{ api: {{ {key}: … }} }}`"
            )),
            Kind::Api if body && headers => Some(format!(
                "`{key}` goes under `body` (a JSON pointer) or `headers` (a header name)"
            )),
            Kind::Api if body => Some(format!("`{key}` goes under `body`")),
            Kind::Api if headers => Some(format!("`{key}` goes under `headers`")),
            Kind::Api if RATE_LIMIT_KEYS.contains(&key) => {
                Some(format!("`{key}` goes under `headers.rate_limit`"))
            }
            Kind::Api if matches!(key, "requests" | "per" | "scope") => Some(format!(
                "`{key}` belongs to a documented limit: `limits: [{{ requests: 10, per: 1s }}]`"
            )),
            Kind::Api if SPEC_KEYS.contains(&key) => Some(format!(
                "`{key}` describes the provider: write it at the top level of the file"
            )),
            Kind::Api | Kind::Catalog if key == "header" => {
                Some("write the idempotency-key header as `idempotency: { header: … }`".into())
            }
            Kind::Body if headers => Some(format!("`{key}` goes under the API's `headers`")),
            Kind::Body if key == "pointer" || key == "type" => Some(format!(
                "`{key}` goes under `code`, e.g. `code: {{ pointer: /error/code }}`"
            )),
            Kind::Headers if RATE_LIMIT_KEYS.contains(&key) => {
                Some(format!("`{key}` goes under `rate_limit`"))
            }
            Kind::Status if key == "description" => {
                Some("a status row takes `meaning` (a code row takes `description`)".into())
            }
            Kind::Status if key == "status" => {
                Some("statuses are the keys of `statuses`; a code row takes `status`".into())
            }
            Kind::Code if key == "meaning" => {
                Some("a code row takes `description` (a status row takes `meaning`)".into())
            }
            Kind::Example if EXAMPLE_RESPONSE_KEYS.contains(&key) => Some(format!(
                "`{key}` goes under `response`, e.g. `response: {{ {key}: … }}`"
            )),
            Kind::Example if EXAMPLE_EXPECT_KEYS.contains(&key) => Some(format!(
                "`{key}` goes under `expect`, e.g. `expect: {{ {key}: … }}`"
            )),
            Kind::Catalog | Kind::Api | Kind::Status | Kind::Code if key == "sources" => Some(
                "list sources at the top level (`sources: { name: { url, kind } }`); a status, code or example cites one with `source: name`".into(),
            ),
            Kind::Code if key == "statuses" => {
                Some("write several statuses as a list: `status: [400, 422]`".into())
            }
            _ => None,
        }
    }
}

/// Reads one YAML mapping: checks its keys against the allowed ones,
/// reports duplicates and unknown keys, and hands out values by key.
struct MapReader<'n> {
    entries: Vec<(&'n Node, &'n Node)>,
    /// Keys suggested for misspelt ones: not reported missing as well.
    suggested: Vec<&'static str>,
    /// Names the mapping in messages: "status `404`", "`body`", "the catalog".
    what: String,
    /// Where a missing key is reported: the key that owns the mapping.
    owner: Span,
}

impl<'n> MapReader<'n> {
    fn new(
        node: &'n Node,
        kind: Kind,
        what: impl Into<String>,
        owner: Span,
        diags: &mut Diagnostics,
    ) -> Option<Self> {
        let what = what.into();
        let keys = kind.keys();
        let entries = match &node.kind {
            NodeKind::Map(entries) => entries.as_slice(),
            // `body:` with nothing after it: an empty mapping.
            NodeKind::Null => &[],
            other => {
                let d = Diagnostic::error(
                    node.span,
                    format!("expected a mapping for {what}, found {}", other.describe()),
                )
                .with_label("expected a mapping");
                diags.push(match (kind, other) {
                    (Kind::CodeLocation, NodeKind::Str(s)) => d.with_help(format!(
                        "say where the code is: `code: {{ pointer: {s} }}` in the body, or `code: {{ header: … }}`"
                    )),
                    _ => d.with_plain_note(format!("{what} takes: {}", keys.join(", "))),
                });
                return None;
            }
        };
        let mut kept: Vec<(&Node, &Node)> = Vec::new();
        let mut suggested = Vec::new();
        for (k, v) in entries {
            let Some(name) = k.scalar_text() else {
                diags.push(
                    Diagnostic::error(
                        k.span,
                        format!("keys of {what} must be names, found {}", k.kind.describe()),
                    )
                    .with_label("expected a name")
                    .with_plain_note(format!("{what} takes: {}", keys.join(", "))),
                );
                continue;
            };
            if !keys.contains(&name.as_str()) {
                let mut d = Diagnostic::error(
                    k.span,
                    format!("{} in {what}", unknown_message("key", &name)),
                )
                .with_label("unknown key");
                if let Some(s) = did_you_mean(&name, keys) {
                    d = d.with_help(did_you_mean_help(s));
                    suggested.push(s);
                } else if let Some(help) = kind.misplaced(&name) {
                    d = d.with_help(help);
                } else {
                    d = d.with_plain_note(format!("{what} takes: {}", keys.join(", ")));
                }
                diags.push(d);
                continue;
            }
            if let Some((first, _)) = kept
                .iter()
                .find(|(fk, _)| fk.scalar_text().as_deref() == Some(&name))
            {
                diags.push(
                    Diagnostic::error(k.span, format!("duplicate key `{name}` in {what}"))
                        .with_label("defined again here")
                        .with_note(first.span, format!("`{name}` first defined here")),
                );
                continue;
            }
            kept.push((k, v));
        }
        Some(MapReader {
            entries: kept,
            suggested,
            what,
            owner,
        })
    }

    /// The key and value of an entry.
    fn entry(&self, key: &str) -> Option<(&'n Node, &'n Node)> {
        self.entries
            .iter()
            .find(|(k, _)| k.scalar_text().as_deref() == Some(key))
            .copied()
    }

    fn get(&self, key: &str) -> Option<&'n Node> {
        self.entry(key).map(|(_, v)| v)
    }

    fn str(&self, key: &str, diags: &mut Diagnostics) -> Option<Text> {
        self.get(key).and_then(|n| expect_str(n, key, diags))
    }

    /// Reports, in one diagnostic at the owning key, every required key
    /// that is absent. (Keys present with a wrong value are reported where
    /// they are read.)
    fn require(&self, keys: &[&str], diags: &mut Diagnostics) {
        let missing: Vec<String> = keys
            .iter()
            .filter(|k| self.get(k).is_none() && !self.suggested.contains(k))
            .map(|k| format!("`{k}`"))
            .collect();
        let (list, verb) = match missing.as_slice() {
            [] => return,
            [one] => (one.clone(), "is"),
            [init @ .., last] => (format!("{} and {last}", init.join(", ")), "are"),
        };
        let key = if missing.len() == 1 { "key" } else { "keys" };
        diags.push(
            Diagnostic::error(
                self.owner,
                format!("missing required {key} {list} in {}", self.what),
            )
            .with_label(format!("{list} {verb} missing")),
        );
    }
}

/// How every stage names something a spec or an attribute mentions that
/// does not exist: "unknown API `x`". The loader, the checks and the
/// macros all word it so.
pub fn unknown_message(what: &str, name: &str) -> String {
    format!("unknown {what} `{name}`")
}

/// The help for a typo of `candidate`: "did you mean `x`?".
pub fn did_you_mean_help(candidate: &str) -> String {
    format!("did you mean `{candidate}`?")
}

/// [`did_you_mean_help`] for the closest of `candidates`, if one is close
/// enough to be a typo of `name` (see [`did_you_mean`]).
pub fn suggestion(name: &str, candidates: &[&str]) -> Option<String> {
    did_you_mean(name, candidates).map(did_you_mean_help)
}

/// The closest candidate, if it is close enough to be a typo: case is
/// ignored (`4XX` → `4xx`), a prefix counts (`int` → `integer`), and
/// otherwise at most a third of the letters may differ, a swap of two
/// neighbours counting as one (`sned` → `send`; `milliseconds` is not a
/// typo of `seconds`).
pub fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_lowercase();
    if let Some(exact) = candidates.iter().find(|c| c.to_lowercase() == lower) {
        return Some(exact);
    }
    candidates
        .iter()
        .filter_map(|c| {
            let candidate = c.to_lowercase();
            let close = strsim::osa_distance(&lower, &candidate)
                <= (lower.chars().count().max(candidate.chars().count()) / 3).max(1);
            let prefix = lower.len() >= 2 && candidate.starts_with(&lower);
            (close || prefix).then(|| (strsim::jaro_winkler(&lower, &candidate), *c))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn expect_str(n: &Node, key: &str, diags: &mut Diagnostics) -> Option<Text> {
    match &n.kind {
        NodeKind::Str(s) => Some(Located::new(s.clone(), n.span)),
        other => {
            let d = Diagnostic::error(
                n.span,
                format!("expected a string for `{key}`, found {}", other.describe()),
            )
            .with_label("expected a string");
            let d = match (other, n.scalar_text()) {
                (NodeKind::Null, _) => d.with_help(format!("give `{key}` a value, or remove it")),
                (_, Some(text)) => {
                    d.with_help(format!("quote it to make it a string: `{key}: \"{text}\"`"))
                }
                (_, None) => d,
            };
            diags.push(d);
            None
        }
    }
}

/// Reads a mapping whose keys are data (API names, statuses, codes),
/// reporting duplicate keys with a note at the first. `item` gets the key
/// as text, the key node and the value node.
fn keyed<'n, T>(
    node: &'n Node,
    what: &str,
    diags: &mut Diagnostics,
    mut item: impl FnMut(&Text, &'n Node, &'n Node, &mut Diagnostics) -> Option<T>,
) -> Keyed<T> {
    let mut out: Keyed<T> = Vec::new();
    let entries = match &node.kind {
        NodeKind::Map(entries) => entries,
        NodeKind::Null => return out,
        other => {
            diags.push(
                Diagnostic::error(
                    node.span,
                    format!(
                        "expected a mapping for `{what}`, found {}",
                        other.describe()
                    ),
                )
                .with_label("expected a mapping"),
            );
            return out;
        }
    };
    // Where each key was first defined: a map, so that a catalog of tens of
    // thousands of codes loads in linear time.
    let mut seen: HashMap<String, Span> = HashMap::with_capacity(entries.len());
    for (k, v) in entries {
        let Some(name) = k.scalar_text() else {
            diags.push(
                Diagnostic::error(
                    k.span,
                    format!(
                        "keys of `{what}` must be scalars, found {}",
                        k.kind.describe()
                    ),
                )
                .with_label("expected a scalar key"),
            );
            continue;
        };
        let key = Located::new(name, k.span);
        if let Some(&first) = seen.get(&key.value) {
            diags.push(
                Diagnostic::error(
                    key.span,
                    format!("duplicate {} `{}`", singular(what), key.value),
                )
                .with_label("defined again here")
                .with_note(first, format!("`{}` first defined here", key.value)),
            );
            continue;
        }
        seen.insert(key.value.clone(), key.span);
        if let Some(t) = item(&key, k, v, diags) {
            out.push((key, t));
        }
    }
    out
}

fn singular(what: &str) -> &str {
    match what {
        "apis" => "API",
        "statuses" => "status",
        "codes" => "code",
        "defaults" => "default",
        other => other,
    }
}

const SPEC_KEYS: &[&str] = &[
    "provider",
    "title",
    "docs_url",
    "as_of",
    "description",
    "sources",
    "default_api",
    "apis",
];
const API_KEYS: &[&str] = &[
    "title",
    "description",
    "docs_url",
    "body",
    "headers",
    "idempotency",
    "defaults",
    "statuses",
    "codes",
    "rules",
    "delays",
    "min_delay",
    "limits",
    "success",
    "batch",
    "examples",
];
const BODY_KEYS: &[&str] = &[
    "content_type",
    "when",
    "format",
    "errors",
    "code",
    "message",
    "request_id",
    "field_errors",
    "extras",
];
const CODE_LOCATION_KEYS: &[&str] = &[
    "pointer",
    "header",
    "from",
    "drop_after",
    "drop_through",
    "type",
];
const VALUE_SOURCE_KEYS: &[&str] = &["pointer", "header"];
const EXTRA_KEYS: &[&str] = &["pointer", "type"];
const FIELD_ERRORS_KEYS: &[&str] = &["items", "field", "message", "map", "leaf"];
const HEADERS_KEYS: &[&str] = &["retry_after", "request_id", "rate_limit", "should_retry"];
const RATE_LIMIT_KEYS: &[&str] = &["name", "limit", "remaining", "reset", "reset_unit"];
const IDEMPOTENCY_KEYS: &[&str] = &["header", "body", "max_length", "format"];
const LIMIT_KEYS: &[&str] = &["requests", "per", "scope", "source"];
const STATUS_KEYS: &[&str] = &["meaning", "retry", "hint", "source"];
const CODE_KEYS: &[&str] = &[
    "status",
    "description",
    "retry",
    "hint",
    "variant",
    "source",
];
const SOURCE_KEYS: &[&str] = &["url", "kind", "note"];
const EXAMPLE_KEYS: &[&str] = &["name", "source", "now", "response", "expect"];
const EXAMPLE_RESPONSE_KEYS: &[&str] = &["status", "headers", "body"];
const EXAMPLE_EXPECT_KEYS: &[&str] = &[
    "code",
    "retry",
    "delay",
    "message",
    "request_id",
    "field_errors",
    "decided_by",
    "extras",
    "success",
    "batch_failures",
];
const EXAMPLE_FIELD_ERROR_KEYS: &[&str] = &["field", "message"];
const EXAMPLE_BATCH_FAILURE_KEYS: &[&str] = &["index", "code", "message", "retry"];
const SUCCESS_KEYS: &[&str] = &["failure_when", "source"];
const BATCH_KEYS: &[&str] = &[
    "items",
    "failed_when",
    "index",
    "code",
    "message",
    "retry",
    "source",
];
const RULE_KEYS: &[&str] = &["name", "when", "retry", "description", "source"];
const WHEN_KEYS: &[&str] = &["status", "code", "header", "field", "message"];
const TEST_KEYS: &[&str] = &["equals", "not_equals", "in", "present", "contains"];
const HEADER_TEST_KEYS: &[&str] = &["name", "equals", "not_equals", "in", "present", "contains"];
const FIELD_TEST_KEYS: &[&str] = &[
    "pointer",
    "equals",
    "not_equals",
    "in",
    "present",
    "contains",
];
const DELAY_KEYS: &[&str] = &[
    "header",
    "pointer",
    "item",
    "format",
    "param",
    "when_zero",
    "source",
];
const DELAY_ITEM_KEYS: &[&str] = &["where", "value"];
const ITEM_WHERE_KEYS: &[&str] = &["pointer", "equals"];

/// The keys each mapping of the spec language takes, by schema definition
/// name; a test checks them against `spec/schema.json`.
pub const KEYS: &[(&str, &[&str])] = &[
    ("Spec", SPEC_KEYS),
    ("ApiSpec", API_KEYS),
    ("BodySpec", BODY_KEYS),
    ("LayoutWhenSpec", &["field"]),
    ("CodeLocationSpec", CODE_LOCATION_KEYS),
    ("PointerSourceSpec", &["pointer"]),
    ("HeaderSourceSpec", &["header"]),
    ("ExtraSpec", EXTRA_KEYS),
    ("FieldErrorsSpec", FIELD_ERRORS_KEYS),
    ("HeadersSpec", HEADERS_KEYS),
    ("RateLimitSpec", RATE_LIMIT_KEYS),
    ("IdempotencySpec", IDEMPOTENCY_KEYS),
    ("LimitSpec", LIMIT_KEYS),
    ("StatusSpec", STATUS_KEYS),
    ("CodeSpec", CODE_KEYS),
    ("RuleSpec", RULE_KEYS),
    ("WhenSpec", WHEN_KEYS),
    ("TestSpec", TEST_KEYS),
    ("HeaderTestSpec", HEADER_TEST_KEYS),
    ("FieldTestSpec", FIELD_TEST_KEYS),
    ("DelaySpec", DELAY_KEYS),
    ("DelayItemSpec", DELAY_ITEM_KEYS),
    ("ItemWhereSpec", ITEM_WHERE_KEYS),
    ("SourceSpec", SOURCE_KEYS),
    ("ExampleSpec", EXAMPLE_KEYS),
    ("ExampleResponseSpec", EXAMPLE_RESPONSE_KEYS),
    ("ExampleExpectSpec", EXAMPLE_EXPECT_KEYS),
    ("ExampleFieldErrorSpec", EXAMPLE_FIELD_ERROR_KEYS),
    ("ExampleBatchFailureSpec", EXAMPLE_BATCH_FAILURE_KEYS),
    ("SuccessSpec", SUCCESS_KEYS),
    ("BatchSpec", BATCH_KEYS),
];

fn load_spec(root: &Node, diags: &mut Diagnostics) -> Option<Spec> {
    // An empty file, a file of comments, and `{}` are all "empty": one
    // error saying what a catalog needs beats four "missing key" errors.
    let empty = match &root.kind {
        NodeKind::Null => true,
        NodeKind::Map(entries) => entries.is_empty(),
        _ => false,
    };
    if empty {
        // A null root (empty file, only comments) has no useful position.
        let span = if root.kind == NodeKind::Null {
            Span::new(0, 0)
        } else {
            root.span
        };
        diags.push(
            Diagnostic::error(span, "the catalog is empty")
                .with_label("no catalog here")
                .with_help(
                    "a catalog needs `provider`, `title`, `as_of` and at least one API under `apis` (see spec/README.md)",
                ),
        );
        return None;
    }
    let m = MapReader::new(root, Kind::Catalog, "the catalog", root.span, diags)?;
    m.require(&["provider", "title", "as_of", "apis"], diags);
    let provider = m.str("provider", diags);
    let title = m.str("title", diags);
    let docs_url = m.str("docs_url", diags);
    let as_of = m.str("as_of", diags);
    let description = m.str("description", diags);
    let sources = m
        .get("sources")
        .map(|s| keyed(s, "sources", diags, load_source))
        .unwrap_or_default();
    let default_api = m.str("default_api", diags);
    let (apis, apis_span) = match m.entry("apis") {
        Some((k, n)) => {
            let listed = match &n.kind {
                NodeKind::Map(entries) => !entries.is_empty(),
                NodeKind::Null => false,
                _ => true, // a wrong type is reported by `keyed`
            };
            if !listed {
                diags.push(
                    Diagnostic::error(k.span, "the catalog is empty: `apis` lists no API")
                        .with_label("no API here")
                        .with_help(
                            "add an API under `apis`, e.g. `apis: { api: { statuses: … } }`",
                        ),
                );
            }
            (keyed(n, "apis", diags, load_api), k.span)
        }
        None => (Vec::new(), root.span),
    };
    Some(Spec {
        provider: provider?,
        title: title?,
        docs_url,
        as_of: as_of?,
        description,
        sources,
        default_api,
        apis,
        apis_span,
        span: root.span,
    })
}

fn load_api(name: &Text, _key: &Node, n: &Node, diags: &mut Diagnostics) -> Option<ApiSpec> {
    let m = MapReader::new(
        n,
        Kind::Api,
        format!("API `{}`", name.value),
        name.span,
        diags,
    )?;
    Some(ApiSpec {
        title: m.str("title", diags),
        description: m.str("description", diags),
        docs_url: m.str("docs_url", diags),
        body_list: m
            .get("body")
            .is_some_and(|b| matches!(b.kind, NodeKind::Seq(_))),
        body: m
            .entry("body")
            .map(|(k, b)| load_bodies(k, b, diags))
            .unwrap_or_default(),
        headers: m
            .entry("headers")
            .and_then(|(k, h)| load_headers(k, h, diags)),
        idempotency: m.entry("idempotency").and_then(|(k, i)| {
            let m = MapReader::new(i, Kind::Idempotency, "`idempotency`", k.span, diags)?;
            if m.get("header").is_none() && m.get("body").is_none() {
                diags.push(
                    Diagnostic::error(k.span, "`idempotency` needs a `header` or a `body`")
                        .with_label("where does the key go?")
                        .with_help("name the request header (`header: Idempotency-Key`) or a JSON body pointer (`body: /headers/idempotencyKey`)"),
                );
            }
            let (header, also_headers) = match m.get("header") {
                Some(h) if matches!(h.kind, NodeKind::Seq(_)) => {
                    let mut names: Vec<Text> = one_or_list(h, "`header`", "header", None, diags)
                        .iter()
                        .filter_map(|n| expect_str(n, "header", diags))
                        .collect();
                    if names.is_empty() {
                        (None, Vec::new())
                    } else {
                        let first = names.remove(0);
                        (Some(first), names)
                    }
                }
                _ => (m.str("header", diags), Vec::new()),
            };
            let max_length = m.get("max_length").and_then(|v| match v.kind {
                NodeKind::Int(n) => Some(Located::new(n, v.span)),
                ref other => {
                    diags.push(
                        Diagnostic::error(
                            v.span,
                            format!("expected a number of bytes for `max_length`, found {}", other.describe()),
                        )
                        .with_label("expected an integer such as 255"),
                    );
                    None
                }
            });
            Some(IdempotencySpec {
                header,
                also_headers,
                body: m.str("body", diags),
                max_length,
                format: m.str("format", diags),
                span: i.span,
            })
        }),
        defaults: m
            .get("defaults")
            .map(|d| {
                keyed(d, "defaults", diags, |k, _, v, d| {
                    expect_str(v, &k.value, d)
                })
            })
            .unwrap_or_default(),
        statuses: m
            .get("statuses")
            .map(|s| keyed(s, "statuses", diags, load_status))
            .unwrap_or_default(),
        codes: m
            .get("codes")
            .map(|c| keyed(c, "codes", diags, load_code))
            .unwrap_or_default(),
        rules: m
            .get("rules")
            .map(|r| list(r, "rules", diags, load_rule))
            .unwrap_or_default(),
        delays: m
            .get("delays")
            .map(|d| list(d, "delays", diags, load_delay))
            .unwrap_or_default(),
        min_delay: m.str("min_delay", diags),
        limits: m
            .get("limits")
            .map(|l| list(l, "limits", diags, load_limit))
            .unwrap_or_default(),
        success: m
            .entry("success")
            .and_then(|(k, v)| load_success(k, v, diags)),
        batch: m.entry("batch").and_then(|(k, v)| load_batch(k, v, diags)),
        examples: m
            .get("examples")
            .map(|e| load_examples(e, diags))
            .unwrap_or_default(),
        span: n.span,
    })
}

fn load_success(key: &Node, n: &Node, diags: &mut Diagnostics) -> Option<SuccessSpec> {
    let m = MapReader::new(n, Kind::Success, "`success`", key.span, diags)?;
    m.require(&["failure_when"], diags);
    Some(SuccessSpec {
        failure_when: m
            .entry("failure_when")
            .and_then(|(k, w)| load_when(k, w, diags)),
        source: load_source_refs(m.get("source"), diags),
        span: key.span,
    })
}

fn load_batch(key: &Node, n: &Node, diags: &mut Diagnostics) -> Option<BatchSpec> {
    let m = MapReader::new(n, Kind::Batch, "`batch`", key.span, diags)?;
    m.require(&["items"], diags);
    Some(BatchSpec {
        items: m.str("items", diags),
        failed_when: m
            .entry("failed_when")
            .and_then(|(k, w)| load_when(k, w, diags)),
        index: m.str("index", diags),
        code: m.str("code", diags),
        message: m.str("message", diags),
        retry: m.str("retry", diags),
        source: load_source_refs(m.get("source"), diags),
        span: key.span,
    })
}

/// Reads `body`: one layout (a mapping), or several (a list of mappings).
/// A layout that cannot be read stays, marked malformed, so that checks
/// which depend on it stay quiet.
fn load_bodies(key: &Node, n: &Node, diags: &mut Diagnostics) -> Vec<BodySpec> {
    let malformed = |at: &Node| BodySpec {
        malformed: true,
        span: at.span,
        ..BodySpec::default()
    };
    let items = one_or_list(
        n,
        "`body`",
        "layout",
        Some("write one layout as a mapping, or several as a list of mappings"),
        diags,
    );
    if items.is_empty() {
        return vec![malformed(key)];
    }
    // A lone layout is pointed at by its key, a listed one by its item.
    let lone = !matches!(n.kind, NodeKind::Seq(_));
    items
        .iter()
        .map(|item| {
            let at = if lone { key } else { item };
            load_body(at, item, diags).unwrap_or_else(|| malformed(at))
        })
        .collect()
}

fn load_body(key: &Node, n: &Node, diags: &mut Diagnostics) -> Option<BodySpec> {
    let m = MapReader::new(n, Kind::Body, "`body`", key.span, diags)?;
    let mut malformed = false;
    Some(BodySpec {
        content_type: m
            .get("content_type")
            .map(|c| {
                one_or_list(c, "`content_type`", "media type", None, diags)
                    .iter()
                    .filter_map(|i| expect_str(i, "content_type", diags))
                    .collect()
            })
            .unwrap_or_default(),
        when: m.entry("when").and_then(|(k, w)| load_when(k, w, diags)),
        format: m.str("format", diags),
        errors: m.str("errors", diags),
        code: m.entry("code").and_then(|(k, c)| {
            let Some(m) = MapReader::new(c, Kind::CodeLocation, "`body.code`", k.span, diags)
            else {
                malformed = true;
                return None;
            };
            Some(CodeLocationSpec {
                pointer: m.str("pointer", diags),
                header: m.str("header", diags),
                from: m.get("from").map(|f| load_sources(f, "from", diags)),
                drop_after: m.str("drop_after", diags),
                drop_through: m.str("drop_through", diags),
                r#type: m.str("type", diags),
                span: k.span,
            })
        }),
        message: m.str("message", diags),
        request_id: m.str("request_id", diags),
        field_errors: m.entry("field_errors").and_then(|(k, f)| {
            let m = MapReader::new(f, Kind::FieldErrors, "`body.field_errors`", k.span, diags)?;
            if m.get("map").is_none() {
                m.require(&["field"], diags);
            }
            Some(FieldErrorsSpec {
                items: m.str("items", diags),
                field: m.str("field", diags),
                message: m.str("message", diags),
                map: m.str("map", diags),
                leaf: m.str("leaf", diags),
                span: k.span,
            })
        }),
        extras: m
            .get("extras")
            .map(|e| keyed(e, "extras", diags, load_extra))
            .unwrap_or_default(),
        malformed,
        span: key.span,
    })
}

/// Reads a fallback chain: a list of sources (a lone source is a list of one).
fn load_sources(n: &Node, key: &str, diags: &mut Diagnostics) -> Vec<ValueSourceSpec> {
    let help = "write pointers or `{header: …}` in order: `[{header: X-Error-Code}, /code]`";
    one_or_list(n, &format!("`{key}`"), "source", Some(help), diags)
        .iter()
        .filter_map(|item| match &item.kind {
            NodeKind::Str(_) => expect_str(item, key, diags).map(ValueSourceSpec::Pointer),
            _ => {
                let m = MapReader::new(
                    item,
                    Kind::ValueSource,
                    format!("a source of `{key}`"),
                    item.span,
                    diags,
                )?;
                match (m.str("pointer", diags), m.str("header", diags)) {
                    (Some(p), None) => Some(ValueSourceSpec::BodyPointer(p)),
                    (None, Some(h)) => Some(ValueSourceSpec::Header(h)),
                    (Some(_), Some(h)) => {
                        diags.push(
                            Diagnostic::error(
                                h.span,
                                "a source is a `pointer` or a `header`, not both",
                            )
                            .with_label("second source"),
                        );
                        None
                    }
                    (None, None) => {
                        m.require(&["pointer"], diags);
                        None
                    }
                }
            }
        })
        .collect()
}

/// Reads one extra: a pointer, a list of pointers, or `{pointer, type}`.
fn load_extra(name: &Text, _key: &Node, n: &Node, diags: &mut Diagnostics) -> Option<ExtraSpec> {
    let what = format!("extra `{}`", name.value);
    let pointers = |n: &Node, diags: &mut Diagnostics| -> Vec<Text> {
        one_or_list(n, &what, "JSON pointer", None, diags)
            .iter()
            .filter_map(|i| expect_str(i, &name.value, diags))
            .collect()
    };
    match &n.kind {
        NodeKind::Map(_) => {
            let m = MapReader::new(
                n,
                Kind::Extra,
                format!("extra `{}`", name.value),
                name.span,
                diags,
            )?;
            m.require(&["pointer"], diags);
            Some(ExtraSpec {
                pointer: m
                    .get("pointer")
                    .map(|p| pointers(p, diags))
                    .unwrap_or_default(),
                r#type: m.str("type", diags),
                span: n.span,
            })
        }
        _ => Some(ExtraSpec {
            pointer: pointers(n, diags),
            r#type: None,
            span: n.span,
        }),
    }
}

fn load_headers(key: &Node, n: &Node, diags: &mut Diagnostics) -> Option<HeadersSpec> {
    let m = MapReader::new(n, Kind::Headers, "`headers`", key.span, diags)?;
    let rate_limit_one = |k: &Node, r: &Node, diags: &mut Diagnostics| {
        let m = MapReader::new(r, Kind::RateLimit, "`headers.rate_limit`", k.span, diags)?;
        Some(RateLimitSpec {
            name: m.str("name", diags),
            limit: m.str("limit", diags),
            remaining: m.str("remaining", diags),
            reset: m.str("reset", diags),
            reset_unit: m.str("reset_unit", diags),
            span: k.span,
        })
    };
    let (rate_limit, rate_limit_dimensions) = match m.entry("rate_limit") {
        Some((_, r)) if matches!(r.kind, NodeKind::Seq(_)) => (
            None,
            one_or_list(r, "`rate_limit`", "dimension", None, diags)
                .iter()
                .filter_map(|item| rate_limit_one(item, item, diags))
                .collect(),
        ),
        Some((k, r)) => (rate_limit_one(k, r, diags), Vec::new()),
        None => (None, Vec::new()),
    };
    Some(HeadersSpec {
        retry_after: m.str("retry_after", diags),
        request_id: m.str("request_id", diags),
        rate_limit,
        rate_limit_dimensions,
        should_retry: m.str("should_retry", diags),
        span: key.span,
    })
}

/// Reads a list (`rules`, `delays`), each item with `item`.
fn list<T>(
    n: &Node,
    what: &str,
    diags: &mut Diagnostics,
    mut item: impl FnMut(&Node, &mut Diagnostics) -> Option<T>,
) -> Vec<T> {
    match &n.kind {
        NodeKind::Seq(items) => items.iter().filter_map(|i| item(i, diags)).collect(),
        NodeKind::Null => Vec::new(),
        other => {
            diags.push(
                Diagnostic::error(
                    n.span,
                    format!("expected a list for `{what}`, found {}", other.describe()),
                )
                .with_label("expected a list")
                .with_help(format!(
                    "write each entry of `{what}` as `- …` on its own line"
                )),
            );
            Vec::new()
        }
    }
}

/// The items of a value the language takes as one item or a list of them
/// (`status: 400` or `status: [400, 422]`, one `body` layout or several): a
/// list's items, else the value itself as the one item. An empty list is
/// an error, "{what} lists no {noun}", and has no items.
fn one_or_list<'n>(
    n: &'n Node,
    what: &str,
    noun: &str,
    help: Option<&str>,
    diags: &mut Diagnostics,
) -> &'n [Node] {
    let NodeKind::Seq(items) = &n.kind else {
        return std::slice::from_ref(n);
    };
    if items.is_empty() {
        let d = Diagnostic::error(n.span, format!("{what} lists no {noun}"))
            .with_label(format!("expected at least one {noun}"));
        diags.push(match help {
            Some(help) => d.with_help(help),
            None => d,
        });
    }
    items
}

/// An example's expected list (`field_errors`, `batch_failures`), each
/// item read with `item`: `None` when the key is absent, or when its value
/// is not a list of `shape` (reported).
fn expected_list<T>(
    m: &MapReader<'_>,
    key: &str,
    shape: &str,
    diags: &mut Diagnostics,
    mut item: impl FnMut(&Node, &mut Diagnostics) -> Option<T>,
) -> Option<Located<Vec<T>>> {
    let v = m.get(key)?;
    let NodeKind::Seq(items) = &v.kind else {
        diags.push(
            Diagnostic::error(
                v.span,
                format!("expected a list for `{key}`, found {}", v.kind.describe()),
            )
            .with_label(format!("expected a list of `{shape}`")),
        );
        return None;
    };
    let list = items.iter().filter_map(|i| item(i, diags)).collect();
    Some(Located::new(list, v.span))
}

/// An expected text in an example's `expect` (or one of its batch
/// failures): `null` for none, else a string; a code may be written as the
/// integer the provider sends.
fn expected_text(
    m: &MapReader<'_>,
    key: &str,
    diags: &mut Diagnostics,
) -> Option<Located<Option<String>>> {
    m.get(key).and_then(|v| match &v.kind {
        NodeKind::Null => Some(Located::new(None, v.span)),
        NodeKind::Int(_) if key == "code" => Some(Located::new(v.scalar_text(), v.span)),
        _ => expect_str(v, key, diags).map(|t| Located::new(Some(t.value), t.span)),
    })
}

/// A scalar value as text (`equals: 0`, `equals: false`, `equals: api_error`).
fn expect_scalar(n: &Node, key: &str, diags: &mut Diagnostics) -> Option<Text> {
    match n.scalar_text() {
        Some(text) => Some(Located::new(text, n.span)),
        None => {
            diags.push(
                Diagnostic::error(
                    n.span,
                    format!("expected a value for `{key}`, found {}", n.kind.describe()),
                )
                .with_label("expected a string, number or boolean"),
            );
            None
        }
    }
}

fn load_rule(n: &Node, diags: &mut Diagnostics) -> Option<RuleSpec> {
    let m = MapReader::new(n, Kind::Rule, "a rule", n.span, diags)?;
    m.require(&["when", "retry"], diags);
    Some(RuleSpec {
        name: m.str("name", diags),
        when: m.entry("when").and_then(|(k, w)| load_when(k, w, diags)),
        retry: m.str("retry", diags),
        description: m.str("description", diags),
        source: load_source_refs(m.get("source"), diags),
        span: n.span,
    })
}

fn load_when(key: &Node, n: &Node, diags: &mut Diagnostics) -> Option<WhenSpec> {
    let name = key.scalar_text().unwrap_or_else(|| String::from("when"));
    let m = MapReader::new(n, Kind::When, format!("`{name}`"), key.span, diags)?;
    let mut status = Vec::new();
    if let Some(s) = m.get("status") {
        for item in one_or_list(s, "`status`", "status", None, diags) {
            match &item.kind {
                NodeKind::Int(_) | NodeKind::Str(_) => {
                    status.extend(item.scalar_text().map(|t| Located::new(t, item.span)));
                }
                other => diags.push(
                    Diagnostic::error(
                        item.span,
                        format!(
                            "expected a status or a status class, found {}",
                            other.describe()
                        ),
                    )
                    .with_label("expected `403`, `4xx` or `5xx`"),
                ),
            }
        }
    }
    let value_test = |key: &str, diags: &mut Diagnostics| {
        let (k, v) = m.entry(key)?;
        match &v.kind {
            NodeKind::Map(_) => load_test(k, v, Kind::Test, key, diags),
            NodeKind::Seq(items) => Some(TestSpec {
                r#in: Some(
                    items
                        .iter()
                        .filter_map(|i| expect_scalar(i, key, diags))
                        .collect(),
                ),
                span: k.span,
                ..TestSpec::default()
            }),
            _ => Some(TestSpec {
                equals: Some(expect_scalar(v, key, diags)?),
                span: k.span,
                ..TestSpec::default()
            }),
        }
    };
    let code = value_test("code", diags);
    let message = value_test("message", diags);
    let header = m
        .entry("header")
        .and_then(|(k, v)| load_test(k, v, Kind::HeaderTest, "header", diags));
    let field = m
        .entry("field")
        .and_then(|(k, v)| load_test(k, v, Kind::FieldTest, "field", diags));
    Some(WhenSpec {
        status,
        code,
        header,
        field,
        message,
        status_span: m.entry("status").map(|(k, _)| k.span),
        span: key.span,
    })
}

/// Reads a test mapping (`{equals: "0"}`, `{name: X, present: true}`).
fn load_test(
    key: &Node,
    n: &Node,
    kind: Kind,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<TestSpec> {
    let m = MapReader::new(n, kind, format!("`when.{what}`"), key.span, diags)?;
    match kind {
        Kind::HeaderTest => m.require(&["name"], diags),
        Kind::FieldTest => m.require(&["pointer"], diags),
        _ => {}
    }
    let present = m.get("present").and_then(|p| match p.kind {
        NodeKind::Bool(b) => Some(Located::new(b, p.span)),
        ref other => {
            diags.push(
                Diagnostic::error(
                    p.span,
                    format!(
                        "expected `true` or `false` for `present`, found {}",
                        other.describe()
                    ),
                )
                .with_label("expected a boolean"),
            );
            None
        }
    });
    Some(TestSpec {
        equals: m
            .get("equals")
            .and_then(|v| expect_scalar(v, "equals", diags)),
        not_equals: m
            .get("not_equals")
            .and_then(|v| expect_scalar(v, "not_equals", diags)),
        r#in: m
            .get("in")
            .map(|v| list(v, "in", diags, |i, diags| expect_scalar(i, "in", diags))),
        present,
        contains: m.str("contains", diags),
        name: m.str("name", diags),
        pointer: m.str("pointer", diags),
        span: key.span,
    })
}

fn load_delay(n: &Node, diags: &mut Diagnostics) -> Option<DelaySpec> {
    let m = MapReader::new(n, Kind::Delay, "a delay source", n.span, diags)?;
    Some(DelaySpec {
        header: m.str("header", diags),
        pointer: m.str("pointer", diags),
        item: m.entry("item").and_then(|(k, i)| {
            let m = MapReader::new(i, Kind::DelayItem, "`item`", k.span, diags)?;
            m.require(&["where", "value"], diags);
            Some(DelayItemSpec {
                where_: m.entry("where").and_then(|(k, w)| {
                    let m = MapReader::new(w, Kind::ItemWhere, "`item.where`", k.span, diags)?;
                    m.require(&["pointer", "equals"], diags);
                    Some(ItemWhereSpec {
                        pointer: m.str("pointer", diags),
                        equals: m
                            .get("equals")
                            .and_then(|v| expect_scalar(v, "equals", diags)),
                        span: k.span,
                    })
                }),
                value: m.str("value", diags),
                span: k.span,
            })
        }),
        format: m.str("format", diags),
        param: m.str("param", diags),
        when_zero: m.str("when_zero", diags),
        source: load_source_refs(m.get("source"), diags),
        span: n.span,
    })
}

/// One documented rate limit: `{requests, per, scope?, source?}`.
fn load_limit(n: &Node, diags: &mut Diagnostics) -> Option<LimitSpec> {
    let m = MapReader::new(n, Kind::Limit, "a limit", n.span, diags)?;
    m.require(&["requests", "per"], diags);
    let requests = m.get("requests").and_then(|v| match v.kind {
        NodeKind::Int(i) => Some(Located::new(i, v.span)),
        ref other => {
            diags.push(
                Diagnostic::error(
                    v.span,
                    format!(
                        "expected a number of requests for `requests`, found {}",
                        other.describe()
                    ),
                )
                .with_label("expected an integer such as 10"),
            );
            None
        }
    });
    Some(LimitSpec {
        requests,
        per: m.str("per", diags),
        scope: m.str("scope", diags),
        source: load_source_refs(m.get("source"), diags),
        span: n.span,
    })
}

fn load_status(name: &Text, _key: &Node, n: &Node, diags: &mut Diagnostics) -> Option<StatusSpec> {
    let m = MapReader::new(
        n,
        Kind::Status,
        format!("status `{}`", name.value),
        name.span,
        diags,
    )?;
    m.require(&["meaning", "retry"], diags);
    Some(StatusSpec {
        meaning: m.str("meaning", diags),
        retry: m.str("retry", diags),
        hint: m.str("hint", diags),
        source: load_source_refs(m.get("source"), diags),
        span: n.span,
    })
}

fn load_code(name: &Text, key: &Node, n: &Node, diags: &mut Diagnostics) -> Option<CodeSpec> {
    let m = MapReader::new(
        n,
        Kind::Code,
        format!("code `{}`", name.value),
        name.span,
        diags,
    )?;
    m.require(&["description"], diags);
    let (status, status_span) = match m.get("status") {
        Some(s) => (load_statuses(s, diags), s.span),
        None => (Vec::new(), name.span),
    };
    Some(CodeSpec {
        status,
        description: m.str("description", diags),
        retry: m.str("retry", diags),
        hint: m.str("hint", diags),
        variant: m.str("variant", diags),
        source: load_source_refs(m.get("source"), diags),
        key_is_integer: matches!(key.kind, NodeKind::Int(_)),
        status_span,
        span: n.span,
    })
}

/// Reads `status: 400` or `status: [400, 422]`: integers, at least one,
/// none twice. (The range is checked in [`crate::model`].)
fn load_statuses(n: &Node, diags: &mut Diagnostics) -> Vec<Located<i128>> {
    let one = |n: &Node, diags: &mut Diagnostics| match &n.kind {
        NodeKind::Int(i) => Some(Located::new(*i, n.span)),
        other => {
            let d = Diagnostic::error(
                n.span,
                format!("expected an HTTP status, found {}", other.describe()),
            )
            .with_label("expected an integer such as 400");
            let d = match other {
                NodeKind::Str(s) if s.trim().parse::<u16>().is_ok() => {
                    d.with_help(format!("write the status without quotes: `{}`", s.trim()))
                }
                NodeKind::Map(_) | NodeKind::Seq(_) => d.with_help(
                    "write one status (`status: 400`) or a flat list (`status: [400, 422]`)",
                ),
                _ => d,
            };
            diags.push(d);
            None
        }
    };
    let help = "write one status (`status: 400`) or a list (`status: [400, 422]`)";
    let items = one_or_list(n, "`status`", "status", Some(help), diags);
    let mut out: Vec<Located<i128>> = Vec::new();
    for item in items {
        let Some(s) = one(item, diags) else { continue };
        if let Some(first) = out.iter().find(|f| f.value == s.value) {
            diags.push(
                Diagnostic::error(s.span, format!("status {} is listed twice", s.value))
                    .with_label("listed again here")
                    .with_note(first.span, format!("{} first listed here", s.value)),
            );
            continue;
        }
        out.push(s);
    }
    out
}

fn load_source(name: &Text, _key: &Node, n: &Node, diags: &mut Diagnostics) -> Option<SourceSpec> {
    let m = MapReader::new(
        n,
        Kind::Source,
        format!("source `{}`", name.value),
        name.span,
        diags,
    )?;
    m.require(&["url", "kind"], diags);
    Some(SourceSpec {
        url: m.str("url", diags),
        kind: m.str("kind", diags),
        note: m.str("note", diags),
        span: n.span,
    })
}

/// Reads `source: name` or `source: [a, b]`. (Whether the names exist is
/// checked in [`crate::model`].)
fn load_source_refs(n: Option<&Node>, diags: &mut Diagnostics) -> Vec<Text> {
    let Some(n) = n else {
        return Vec::new();
    };
    let help = "write one name (`source: api_errors`) or a list, or leave `source` out";
    one_or_list(n, "`source`", "source", Some(help), diags)
        .iter()
        .filter_map(|i| expect_str(i, "source", diags))
        .collect()
}

fn load_examples(n: &Node, diags: &mut Diagnostics) -> Vec<ExampleSpec> {
    let mut index = 0;
    list(n, "examples", diags, |item, diags| {
        index += 1;
        load_example(index, item, diags)
    })
}

/// Reads the `index`th example (from 1).
fn load_example(index: usize, n: &Node, diags: &mut Diagnostics) -> Option<ExampleSpec> {
    let what = format!("example {index}");
    let m = MapReader::new(n, Kind::Example, what.clone(), n.span, diags)?;
    m.require(&["name", "response", "expect"], diags);
    let name = m.str("name", diags);
    let span = name.as_ref().map_or(n.span, |n| n.span);
    let now = m.get("now").and_then(|v| match &v.kind {
        NodeKind::Int(i) if *i >= 0 => Some(Located::new(*i, v.span)),
        other => {
            diags.push(
                Diagnostic::error(
                    v.span,
                    format!(
                        "expected Unix seconds for `now`, found {}",
                        other.describe()
                    ),
                )
                .with_label("expected a non-negative integer"),
            );
            None
        }
    });
    let response = m.entry("response").and_then(|(k, r)| {
        let m = MapReader::new(
            r,
            Kind::ExampleResponse,
            format!("`response` of {what}"),
            k.span,
            diags,
        )?;
        m.require(&["status"], diags);
        let status = m.get("status").and_then(|v| match &v.kind {
            NodeKind::Int(i) => Some(Located::new(*i, v.span)),
            other => {
                diags.push(
                    Diagnostic::error(
                        v.span,
                        format!("expected an HTTP status, found {}", other.describe()),
                    )
                    .with_label("expected an integer such as 429"),
                );
                None
            }
        });
        let headers = m
            .get("headers")
            .map(|h| {
                keyed(h, "headers", diags, |k, _, v, d| match &v.kind {
                    // `Retry-After: 3` means the text "3".
                    NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_) => {
                        Some(Located::new(v.scalar_text()?, v.span))
                    }
                    _ => expect_str(v, &k.value, d),
                })
            })
            .unwrap_or_default();
        let body = m.get("body").map(|b| match &b.kind {
            NodeKind::Str(s) => ExampleBody::Text(Located::new(s.clone(), b.span)),
            _ => {
                let mut json = String::new();
                write_json(b, &mut json);
                ExampleBody::Json(Located::new(json, b.span))
            }
        });
        Some(ExampleResponseSpec {
            status,
            headers,
            body,
            span: k.span,
        })
    });
    let expect = m.entry("expect").and_then(|(k, e)| {
        let m = MapReader::new(
            e,
            Kind::ExampleExpect,
            format!("`expect` of {what}"),
            k.span,
            diags,
        )?;
        let nullable = |key: &str, diags: &mut Diagnostics| expected_text(&m, key, diags);
        let field_errors =
            expected_list(&m, "field_errors", "{field, message}", diags, |item, diags| {
                let m = MapReader::new(
                    item,
                    Kind::ExampleFieldError,
                    "an expected field error",
                    item.span,
                    diags,
                )?;
                m.require(&["field"], diags);
                Some((m.str("field", diags)?, m.str("message", diags)))
            });
        let extras = m.get("extras").and_then(|v| {
            let NodeKind::Map(entries) = &v.kind else {
                diags.push(
                    Diagnostic::error(
                        v.span,
                        format!(
                            "expected a mapping for `extras`, found {}",
                            v.kind.describe()
                        ),
                    )
                    .with_label("expected extra names and the value each must have"),
                );
                return None;
            };
            let mut out = Vec::new();
            for (name, value) in entries {
                let Some(key) = name.scalar_text() else {
                    diags.push(
                        Diagnostic::error(name.span, "an extra's name must be a name")
                            .with_label("expected a name"),
                    );
                    continue;
                };
                let expected = match &value.kind {
                    NodeKind::Null => None,
                    NodeKind::Bool(b) => Some(serde_json::Value::Bool(*b)),
                    NodeKind::Int(i) => match i64::try_from(*i) {
                        Ok(i) => Some(serde_json::Value::from(i)),
                        Err(_) => {
                            diags.push(
                                Diagnostic::error(value.span, "this integer is out of range")
                                    .with_label("an integer extra is an `i64`"),
                            );
                            continue;
                        }
                    },
                    NodeKind::Float(f) => serde_json::Number::from_f64(*f).map(Into::into),
                    NodeKind::Str(s) => Some(serde_json::Value::String(s.clone())),
                    NodeKind::Seq(_) | NodeKind::Map(_) => {
                        diags.push(
                            Diagnostic::error(
                                value.span,
                                format!(
                                    "expected a string, number, boolean or `null` for extra `{key}`, found {}",
                                    value.kind.describe()
                                ),
                            )
                            .with_label("an extra is one value"),
                        );
                        continue;
                    }
                };
                out.push((
                    Located::new(key, name.span),
                    Located::new(expected, value.span),
                ));
            }
            Some(out)
        });
        let success = m.get("success").and_then(|v| match v.kind {
            NodeKind::Bool(b) => Some(Located::new(b, v.span)),
            ref other => {
                diags.push(
                    Diagnostic::error(
                        v.span,
                        format!(
                            "expected `true` or `false` for `success`, found {}",
                            other.describe()
                        ),
                    )
                    .with_label("expected a boolean"),
                );
                None
            }
        });
        let batch_failures = expected_list(
            &m,
            "batch_failures",
            "{index, code, message, retry}",
            diags,
            |item, diags| {
                let m = MapReader::new(
                    item,
                    Kind::ExampleBatchFailure,
                    "an expected batch failure",
                    item.span,
                    diags,
                )?;
                let index = m.get("index").and_then(|v| match v.kind {
                    NodeKind::Int(i) if i >= 0 => Some(Located::new(i, v.span)),
                    ref other => {
                        diags.push(
                            Diagnostic::error(
                                v.span,
                                format!(
                                    "expected an item index for `index`, found {}",
                                    other.describe()
                                ),
                            )
                            .with_label("expected a non-negative integer"),
                        );
                        None
                    }
                });
                let nullable =
                    |key: &str, diags: &mut Diagnostics| expected_text(&m, key, diags);
                Some(ExpectedBatchFailure {
                    index,
                    code: nullable("code", diags),
                    message: nullable("message", diags),
                    retry: m.str("retry", diags),
                    span: item.span,
                })
            },
        );
        Some(ExampleExpectSpec {
            success,
            batch_failures,
            code: nullable("code", diags),
            retry: m.str("retry", diags),
            delay: nullable("delay", diags),
            message: nullable("message", diags),
            request_id: nullable("request_id", diags),
            field_errors,
            decided_by: m.str("decided_by", diags),
            extras,
            span: k.span,
        })
    });
    Some(ExampleSpec {
        name,
        source: load_source_refs(m.get("source"), diags),
        now,
        response,
        expect,
        span,
    })
}

/// Writes a YAML node as JSON text, keeping the order of mapping entries
/// (and duplicate keys: a decoder's handling of them is part of what an
/// example may show).
fn write_json(n: &Node, out: &mut String) {
    match &n.kind {
        NodeKind::Null => out.push_str("null"),
        NodeKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        NodeKind::Int(i) => out.push_str(&i.to_string()),
        NodeKind::Float(f) if f.is_finite() => out.push_str(&f.to_string()),
        NodeKind::Float(_) => out.push_str("null"),
        NodeKind::Str(s) => out.push_str(&serde_json::Value::from(s.as_str()).to_string()),
        NodeKind::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        NodeKind::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let key = k.scalar_text().unwrap_or_default();
                out.push_str(&serde_json::Value::from(key).to_string());
                out.push(':');
                write_json(v, out);
            }
            out.push('}');
        }
    }
}
