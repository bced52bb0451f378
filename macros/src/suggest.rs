//! "Did you mean …?" for misspelt names.

/// The closest candidate, if it is close enough to be a typo.
///
/// The same rule as the spec loader's (`errspec_codegen::load`), so a
/// misspelt name gets the same suggestion in YAML and in an attribute.
// TODO: call `errspec_codegen::load::did_you_mean` once it is public
// (it is `pub(crate)` today); this copy goes then.
pub(crate) fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(name, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
