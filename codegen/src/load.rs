//! Stage 1: YAML text → [`Spec`], accumulating every structural problem.
//!
//! Unknown keys (with "did you mean"), wrong value types, duplicate keys and
//! missing required keys are all reported in one pass, each located.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::node::{self, Node, NodeKind};
use crate::source::{Located, Span};
use crate::spec::{
    ApiSpec, BodySpec, CodeLocationSpec, CodeSpec, FieldErrorsSpec, HeadersSpec, IdempotencySpec,
    Keyed, RateLimitSpec, Spec, StatusSpec, Text,
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

/// Reads one YAML mapping: checks its keys against the allowed ones,
/// reports duplicates and unknown keys, and hands out values by key.
struct MapReader<'n> {
    entries: Vec<(&'n Node, &'n Node)>,
    span: Span,
}

impl<'n> MapReader<'n> {
    /// `what` names the mapping in messages (`api`, `body`, …).
    fn new(node: &'n Node, what: &str, keys: &[&str], diags: &mut Diagnostics) -> Option<Self> {
        let NodeKind::Map(entries) = &node.kind else {
            if node.kind == NodeKind::Null {
                return Some(MapReader {
                    entries: Vec::new(),
                    span: node.span,
                });
            }
            diags.push(
                Diagnostic::error(
                    node.span,
                    format!(
                        "expected a mapping for `{what}`, found {}",
                        node.kind.describe()
                    ),
                )
                .with_label("expected a mapping"),
            );
            return None;
        };
        let mut kept: Vec<(&Node, &Node)> = Vec::new();
        for (k, v) in entries {
            let Some(name) = k.scalar_text() else {
                diags.push(Diagnostic::error(
                    k.span,
                    format!("keys of `{what}` must be names"),
                ));
                continue;
            };
            if !keys.contains(&name.as_str()) {
                let mut d = Diagnostic::error(k.span, format!("unknown key `{name}` in `{what}`"))
                    .with_label("unknown key");
                match did_you_mean(&name, keys) {
                    Some(s) => d = d.with_help(format!("did you mean `{s}`?")),
                    None => {
                        d = d.with_plain_note(format!("`{what}` takes: {}", keys.join(", ")));
                    }
                }
                diags.push(d);
                continue;
            }
            if let Some((first, _)) = kept
                .iter()
                .find(|(fk, _)| fk.scalar_text().as_deref() == Some(&name))
            {
                diags.push(
                    Diagnostic::error(k.span, format!("duplicate key `{name}` in `{what}`"))
                        .with_label("defined again here")
                        .with_note(first.span, format!("`{name}` first defined here")),
                );
                continue;
            }
            kept.push((k, v));
        }
        Some(MapReader {
            entries: kept,
            span: node.span,
        })
    }

    fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.scalar_text().as_deref() == Some(key))
            .map(|(_, v)| *v)
    }

    fn str(&self, key: &str, diags: &mut Diagnostics) -> Option<Text> {
        self.get(key).and_then(|n| expect_str(n, key, diags))
    }

    fn required_str(&self, key: &str, what: &str, diags: &mut Diagnostics) -> Option<Text> {
        let v = self.str(key, diags);
        if v.is_none() && self.get(key).is_none() {
            diags.push(
                Diagnostic::error(
                    self.span,
                    format!("missing required key `{key}` in `{what}`"),
                )
                .with_label(format!("`{key}` is missing")),
            );
        }
        v
    }
}

