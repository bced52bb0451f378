//! Synthetic catalogs of any size, for generator scaling and compile cost.
//!
//! One provider with one API laid out like TopMail (a nested error object,
//! a field-error path, `Retry-After` and rate-limit headers), a realistic
//! status table, and `codes` codes. Code names are built from a word list
//! plus a number, so variant names are varied but never collide; every
//! fourth code has a hint and every tenth overrides its status's class, as
//! in the seed catalogs. The output is deterministic.

use std::fmt::Write as _;

const WORDS: [&str; 24] = [
    "account",
    "address",
    "attachment",
    "batch",
    "billing",
    "campaign",
    "contact",
    "domain",
    "header",
    "invalid",
    "limit",
    "list",
    "message",
    "missing",
    "quota",
    "recipient",
    "sender",
    "schedule",
    "suppressed",
    "template",
    "token",
    "unknown",
    "webhook",
    "workspace",
];

/// Statuses (with their class) the codes are spread over.
const STATUSES: [(u16, &str, &str); 11] = [
    (
        400,
        "never",
        "The request is malformed or a parameter is invalid.",
    ),
    (401, "never", "The API key is missing or invalid."),
    (403, "never", "The key may not do this."),
    (404, "never", "The resource does not exist."),
    (
        409,
        "never",
        "The request conflicts with the current state.",
    ),
    (422, "never", "A field failed validation."),
    (429, "throttled", "Too many requests in the current window."),
    (500, "backoff", "The server failed."),
    (502, "backoff", "A downstream service failed."),
    (503, "backoff", "The service is temporarily unavailable."),
    (
        504,
        "ambiguous",
        "A relay timed out; the request may have been processed.",
    ),
];

/// The text of a catalog `provider` with `codes` codes.
pub fn spec(provider: &str, codes: usize) -> String {
    let mut out = String::with_capacity(200 * codes + 2000);
    let _ = write!(
        out,
        "provider: {provider}\n\
         title: Synthetic {codes}\n\
         as_of: 2026-11-24\n\
         description: A synthetic catalog of {codes} codes, generated for benchmarks.\n\
         \n\
         apis:\n\
         \x20 api:\n\
         \x20   title: Synthetic API\n\
         \x20   body:\n\
         \x20     code:\n\
         \x20       pointer: /error/code\n\
         \x20     message: /error/message\n\
         \x20     field_errors:\n\
         \x20       field: /error/path\n\
         \x20       message: /error/message\n\
         \x20   headers:\n\
         \x20     retry_after: Retry-After\n\
         \x20     rate_limit:\n\
         \x20       limit: X-RateLimit-Limit\n\
         \x20       remaining: X-RateLimit-Remaining\n\
         \x20       reset: X-RateLimit-Reset\n\
         \x20       reset_unit: seconds\n\
         \x20   idempotency:\n\
         \x20     header: Idempotency-Key\n\
         \x20   defaults:\n\
         \x20     4xx: never\n\
         \x20     5xx: backoff\n\
         \n\
         \x20   statuses:\n"
    );
    for (status, class, meaning) in STATUSES {
        let _ = write!(
            out,
            "      {status}:\n        meaning: {meaning}\n        retry: {class}\n"
        );
    }
    out.push_str("\n    codes:\n");
    for i in 0..codes {
        let (status, class, _) = STATUSES[i % STATUSES.len()];
        let a = WORDS[i % WORDS.len()];
        let b = WORDS[(i / WORDS.len() + 7) % WORDS.len()];
        let _ = write!(
            out,
            "      {a}_{b}_{i}:\n        status: {status}\n        \
             description: The {a} {b} check number {i} failed; see `{a}` for details.\n"
        );
        if i % 4 == 1 {
            let _ = writeln!(out, "        hint: Fix the {b} and send the request again.");
        }
        // An override that differs from the status's class.
        if i % 10 == 3 {
            let retry = if class == "never" { "backoff" } else { "never" };
            let _ = writeln!(out, "        retry: {retry}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use errspec_codegen::load_catalog;
    use errspec_codegen::source::SourceFile;

    #[test]
    fn synthetic_specs_load_and_check() {
        for n in [1, 100, 1000] {
            let text = super::spec("synth", n);
            let file = SourceFile::new("synth.yaml", text);
            match load_catalog(&file) {
                Ok(loaded) => assert_eq!(loaded.catalog.apis[0].codes.len(), n),
                Err(diags) => panic!("{}", diags.render(&file)),
            }
        }
    }
}
