//! The retry class of each variant, classified exactly as a generated
//! type classifies the same response: the code's own class when the
//! catalog gives one, else the status's (the status table, else the
//! defaults).
//!
//! A variant that can receive responses of different classes must keep
//! what tells them apart (its `code` or `status` field); the rule says
//! which, and [`crate::check`] asks for the field when it is missing.

use std::collections::HashSet;

use errspec_codegen::model::{self, Api, Code, CodeValue, Defaults, RetryClass, Test};

use crate::ast::{Input, Variant};
use crate::bind::{Bound, BoundVariant};
use errspec_core::rules::contains_ignore_ascii_case;

/// How to find a variant's retry class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ClassRule {
    /// One class, whatever the response.
    Fixed(RetryClass),
    /// By the kept status: a table, then the defaults.
    ByStatus {
        rows: Vec<(u16, RetryClass)>,
        defaults: Defaults,
    },
    /// By the kept code; codes not listed fall through to `then`. Without
    /// `then`, the variant is reached by its listed codes only.
    ByCode {
        rows: Vec<(CodeValue, ClassRule)>,
        then: Option<Box<ClassRule>>,
    },
}

impl ClassRule {
    /// Whether the rule reads the code.
    pub(crate) fn needs_code(&self) -> bool {
        matches!(self, ClassRule::ByCode { .. })
    }

    /// Whether the rule reads the status.
    pub(crate) fn needs_status(&self) -> bool {
        match self {
            ClassRule::Fixed(_) => false,
            ClassRule::ByStatus { .. } => true,
            ClassRule::ByCode { rows, then } => {
                then.as_ref().is_some_and(|t| t.needs_status())
                    || rows.iter().any(|(_, r)| r.needs_status())
            }
        }
    }

    /// The class at `status`, for rules that do not read the code.
    fn at_status(&self, status: u16) -> Option<RetryClass> {
        match self {
            ClassRule::Fixed(class) => Some(*class),
            ClassRule::ByStatus { rows, defaults } => Some(
                rows.iter()
                    .find(|(s, _)| *s == status)
                    .map_or_else(|| defaults.for_status(status), |(_, c)| *c),
            ),
            ClassRule::ByCode { .. } => None,
        }
    }

    /// A one-line description for error messages: `throttled`, or
    /// `429 → throttled, other 4xx → never, 5xx → backoff`.
    pub(crate) fn describe(&self) -> String {
        match self {
            ClassRule::Fixed(class) => class.as_str().to_owned(),
            ClassRule::ByStatus { rows, defaults } => {
                let mut parts: Vec<String> = rows
                    .iter()
                    .map(|(s, c)| format!("{s} → {}", c.as_str()))
                    .collect();
                let other = if rows.is_empty() { "" } else { "other " };
                parts.push(format!("{other}4xx → {}", defaults.client_error.as_str()));
                parts.push(format!("{other}5xx → {}", defaults.server_error.as_str()));
                parts.join(", ")
            }
            ClassRule::ByCode { rows, then } => {
                let mut parts: Vec<String> = rows
                    .iter()
                    .map(|(c, r)| format!("`{c}` → {}", r.describe()))
                    .collect();
                if let Some(then) = then {
                    parts.push(format!("any other code → {}", then.describe()));
                }
                parts.join("; ")
            }
        }
    }
}

/// The rule of every variant, in declaration order.
pub(crate) fn rules(input: &Input, bound: &Bound) -> Vec<ClassRule> {
    let mapped: HashSet<&CodeValue> = bound.variants.iter().flat_map(|v| &v.codes).collect();
    input
        .variants
        .iter()
        .zip(&bound.variants)
        .map(|(v, b)| variant_rule(&bound.api, v, b, &mapped))
        .collect()
}

fn variant_rule(
    api: &Api,
    variant: &Variant,
    bound: &BoundVariant,
    mapped: &HashSet<&CodeValue>,
) -> ClassRule {
    if let Some(retry) = &variant.attrs.retry {
        return ClassRule::Fixed(retry.value);
    }
    let own: Vec<&Code> = bound
        .codes
        .iter()
        .filter_map(|c| api.codes.iter().find(|row| &row.value == c))
        .collect();
    // Reached without one of its codes: by one of its statuses, or (the
    // catch-all) by any status. A variant with codes only has no such path.
    let then = if variant.is_catch_all() {
        Some(status_rule(api, None))
    } else if !bound.statuses.is_empty() {
        Some(status_rule(api, Some(&bound.statuses)))
    } else {
        None
    };
    // Codes the variant maps, and codes no variant maps that can arrive
    // here (at any of its statuses: a code comes with whatever status the
    // server sends) with a class of their own (a generated type honours it).
    let unmapped_with_class = api.codes.iter().filter(|c| {
        !mapped.contains(&c.value)
            && c.retry.is_some()
            && (variant.is_catch_all() || !bound.statuses.is_empty())
    });
    let statuses = (!variant.is_catch_all()).then_some(bound.statuses.as_slice());
    let keeps_status = variant.status_repr().is_some();
    let rows: Vec<(CodeValue, ClassRule)> = own
        .into_iter()
        .chain(unmapped_with_class)
        .map(|c| (c.value.clone(), code_rule(api, c, keeps_status)))
        .filter(|(_, rule)| {
            then.as_ref()
                .is_none_or(|then| !same_as(rule, then, statuses))
        })
        .collect();
    match (rows.as_slice(), then) {
        (_, Some(then)) if rows.is_empty() => then,
        // Every code gives the same rule: no need to look at the code.
        ([(_, first), rest @ ..], None) if rest.iter().all(|(_, r)| r == first) => first.clone(),
        // Maps nothing the catalog knows (reported by the checks).
        ([], None) => status_rule(api, None),
        (_, then) => ClassRule::ByCode {
            rows,
            then: then.map(Box::new),
        },
    }
}

