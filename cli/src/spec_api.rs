//! `classify` and `request` with `--spec-dir`: an API read from a directory
//! of specs and run through its model ([`errspec_codegen::interpret`]: the
//! runtime's own decoder over tables built from the model), without
//! generated code.
//!
//! One process works on one API: [`load`] installs it, and [`SpecError`]
//! (the [`ApiError`] the client needs) decodes with it. What generated code
//! adds beyond the model's tables is not here: a `request` paces to the
//! catalog's documented `limits` only through the response headers, its
//! events are labelled provider `spec-dir`, and an API that takes its
//! idempotency key anywhere but the `Idempotency-Key` header (more headers,
//! the body, keys shorter than a UUID) is refused.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::OnceLock;

use errspec::registry::{ApiEntry, ApiVisitor};
use errspec::{ApiError, DecidedBy, DelayHints, ErrorDetails, Extras, FieldError, RetryClass};
use errspec_codegen::interpret;
use errspec_codegen::model::{Api, Catalog};

use crate::Usage;
use crate::args::Target;

/// Why [`load`] found no API.
#[derive(Debug)]
pub enum LoadError {
    /// The command line names no API of the specs, or the directory cannot
    /// be read.
    Usage(Usage),
    /// The provider's spec has errors: every diagnostic, rendered.
    Spec(String),
}

/// The API this process works on.
struct SpecApi {
    api: &'static Api,
    layout: &'static errspec::__private::decode::Layouts<'static>,
    /// The API's success predicate and batch layout, if it has them.
    success: Option<&'static errspec::__private::success::SuccessCheck<'static>>,
    batch: Option<&'static errspec::__private::batch::BatchLayout<'static>>,
}

static API: OnceLock<SpecApi> = OnceLock::new();

/// Reads the specs in `dir`, finds the API `target` names (the provider's
/// only API or its `default_api` when the API is left out) and installs it
/// for this process. A spec of another provider that does not load is
/// ignored; the provider's own spec must load without errors.
pub fn load(dir: &Path, target: &Target) -> Result<&'static ApiEntry, LoadError> {
    let specs = errspec_codegen::project::read_specs(dir)
        .map_err(|e| LoadError::Usage(Usage(format!("--spec-dir: {e}"))))?;
    let mut broken = String::new();
    let mut providers = Vec::new();
    let mut found: Option<Catalog> = None;
    for file in &specs {
        match errspec_codegen::load_catalog(file) {
            Ok(loaded) if loaded.catalog.provider.value == target.provider => {
                found = Some(loaded.catalog);
                break;
            }
            Ok(loaded) => providers.push(loaded.catalog.provider.value),
            Err(diagnostics) => broken.push_str(&diagnostics.render(file)),
        }
    }
    let Some(catalog) = found else {
        if !broken.is_empty() {
            return Err(LoadError::Spec(broken));
        }
        return Err(LoadError::Usage(Usage(format!(
            "no spec in {} has provider `{}`; its specs have: {}",
            dir.display(),
            target.provider,
            if providers.is_empty() {
                String::from("none")
            } else {
                providers.join(", ")
            }
        ))));
    };
    // One API per process, installed once: leaked for `'static`.
    let catalog: &'static Catalog = Box::leak(Box::new(catalog));
    let entries: Vec<ApiEntry> = catalog
        .apis
        .iter()
        .map(|api| ApiEntry {
            provider: &catalog.provider.value,
            api: &api.name.value,
            idempotency_header: api.idempotency_header.as_ref().map(|h| h.value.as_str()),
            read_delay_hints: SpecError::<Unkeyed>::read_delay_hints,
            decode: |status, headers, body| {
                Box::new(SpecError::<Unkeyed>::decode(status, headers, body))
            },
            check_success: |status, headers, body| {
                SpecError::<Unkeyed>::check_success(status, headers, body)
                    .map(|e| Box::new(e) as Box<dyn errspec::registry::DynApiError>)
            },
            batch_failures: SpecError::<Unkeyed>::batch_failures,
        })
        .collect();
    let entries: &'static [ApiEntry] = Box::leak(entries.into_boxed_slice());
    let default_api = |_: &str| catalog.default_api.as_deref();
    let entry = crate::find_api(target, entries, default_api).map_err(LoadError::Usage)?;
    let api = catalog
        .apis
        .iter()
        .find(|api| api.name.value == entry.api)
        .ok_or_else(|| LoadError::Usage(Usage(format!("no API `{}`", entry.api))))?;
    let installed = API.get_or_init(|| {
        let layout = interpret::layout(api);
        SpecApi {
            api,
            layout,
            success: interpret::success_check(api, layout),
            batch: interpret::batch_layout(api),
        }
    });
    if !std::ptr::eq(installed.api, api) {
        return Err(LoadError::Usage(Usage(String::from(
            "another API was already loaded in this process",
        ))));
    }
    Ok(entry)
}