/// The closest allowed key, if it is close enough to be a typo.
pub(crate) fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(name, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn expect_str(n: &Node, key: &str, diags: &mut Diagnostics) -> Option<Text> {
    match &n.kind {
        NodeKind::Str(s) => Some(Located::new(s.clone(), n.span)),
        other => {
            diags.push(
                Diagnostic::error(
                    n.span,
                    format!("expected a string for `{key}`, found {}", other.describe()),
                )
                .with_label("expected a string"),
            );
            None
        }
    }
}

fn span_or_key(n: &Node) -> Span {
    n.span
}

/// Reads a mapping whose keys are data (API names, statuses, codes),
/// reporting duplicate keys with a note at the first.
fn keyed<'n, T>(
    node: &'n Node,
    what: &str,
    diags: &mut Diagnostics,
    mut item: impl FnMut(&Text, &'n Node, &mut Diagnostics) -> Option<T>,
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
    let mut seen: Vec<Text> = Vec::new();
    for (k, v) in entries {
        let Some(name) = k.scalar_text() else {
            diags.push(Diagnostic::error(
                k.span,
                format!(
                    "keys of `{what}` must be scalars, found {}",
                    k.kind.describe()
                ),
            ));
            continue;
        };
        let key = Located::new(name, span_or_key(k));
        if let Some(first) = seen.iter().find(|s| s.value == key.value) {
            diags.push(
                Diagnostic::error(
                    key.span,
                    format!("duplicate {} `{}`", singular(what), key.value),
                )
                .with_label("defined again here")
                .with_note(first.span, format!("`{}` first defined here", key.value)),
            );
            continue;
        }
        seen.push(key.clone());
        if let Some(t) = item(&key, v, diags) {
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
];
const BODY_KEYS: &[&str] = &[
    "format",
    "errors",
    "code",
    "message",
    "request_id",
    "field_errors",
];
const CODE_LOCATION_KEYS: &[&str] = &["pointer", "header", "type"];
const FIELD_ERRORS_KEYS: &[&str] = &["items", "field", "message"];
const HEADERS_KEYS: &[&str] = &["retry_after", "request_id", "rate_limit"];
const RATE_LIMIT_KEYS: &[&str] = &["limit", "remaining", "reset", "reset_unit"];
const IDEMPOTENCY_KEYS: &[&str] = &["header"];
const STATUS_KEYS: &[&str] = &["meaning", "retry", "hint"];
const CODE_KEYS: &[&str] = &["status", "description", "retry", "hint"];

/// The keys each mapping of the spec language takes, by schema definition
/// name; a test checks them against `spec/schema.json`.
pub const KEYS: &[(&str, &[&str])] = &[
    ("Spec", SPEC_KEYS),
    ("ApiSpec", API_KEYS),
    ("BodySpec", BODY_KEYS),
    ("CodeLocationSpec", CODE_LOCATION_KEYS),
    ("FieldErrorsSpec", FIELD_ERRORS_KEYS),
    ("HeadersSpec", HEADERS_KEYS),
    ("RateLimitSpec", RATE_LIMIT_KEYS),
    ("IdempotencySpec", IDEMPOTENCY_KEYS),
    ("StatusSpec", STATUS_KEYS),
    ("CodeSpec", CODE_KEYS),
];

fn load_spec(root: &Node, diags: &mut Diagnostics) -> Option<Spec> {
    if root.kind == NodeKind::Null {
        diags.push(
            Diagnostic::error(root.span, "the catalog is empty").with_help(
                "a catalog needs `provider`, `title`, `as_of` and at least one API under `apis`",
            ),
        );
        return None;
    }
    let m = MapReader::new(root, "catalog", SPEC_KEYS, diags)?;
    let provider = m.required_str("provider", "catalog", diags);
    let title = m.required_str("title", "catalog", diags);
    let docs_url = m.str("docs_url", diags);
    let as_of = m.required_str("as_of", "catalog", diags);
    let description = m.str("description", diags);
    let apis = match m.get("apis") {
        Some(n) => keyed(n, "apis", diags, load_api),
        None => {
            diags.push(
                Diagnostic::error(root.span, "missing required key `apis` in `catalog`")
                    .with_label("`apis` is missing"),
            );
            Vec::new()
        }
    };
    Some(Spec {
        provider: provider?,
        title: title?,
        docs_url,
        as_of: as_of?,
        description,
        apis,
        span: root.span,
    })
}

fn load_api(_name: &Text, n: &Node, diags: &mut Diagnostics) -> Option<ApiSpec> {
    let m = MapReader::new(n, "api", API_KEYS, diags)?;
    Some(ApiSpec {
        title: m.str("title", diags),
        description: m.str("description", diags),
        docs_url: m.str("docs_url", diags),
        body: m.get("body").and_then(|b| load_body(b, diags)),
        headers: m.get("headers").and_then(|h| load_headers(h, diags)),
        idempotency: m.get("idempotency").and_then(|i| {
            let m = MapReader::new(i, "idempotency", IDEMPOTENCY_KEYS, diags)?;
            Some(IdempotencySpec {
                header: m.required_str("header", "idempotency", diags),
                span: i.span,
            })
        }),
        defaults: m
            .get("defaults")
            .map(|d| keyed(d, "defaults", diags, |k, v, d| expect_str(v, &k.value, d)))
            .unwrap_or_default(),
        statuses: m
            .get("statuses")
            .map(|s| keyed(s, "statuses", diags, |_, v, d| load_status(v, d)))
            .unwrap_or_default(),
        codes: m
            .get("codes")
            .map(|c| keyed(c, "codes", diags, |_, v, d| load_code(v, d)))
            .unwrap_or_default(),
        span: n.span,
    })
}

fn load_body(n: &Node, diags: &mut Diagnostics) -> Option<BodySpec> {
    let m = MapReader::new(n, "body", BODY_KEYS, diags)?;
    Some(BodySpec {
        format: m.str("format", diags),
        errors: m.str("errors", diags),
        code: m.get("code").and_then(|c| {
            let m = MapReader::new(c, "code", CODE_LOCATION_KEYS, diags)?;
            Some(CodeLocationSpec {
                pointer: m.str("pointer", diags),
                header: m.str("header", diags),
                r#type: m.str("type", diags),
                span: c.span,
            })
        }),
        message: m.str("message", diags),
        request_id: m.str("request_id", diags),
        field_errors: m.get("field_errors").and_then(|f| {
            let m = MapReader::new(f, "field_errors", FIELD_ERRORS_KEYS, diags)?;
            Some(FieldErrorsSpec {
                items: m.str("items", diags),
                field: m.required_str("field", "field_errors", diags),
                message: m.str("message", diags),
                span: f.span,
            })
        }),
        span: n.span,
    })
}

fn load_headers(n: &Node, diags: &mut Diagnostics) -> Option<HeadersSpec> {
    let m = MapReader::new(n, "headers", HEADERS_KEYS, diags)?;
    Some(HeadersSpec {
        retry_after: m.str("retry_after", diags),
        request_id: m.str("request_id", diags),
        rate_limit: m.get("rate_limit").and_then(|r| {
            let m = MapReader::new(r, "rate_limit", RATE_LIMIT_KEYS, diags)?;
            Some(RateLimitSpec {
                limit: m.str("limit", diags),
                remaining: m.str("remaining", diags),
                reset: m.str("reset", diags),
                reset_unit: m.str("reset_unit", diags),
                span: r.span,
            })
        }),
        span: n.span,
    })
}

fn load_status(n: &Node, diags: &mut Diagnostics) -> Option<StatusSpec> {
    let m = MapReader::new(n, "status", STATUS_KEYS, diags)?;
    Some(StatusSpec {
        meaning: m.required_str("meaning", "status", diags),
        retry: m.required_str("retry", "status", diags),
        hint: m.str("hint", diags),
        span: n.span,
    })
}

fn load_code(n: &Node, diags: &mut Diagnostics) -> Option<CodeSpec> {
    let m = MapReader::new(n, "code", CODE_KEYS, diags)?;
    let (status, status_span) = match m.get("status") {
        Some(s) => (load_statuses(s, diags), s.span),
        None => {
            diags.push(
                Diagnostic::error(n.span, "missing required key `status` in `code`")
                    .with_label("`status` is missing"),
            );
            (Vec::new(), n.span)
        }
    };
    Some(CodeSpec {
        status,
        description: m.required_str("description", "code", diags),
        retry: m.str("retry", diags),
        hint: m.str("hint", diags),
        status_span,
        span: n.span,
    })
}

fn load_statuses(n: &Node, diags: &mut Diagnostics) -> Vec<Located<i128>> {
    let one = |n: &Node, diags: &mut Diagnostics| match &n.kind {
        NodeKind::Int(i) => Some(Located::new(*i, n.span)),
        other => {
            diags.push(
                Diagnostic::error(
                    n.span,
                    format!("expected an HTTP status, found {}", other.describe()),
                )
                .with_label("expected an integer such as 400"),
            );
            None
        }
    };
    match &n.kind {
        NodeKind::Seq(items) => items.iter().filter_map(|i| one(i, diags)).collect(),
        _ => one(n, diags).into_iter().collect(),
    }
}