/// Whether a code's rule gives what `then` gives at every status the
/// variant receives without a code (`statuses`; `None`: any status), so
/// its row can be left out.
fn same_as(rule: &ClassRule, then: &ClassRule, statuses: Option<&[u16]>) -> bool {
    if rule == then {
        return true;
    }
    let (ClassRule::Fixed(class), Some(statuses)) = (rule, statuses) else {
        return false;
    };
    !statuses.is_empty() && statuses.iter().all(|s| then.at_status(*s) == Some(*class))
}

/// A code's class: its own, else the class of the status it came with.
/// A variant that keeps the status reads it, as the generated type does;
/// one that does not takes the class of the code's documented statuses
/// (the status it comes with, when the server keeps to its docs).
fn code_rule(api: &Api, code: &Code, keeps_status: bool) -> ClassRule {
    match code.retry {
        Some(class) => ClassRule::Fixed(class),
        None if code.statuses.is_empty() || keeps_status => status_rule(api, None),
        None => status_rule(api, Some(&code.statuses)),
    }
}

/// The class of a response with one of `statuses` (`None`: any status).
fn status_rule(api: &Api, statuses: Option<&[u16]>) -> ClassRule {
    let rows: Vec<(u16, RetryClass)> = match statuses {
        Some(statuses) => statuses
            .iter()
            .map(|s| (*s, api.status_class(*s)))
            .collect(),
        None => api.statuses.iter().map(|s| (s.status, s.retry)).collect(),
    };
    let mut classes: Vec<RetryClass> = rows.iter().map(|(_, c)| *c).collect();
    if statuses.is_none() {
        classes.push(api.defaults.client_error);
        classes.push(api.defaults.server_error);
    }
    classes.sort_unstable();
    classes.dedup();
    match classes.as_slice() {
        [one] => ClassRule::Fixed(*one),
        _ => {
            // Rows the defaults already give are left out.
            let rows = rows
                .into_iter()
                .filter(|(s, c)| api.defaults.for_status(*s) != *c)
                .collect();
            ClassRule::ByStatus {
                rows,
                defaults: api.defaults,
            }
        }
    }
}

/// Per variant, in declaration order: why the API's rules or retry
/// directive can give one of its responses a class its [`ClassRule`] does
/// not (`None`: they cannot). Such a variant keeps the decided class in a
/// `retry_class` field, as the generated type keeps it.
///
/// A rule reaches a variant unless its `status` or `code` condition
/// excludes every response the variant receives; conditions on headers,
/// the message or body values are taken to hold (they vary per response).
pub(crate) fn per_response(
    input: &Input,
    bound: &Bound,
    rules: &[ClassRule],
) -> Vec<Option<String>> {
    let api = &bound.api;
    let mapped: HashSet<&CodeValue> = bound.variants.iter().flat_map(|v| &v.codes).collect();
    input
        .variants
        .iter()
        .zip(&bound.variants)
        .zip(rules)
        .map(|((v, b), rule)| {
            if let Some(header) = &api.headers.should_retry {
                return Some(format!("the server's retry directive (`{}`)", header.value));
            }
            let fixed = match rule {
                ClassRule::Fixed(class) => Some(*class),
                _ => None,
            };
            api.rules.iter().enumerate().find_map(|(i, r)| {
                let changes = fixed != Some(r.retry) && reaches(r, v, b, &mapped);
                changes.then(|| match &r.name {
                    Some(name) => format!("rule `{}` (`{}`)", name.value, r.retry.as_str()),
                    None => format!("rule #{} (`{}`)", i + 1, r.retry.as_str()),
                })
            })
        })
        .collect()
}

/// Whether rule `r` can match a response that decodes to the variant.
fn reaches(
    r: &model::Rule,
    variant: &Variant,
    bound: &BoundVariant,
    mapped: &HashSet<&CodeValue>,
) -> bool {
    // Reached by its codes only: at any status, with one of them.
    let codes_only = !variant.is_catch_all() && bound.statuses.is_empty();
    r.conditions.iter().all(|c| match c {
        model::Condition::Status(ranges) => {
            // A code arrives at any status; so does the catch-all's response.
            variant.is_catch_all()
                || !bound.codes.is_empty()
                || bound.statuses.iter().any(|s| {
                    ranges
                        .iter()
                        .any(|(first, last)| (first..=last).contains(&s))
                })
        }
        model::Condition::Code(test) => {
            let same = |text: &str, code: &CodeValue| match code {
                CodeValue::Int(n) => text.trim().parse::<i64>() == Ok(*n),
                CodeValue::Str(s) => s == text,
            };
            if codes_only {
                bound.codes.iter().any(|code| match test {
                    Test::Equals(t) => same(t, code),
                    Test::In(ts) => ts.iter().any(|t| same(t, code)),
                    Test::NotEquals(t) => !same(t, code),
                    Test::Present(present) => *present,
                    Test::Contains(needle) => contains_ignore_ascii_case(&code.to_string(), needle),
                })
            } else {
                // Codes mapped to other variants never arrive here; any
                // other code, or none, may.
                let elsewhere = |t: &String| {
                    mapped.iter().any(|code| same(t, code))
                        && !bound.codes.iter().any(|c| same(t, c))
                };
                match test {
                    Test::Equals(t) => !elsewhere(t),
                    Test::In(ts) => !ts.iter().all(elsewhere),
                    _ => true,
                }
            }
        }
        _ => true,
    })
}