/// Runs `visitor` with the error type of the installed API, or says why
/// its idempotency keys are out of this path's reach.
pub fn visit<V: ApiVisitor>(visitor: V) -> Result<V::Output, Usage> {
    let Some(installed) = API.get() else {
        return Err(Usage(String::from("no API loaded from --spec-dir")));
    };
    let api = installed.api;
    let more = &api.idempotency;
    let header = api.idempotency_header.as_ref().map(|h| h.value.as_str());
    let plain = more.also_headers.is_empty()
        && more.body.is_none()
        && more.max_length.is_none_or(|max| max >= 36);
    match header {
        None if plain => Ok(visitor.visit::<SpecError<Unkeyed>>()),
        Some(h) if plain && h.eq_ignore_ascii_case(IdempotencyKey::HEADER) => {
            Ok(visitor.visit::<SpecError<IdempotencyKey>>())
        }
        _ => Err(Usage(format!(
            "`request --spec-dir` sends idempotency keys only in an `Idempotency-Key` \
             header, and {} takes them elsewhere: generate its catalog and run \
             `request` on a build that has it",
            api.name.value
        ))),
    }
}

/// Where an API of the spec directory takes its idempotency key.
pub trait KeyPlace: Send + Sync + 'static {
    /// [`ApiError::IDEMPOTENCY_HEADER`].
    const HEADER: Option<&'static str>;
}

/// No idempotency key.
#[derive(Debug)]
pub enum Unkeyed {}

impl KeyPlace for Unkeyed {
    const HEADER: Option<&'static str> = None;
}

/// The `Idempotency-Key` header.
#[derive(Debug)]
pub enum IdempotencyKey {}

impl IdempotencyKey {
    const HEADER: &'static str = "idempotency-key";
}

impl KeyPlace for IdempotencyKey {
    const HEADER: Option<&'static str> = Some(IdempotencyKey::HEADER);
}

/// An error of the API [`load`] installed, decoded through its model.
pub struct SpecError<K> {
    code: Option<String>,
    variant: &'static str,
    known: bool,
    retry: RetryClass,
    decided_by: DecidedBy,
    details: ErrorDetails,
    extras: Option<Extras>,
    _key: PhantomData<fn() -> K>,
}

impl<K> std::fmt::Debug for SpecError<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpecError")
            .field("code", &self.code)
            .field("retry", &self.retry)
            .field("details", &self.details)
            .finish_non_exhaustive()
    }
}

impl<K> std::fmt::Display for SpecError<K> {
    /// As generated errors print: status, code, message, request id.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.details.status;
        f.write_str(status.as_str())?;
        if let Some(reason) = status.canonical_reason() {
            write!(f, " {reason}")?;
        }
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        if let Some(message) = &self.details.message {
            write!(f, ": {message}")?;
        }
        if let Some(id) = &self.details.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl<K> std::error::Error for SpecError<K> {}

impl<K: KeyPlace> ApiError for SpecError<K> {
    const PROVIDER: &'static str = "spec-dir";
    const API: &'static str = "spec-dir";
    const IDEMPOTENCY_HEADER: Option<&'static str> = K::HEADER;

    fn decode(status: http::StatusCode, headers: &http::HeaderMap, body: &[u8]) -> Self {
        match API.get() {
            Some(installed) => {
                let decoded = interpret::decode_response(
                    installed.api,
                    installed.layout,
                    status,
                    headers,
                    body,
                );
                SpecError {
                    code: decoded.code,
                    variant: decoded.variant,
                    known: decoded.known,
                    retry: decoded.retry,
                    decided_by: decoded.decided_by,
                    details: decoded.details,
                    extras: Some(decoded.extras),
                    _key: PhantomData,
                }
            }
            // Only `load` hands out this type: not reached. An error that
            // is never retried is the safe answer if it were.
            None => SpecError {
                code: None,
                variant: "Other",
                known: false,
                retry: RetryClass::Never,
                decided_by: DecidedBy::Default,
                details: ErrorDetails::new(status),
                extras: None,
                _key: PhantomData,
            },
        }
    }

    fn read_delay_hints(headers: &http::HeaderMap) -> DelayHints {
        API.get().map_or_else(DelayHints::default, |installed| {
            installed.layout.read_delay_hints(headers)
        })
    }

    fn success_check() -> Option<&'static errspec::__private::success::SuccessCheck<'static>> {
        API.get()?.success
    }

    fn batch_layout() -> Option<&'static errspec::__private::batch::BatchLayout<'static>> {
        API.get()?.batch
    }

    fn retry_class(&self) -> RetryClass {
        self.retry
    }

    fn extras(&self) -> Option<&Extras> {
        self.extras.as_ref()
    }

    fn decided_by(&self) -> Option<DecidedBy> {
        Some(self.decided_by)
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        self.code.as_deref().map(Cow::Borrowed)
    }

    fn variant_name(&self) -> &'static str {
        self.variant
    }

    fn is_known(&self) -> bool {
        self.known
    }

    fn status(&self) -> Option<http::StatusCode> {
        Some(self.details.status)
    }

    fn message(&self) -> Option<&str> {
        self.details.message.as_deref()
    }

    fn request_id(&self) -> Option<&str> {
        self.details.request_id.as_deref()
    }

    fn field_errors(&self) -> &[FieldError] {
        &self.details.field_errors
    }

    fn delay_hints(&self) -> DelayHints {
        self.details.delay_hints
    }
}
