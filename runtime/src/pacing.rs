//! Pacing: holding a request back before the provider would refuse it.
//!
//! A provider's rate limits are per account (or per API key), not per
//! request. [`Pacing`] keeps what the provider said about a *scope* and
//! makes the [`Client`](crate::Client) wait before sending into a refusal:
//!
//! - every response, successes included, is read for the API's rate-limit
//!   headers ([`ApiError::read_delay_hints`]); when `remaining` is 0, the scope is
//!   blocked until the window resets;
//! - a `throttled` response blocks the whole scope for the delay it asked
//!   for (or, without one, for the retry's backoff), not only the request
//!   that received it; so does a `Retry-After` on any error;
//! - documented limits ([`RateLimit`]: from the catalog's `limits`, or set
//!   with [`Pacing::limit`]) are paced with GCRA (the generic cell rate
//!   algorithm): each send reserves the next free slot of every limit of its
//!   scope and waits for it.
//!
//! - with [`Pacing::retry_budget`], the retry budget is kept in the store
//!   too, per account: every client of the account (with a shared store,
//!   every process) spends one bucket, so a fleet in an outage retries as
//!   much as one client would, not K times as much.
//!
//! Every integration paces: [`Client`](crate::Client), and every loop on
//! [`Retrier`](crate::retry::Retrier) (the reqwest-middleware and tower
//! integrations, and your own): the retrier carries the `Pacing`, and
//! [`Attempts`](crate::retry::Attempts) asks it before each send and tells
//! it what each response said. An async loop uses the store, shared or
//! not ([`Attempts::wait_turn`](crate::retry::Attempts::wait_turn)); a
//! blocking loop paces on this process's state
//! ([`Attempts::hold`](crate::retry::Attempts::hold)).
//!
//! Every block is cut at the policy's
//! [`max_server_delay`](crate::RetryPolicy::max_server_delay), as a
//! `Retry-After` is: a reset a year away holds requests for at most that
//! long. Pacing only ever delays a send: it never drops, fails or repeats one.
//!
//! The state lives in a [`PacingStore`]. The default, [`LocalStore`], is in
//! this process (shared by a client's clones and by every client built with
//! the same `Pacing`); `errspec-redis` shares it across a fleet. A shared
//! store that fails or answers too slowly is bypassed for a second at a time
//! (with a `tracing` warning), the in-process state standing in, until it
//! answers again.
//!
//! Scope keys never hold secrets: the account is a label you choose
//! ([`Pacing::account`]) or a SHA-256 digest of the request's credential
//! headers (`Authorization`, headers marked sensitive, headers whose name
//! holds `key`, `token`, `secret` or `auth`), never the credential itself.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::policy::Decision;
use crate::{ApiError, DelayHints, RetryClass};
pub use crate::{LimitScope, RateLimit};

/// The future a [`PacingStore`] returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A [`PacingStore`] could not answer (connection, protocol, script).
#[derive(Debug)]
pub struct StoreError {
    message: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pacing store: {}", self.message)
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    /// An error with this description (it must not hold secrets: it is logged).
    pub fn new(message: impl fmt::Display) -> StoreError {
        StoreError {
            message: message.to_string(),
        }
    }
}

/// One GCRA cell to take a slot of: a key and the spacing between slots.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cell {
    /// The cell's key (no secrets: see the module docs).
    pub key: String,
    /// The spacing between two sends ([`RateLimit::interval`]).
    pub interval: Duration,
}

/// Where pacing state lives: blocked-until per scope, GCRA cells, and
/// retry-budget buckets.
///
/// Every operation is atomic: an implementation shared between processes
/// (`errspec-redis`) runs each as one server-side script. Times are relative
/// (a wait, a delay), so processes need no agreement on the clock; a shared
/// store uses its own clock.
pub trait PacingStore: Send + Sync + fmt::Debug {
    /// Reserves a send in `scope`: the send may go when the scope's block
    /// ends and every cell has a free slot; each cell's next slot then
    /// moves one interval past it. Returns how long to wait from now.
    ///
    /// In GCRA terms, with `tat` the cell's theoretical arrival time:
    /// `at = max(now, blocked_until, tat of every cell)`, then every
    /// `tat = at + interval`; the wait is `at - now`.
    fn reserve<'a>(
        &'a self,
        scope: &'a str,
        cells: &'a [Cell],
    ) -> StoreFuture<'a, Result<Duration, StoreError>>;

    /// Blocks `scope` for `delay` from now; a longer block already in place
    /// is kept.
    fn block<'a>(
        &'a self,
        scope: &'a str,
        delay: Duration,
    ) -> StoreFuture<'a, Result<(), StoreError>>;

    /// Takes `cost` tokens from the retry-budget bucket `key` of
    /// `capacity` tokens (a bucket never seen is full). Returns the tokens
    /// left, or `None` (taking nothing) when fewer than `cost` are left.
    fn spend<'a>(
        &'a self,
        key: &'a str,
        cost: u32,
        capacity: u32,
    ) -> StoreFuture<'a, Result<Option<u32>, StoreError>>;

    /// Puts `tokens` back into the bucket `key`, up to `capacity`; returns
    /// the tokens it then holds.
    fn deposit<'a>(
        &'a self,
        key: &'a str,
        tokens: u32,
        capacity: u32,
    ) -> StoreFuture<'a, Result<u32, StoreError>>;
}

/// The in-process [`PacingStore`]: a map under a mutex, with a lock-free
/// "nothing to wait for" check so a client without limits and without
/// blocks pays one atomic load per send.
///
/// GCRA is written out here (a few lines, in [`gcra_reserve`]) rather than
/// taken from the `governor` crate: governor keeps its state as nanoseconds
/// from its own clock's start, in-process only, while a fleet needs the same
/// arithmetic in a Redis script on the server's clock. One formula, written
/// twice (here and in `errspec-redis`'s script), tested against each other.
#[derive(Debug)]
pub struct LocalStore {
    epoch: Instant,
    /// Microseconds since `epoch`, by key: block ends and cells' next slots.
    state: Mutex<HashMap<String, u64>>,
    /// Whether `state` has ever held anything (the fast path).
    used: AtomicBool,
    /// Retry-budget buckets: tokens left, by key; absent is full.
    budgets: Mutex<HashMap<String, u32>>,
}

impl Default for LocalStore {
    fn default() -> LocalStore {
        LocalStore::new()
    }
}

impl LocalStore {
    /// An empty store.
    pub fn new() -> LocalStore {
        LocalStore {
            epoch: Instant::now(),
            state: Mutex::new(HashMap::new()),
            used: AtomicBool::new(false),
            budgets: Mutex::new(HashMap::new()),
        }
    }

    fn now(&self) -> u64 {
        micros(self.epoch.elapsed())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        // The map holds plain numbers: a panic elsewhere cannot leave it inconsistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the store has never held a block or a cell.
    #[inline]
    fn is_unused(&self) -> bool {
        !self.used.load(Ordering::Acquire)
    }

    /// [`PacingStore::reserve`], synchronously.
    #[inline]
    pub fn reserve_now(&self, scope: &str, cells: &[Cell]) -> Duration {
        self.reserve_after(scope, cells, Duration::ZERO)
    }

    /// [`reserve_now`](Self::reserve_now) for a send that cannot go before
    /// `earliest` from now (a retry after its backoff): the slot taken is
    /// the first free one from then. Returns the wait from now, at least
    /// `earliest`.
    #[inline]
    pub(crate) fn reserve_after(
        &self,
        scope: &str,
        cells: &[Cell],
        earliest: Duration,
    ) -> Duration {
        if cells.is_empty() && self.is_unused() {
            return earliest;
        }
        self.reserve_in_state(scope, cells, earliest)
    }

    /// [`reserve_after`](Self::reserve_after) when there may be something
    /// to wait for: under the lock.
    #[cold]
    fn reserve_in_state(&self, scope: &str, cells: &[Cell], earliest: Duration) -> Duration {
        let now = self.now();
        let mut state = self.lock();
        if state.len() > 4096 {
            // Forget what is over: blocks that ended, cells that are idle.
            state.retain(|_, until| *until > now);
        }
        let blocked = state.get(scope).copied().unwrap_or(0);
        let mut tats: Vec<(u64, u64)> = cells
            .iter()
            .map(|c| (state.get(&c.key).copied().unwrap_or(0), micros(c.interval)))
            .collect();
        let at = gcra_reserve(now.saturating_add(micros(earliest)), blocked, &mut tats);
        if !cells.is_empty() {
            self.used.store(true, Ordering::Release);
        }
        for (cell, (tat, _)) in cells.iter().zip(tats) {
            // A cell seen before keeps its key: no allocation per send.
            match state.get_mut(&cell.key) {
                Some(slot) => *slot = tat,
                None => {
                    state.insert(cell.key.clone(), tat);
                }
            }
        }
        Duration::from_micros(at - now)
    }

    /// [`PacingStore::spend`], synchronously.
    pub fn spend_now(&self, key: &str, cost: u32, capacity: u32) -> Option<u32> {
        let mut budgets = self.budgets.lock().unwrap_or_else(PoisonError::into_inner);
        let tokens = budgets.get(key).copied().unwrap_or(capacity).min(capacity);
        let left = tokens.checked_sub(cost)?;
        budgets.insert(key.to_owned(), left);
        Some(left)
    }

    /// [`PacingStore::deposit`], synchronously.
    pub fn deposit_now(&self, key: &str, tokens: u32, capacity: u32) -> u32 {
        let mut budgets = self.budgets.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(held) = budgets.get(key).copied() else {
            return capacity;
        };
        let now = held.saturating_add(tokens).min(capacity);
        if now == capacity {
            // A full bucket is the absent one.
            budgets.remove(key);
        } else {
            budgets.insert(key.to_owned(), now);
        }
        now
    }

    /// [`PacingStore::block`], synchronously.
    pub fn block_now(&self, scope: &str, delay: Duration) {
        let until = self.now().saturating_add(micros(delay));
        self.used.store(true, Ordering::Release);
        let mut state = self.lock();
        let entry = state.entry(scope.to_owned()).or_insert(0);
        *entry = (*entry).max(until);
    }
}

impl PacingStore for LocalStore {
    fn reserve<'a>(
        &'a self,
        scope: &'a str,
        cells: &'a [Cell],
    ) -> StoreFuture<'a, Result<Duration, StoreError>> {
        let wait = self.reserve_now(scope, cells);
        Box::pin(std::future::ready(Ok(wait)))
    }

    fn block<'a>(
        &'a self,
        scope: &'a str,
        delay: Duration,
    ) -> StoreFuture<'a, Result<(), StoreError>> {
        self.block_now(scope, delay);
        Box::pin(std::future::ready(Ok(())))
    }

    fn spend<'a>(
        &'a self,
        key: &'a str,
        cost: u32,
        capacity: u32,
    ) -> StoreFuture<'a, Result<Option<u32>, StoreError>> {
        Box::pin(std::future::ready(Ok(self.spend_now(key, cost, capacity))))
    }

    fn deposit<'a>(
        &'a self,
        key: &'a str,
        tokens: u32,
        capacity: u32,
    ) -> StoreFuture<'a, Result<u32, StoreError>> {
        Box::pin(std::future::ready(Ok(
            self.deposit_now(key, tokens, capacity)
        )))
    }
}

/// GCRA with reservation, in microseconds: the send goes at `at`, the
/// latest of now, the scope's block end and every cell's theoretical
/// arrival time (`tat`); each cell's `tat` becomes `at` plus its interval.
/// `cells` holds `(tat, interval)` pairs, updated in place. Strict spacing
/// (no burst): a provider counting in fixed windows never sees more than
/// its limit in one window from paced sends.
pub fn gcra_reserve(now: u64, blocked_until: u64, cells: &mut [(u64, u64)]) -> u64 {
    let at = cells
        .iter()
        .fold(now.max(blocked_until), |at, &(tat, _)| at.max(tat));
    for (tat, interval) in cells.iter_mut() {
        *tat = at.saturating_add(*interval);
    }
    at
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// How long a failing shared store is bypassed before it is asked again.
const STORE_COOLDOWN: Duration = Duration::from_secs(1);
/// The default bound on one call to a shared store.
pub const DEFAULT_STORE_TIMEOUT: Duration = Duration::from_millis(50);

/// Pacing settings and state for [`Client`](crate::Client)s: which store,
/// which account, which limits. Cloning shares the state; so does giving
/// the same `Pacing` to several clients' builders.
///
/// ```
/// use std::time::Duration;
/// use errspec::pacing::{LimitScope, Pacing, RateLimit};
///
/// let pacing = Pacing::new()
///     .account("billing-team")   // a label, never a key
///     .limit(RateLimit::new(10, Duration::from_secs(1), LimitScope::Account));
/// # let _ = pacing;
/// ```
#[derive(Clone)]
pub struct Pacing {
    inner: Arc<PacingInner>,
}

struct PacingInner {
    local: LocalStore,
    shared: Option<Arc<dyn PacingStore>>,
    store_timeout: Duration,
    account: Option<String>,
    limits: Vec<RateLimit>,
    catalog_limits: bool,
    /// The capacity of the account's retry budget kept in the store, if any.
    budget: Option<u32>,
    /// Whether a spend saw the account's bucket below full: successes
    /// then put a token back (a full bucket costs successes no store call).
    budget_low: AtomicBool,
    namespace: String,
    /// Scope keys by (provider, API, credentials) fingerprint.
    scopes: Mutex<HashMap<u64, Arc<Scope>, BuildHasherDefault<Fingerprint>>>,
    /// The keys of the fingerprints.
    fingerprints: RandomState,
    /// While the shared store is bypassed: until when (µs of `local`'s clock).
    bypass_until: AtomicU64,
    degraded: AtomicBool,
    held: AtomicU64,
    held_micros: AtomicU64,
    blocks: AtomicU64,
    store_failures: AtomicU64,
}

/// What a [`Pacing`] did so far (all its clients together).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PacingStats {
    /// Sends held back for their scope's turn.
    pub held: u64,
    /// The total time they were held.
    pub held_for: Duration,
    /// Blocks recorded (a spent window, a throttled response, a `Retry-After`).
    pub blocks: u64,
    /// Calls to the shared store that failed or timed out.
    pub store_failures: u64,
}

impl fmt::Debug for Pacing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Pacing")
            .field("shared", &inner.shared)
            .field("store_timeout", &inner.store_timeout)
            .field("account", &inner.account)
            .field("limits", &inner.limits)
            .field("catalog_limits", &inner.catalog_limits)
            .field("budget", &inner.budget)
            .field("namespace", &inner.namespace)
            .finish_non_exhaustive()
    }
}

impl Default for Pacing {
    fn default() -> Pacing {
        Pacing::new()
    }
}

/// The keys of one scope: its block, its GCRA cells and its account's
/// retry budget.
#[derive(Debug)]
pub(crate) struct Scope {
    block: String,
    cells: Vec<Cell>,
    budget: String,
}

/// The scope of the first credentials a retrier's requests carried, for
/// [`Pacing::scope`]. Set once: a client sending with several credentials
/// finds the others' scopes in the pacing's map, as before.
#[derive(Default)]
pub(crate) struct ScopeCache {
    first: OnceLock<KnownScope>,
}

/// Not the credentials: they stay out of `Debug` output.
impl fmt::Debug for ScopeCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeCache")
            .field("scope", &self.first.get().map(|known| &known.scope))
            .finish()
    }
}

/// Credentials (as sent: the comparison needs them, and they never leave
/// this struct) and the scope they name.
struct KnownScope {
    credentials: Box<[(HeaderName, HeaderValue)]>,
    scope: Arc<Scope>,
}

impl KnownScope {
    /// Whether `headers` carry exactly these credentials, in this order
    /// (the order the fingerprint reads them in).
    #[inline]
    fn matches(&self, headers: &HeaderMap, idempotency: Option<&str>) -> bool {
        // No headers on the request (credentials in the HTTP client's
        // default headers, which are added after this): nothing to compare.
        if headers.is_empty() {
            return self.credentials.is_empty();
        }
        self.matches_credentials(headers, idempotency)
    }

    /// [`matches`](Self::matches) for a request with headers.
    fn matches_credentials(&self, headers: &HeaderMap, idempotency: Option<&str>) -> bool {
        let mut known = self.credentials.iter();
        credentials(headers, idempotency).all(|(name, value)| {
            known
                .next()
                .is_some_and(|(n, v)| n == name && v.as_bytes() == value.as_bytes())
        }) && known.next().is_none()
    }
}

impl Pacing {
    /// In-process pacing: the catalog's limits, no account label.
    pub fn new() -> Pacing {
        Pacing::build(None)
    }

    /// Pacing on a store shared by several processes (e.g.
    /// `errspec_redis::RedisStore`), with this process's own state standing
    /// in while the store fails.
    pub fn shared(store: Arc<dyn PacingStore>) -> Pacing {
        Pacing::build(Some(store))
    }

    fn build(shared: Option<Arc<dyn PacingStore>>) -> Pacing {
        Pacing {
            inner: Arc::new(PacingInner {
                local: LocalStore::new(),
                shared,
                store_timeout: DEFAULT_STORE_TIMEOUT,
                account: None,
                limits: Vec::new(),
                catalog_limits: true,
                budget: None,
                budget_low: AtomicBool::new(false),
                namespace: "errspec".to_owned(),
                scopes: Mutex::new(HashMap::default()),
                fingerprints: RandomState::new(),
                bypass_until: AtomicU64::new(0),
                degraded: AtomicBool::new(false),
                held: AtomicU64::new(0),
                held_micros: AtomicU64::new(0),
                blocks: AtomicU64::new(0),
                store_failures: AtomicU64::new(0),
            }),
        }
    }

    fn edit(mut self, f: impl FnOnce(&mut PacingInner)) -> Pacing {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => f(inner),
            None => {
                // Shared already: settings apply to a fresh state.
                let old = &self.inner;
                let mut inner = PacingInner {
                    local: LocalStore::new(),
                    shared: old.shared.clone(),
                    store_timeout: old.store_timeout,
                    account: old.account.clone(),
                    limits: old.limits.clone(),
                    catalog_limits: old.catalog_limits,
                    budget: old.budget,
                    budget_low: AtomicBool::new(false),
                    namespace: old.namespace.clone(),
                    scopes: Mutex::new(HashMap::default()),
                    fingerprints: RandomState::new(),
                    bypass_until: AtomicU64::new(0),
                    degraded: AtomicBool::new(false),
                    held: AtomicU64::new(0),
                    held_micros: AtomicU64::new(0),
                    blocks: AtomicU64::new(0),
                    store_failures: AtomicU64::new(0),
                };
                f(&mut inner);
                self.inner = Arc::new(inner);
            }
        }
        self
    }

    /// The account these requests are sent for, as a label of your own
    /// (a team or tenant name: it appears in store keys, so never a key).
    /// Without it, each credential counts as its own account.
    pub fn account(self, label: impl Into<String>) -> Pacing {
        let label = label.into();
        self.edit(|inner| inner.account = Some(label))
    }

    /// Adds a limit to pace to, besides the catalog's (e.g. your plan's).
    pub fn limit(self, limit: RateLimit) -> Pacing {
        self.edit(|inner| inner.limits.push(limit))
    }

    /// Whether to pace to the limits the catalog documents
    /// ([`ApiError::RATE_LIMITS`]); default `true`.
    pub fn catalog_limits(self, on: bool) -> Pacing {
        self.edit(|inner| inner.catalog_limits = on)
    }

    /// Keeps the retry budget in the store, one bucket of `capacity`
    /// tokens per account (the same costs and refunds as
    /// [`RetryBudget`](crate::RetryBudget)): with a shared store, every
    /// process of the fleet spends the same bucket. It applies on top of
    /// each client's own budget; give clients `without_budget()` to have
    /// only this one. Default: none.
    pub fn retry_budget(self, capacity: u32) -> Pacing {
        self.edit(|inner| inner.budget = Some(capacity))
    }

    /// The bound on one call to the shared store (default
    /// [`DEFAULT_STORE_TIMEOUT`], 50 ms); a slower answer counts as a failure.
    pub fn store_timeout(self, timeout: Duration) -> Pacing {
        self.edit(|inner| inner.store_timeout = timeout)
    }

    /// The prefix of every key (default `errspec`), e.g. to separate
    /// environments sharing one Redis.
    pub fn namespace(self, prefix: impl Into<String>) -> Pacing {
        let prefix = prefix.into();
        self.edit(|inner| inner.namespace = prefix)
    }

    /// What this pacing did so far.
    pub fn stats(&self) -> PacingStats {
        let inner = &self.inner;
        PacingStats {
            held: inner.held.load(Ordering::Relaxed),
            held_for: Duration::from_micros(inner.held_micros.load(Ordering::Relaxed)),
            blocks: inner.blocks.load(Ordering::Relaxed),
            store_failures: inner.store_failures.load(Ordering::Relaxed),
        }
    }

    /// Whether the state is shared with other processes (a shared store).
    pub fn is_shared(&self) -> bool {
        self.inner.shared.is_some()
    }

    /// Whether a shared store is currently bypassed after a failure.
    pub fn is_degraded(&self) -> bool {
        self.inner.degraded.load(Ordering::Acquire)
    }

    /// The scope of a request of API `E` with these headers.
    ///
    /// `cache` (one per [`Retrier`](crate::retry::Retrier), so per API)
    /// holds the first credentials seen and their scope: a request with
    /// the same credentials, nearly every request of most clients, names
    /// its scope by comparing its credential headers, with no hash and no
    /// lock. Other credentials take the keyed fingerprint and the map.
    #[inline]
    pub(crate) fn scope<E: ApiError>(
        &self,
        cache: &ScopeCache,
        headers: &HeaderMap,
        idempotency: Option<&str>,
    ) -> Arc<Scope> {
        if let Some(known) = cache.first.get()
            && known.matches(headers, idempotency)
        {
            return known.scope.clone();
        }
        self.scope_not_first::<E>(cache, headers, idempotency)
    }

    /// [`scope`](Self::scope) for credentials other than the first
    /// (or the first, the first time).
    #[cold]
    fn scope_not_first<E: ApiError>(
        &self,
        cache: &ScopeCache,
        headers: &HeaderMap,
        idempotency: Option<&str>,
    ) -> Arc<Scope> {
        if cache.first.get().is_some() {
            return self.scope_uncached::<E>(headers, idempotency);
        }
        let scope = self.scope_uncached::<E>(headers, idempotency);
        // Another thread may have set it first: its scope is as good.
        let _ = cache.first.set(KnownScope {
            credentials: credentials(headers, idempotency)
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
            scope: scope.clone(),
        });
        scope
    }

    /// [`scope`](Self::scope) by the keyed fingerprint of the provider,
    /// the API and the credentials, looked up in this pacing's map.
    fn scope_uncached<E: ApiError>(
        &self,
        headers: &HeaderMap,
        idempotency: Option<&str>,
    ) -> Arc<Scope> {
        let credentials = || {
            credentials(headers, idempotency).map(|(name, value)| (name.as_str(), value.as_bytes()))
        };
        // Keyed with this pacing's random keys, so no one can choose
        // credentials that share another's scope; the map then needs no
        // hashing of its own.
        let mut fingerprint = self.inner.fingerprints.build_hasher();
        (E::PROVIDER, E::API).hash(&mut fingerprint);
        for credential in credentials() {
            credential.hash(&mut fingerprint);
        }
        let fingerprint = fingerprint.finish();
        let mut scopes = self
            .inner
            .scopes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(scope) = scopes.get(&fingerprint) {
            return scope.clone();
        }
        let credentials: Vec<(&str, &[u8])> = credentials().collect();
        let scope = Arc::new(self.make_scope::<E>(&credentials));
        if scopes.len() >= 1024 {
            scopes.clear();
        }
        scopes.insert(fingerprint, scope.clone());
        scope
    }

    fn make_scope<E: ApiError>(&self, credentials: &[(&str, &[u8])]) -> Scope {
        let inner = &self.inner;
        let key = if credentials.is_empty() {
            "anonymous".to_owned()
        } else {
            credential_digest(credentials)
        };
        let account = match &inner.account {
            Some(label) => format!("account-{label}"),
            None => key.clone(),
        };
        // One hash tag (`{…}`) per account, so a Redis Cluster keeps a
        // scope's keys in one slot, as a script needs.
        let base = format!("{}:{{{}:{account}}}", inner.namespace, E::PROVIDER);
        let catalog = if inner.catalog_limits {
            E::RATE_LIMITS
        } else {
            &[]
        };
        let mut cells: Vec<Cell> = catalog
            .iter()
            .chain(&inner.limits)
            .filter(|limit| limit.requests > 0 && !limit.per.is_zero())
            .map(|limit| {
                let counted = match limit.scope {
                    LimitScope::ApiKey => key.as_str(),
                    // The account, and any wider scope a later version adds.
                    _ => "account",
                };
                Cell {
                    key: format!(
                        "{base}:gcra:{counted}:{}/{}ms",
                        limit.requests,
                        limit.per.as_millis()
                    ),
                    interval: limit.interval(),
                }
            })
            .collect();
        // The same limit stated twice (catalog and user) is one cell.
        cells.sort_by(|a, b| a.key.cmp(&b.key));
        cells.dedup_by(|a, b| a.key == b.key);
        Scope {
            block: format!("{base}:block"),
            cells,
            budget: format!("{base}:budget"),
        }
    }

    /// How long a send in `scope` must wait for its turn, by this
    /// process's state alone (for loops that cannot wait on a shared
    /// store); the slot is taken.
    pub(crate) fn hold_local(&self, scope: &Scope, max_wait: Duration) -> Duration {
        let wait = self
            .inner
            .local
            .reserve_now(&scope.block, &scope.cells)
            .min(max_wait);
        self.count_hold(wait);
        wait
    }

    /// [`hold_local`](Self::hold_local) for a retry that waits `after`
    /// anyway (its backoff or server delay): the wait before it, at least
    /// `after`, and past it at most to `max_wait`; the slot is taken.
    /// Only the time beyond `after` counts as held.
    #[cfg(feature = "reqwest-middleware")]
    pub(crate) fn hold_local_after(
        &self,
        scope: &Scope,
        after: Duration,
        max_wait: Duration,
    ) -> Duration {
        let turn = self
            .inner
            .local
            .reserve_after(&scope.block, &scope.cells, after)
            .min(max_wait.max(after));
        self.count_hold(turn.saturating_sub(after));
        turn
    }

    /// [`block_shared`](Self::block_shared) from synchronous code in a
    /// tokio runtime: a task of its own tells the shared store (nothing to
    /// do without one, or outside a runtime). The block is in this
    /// process's state already; a store that fails is bypassed as usual.
    #[cfg(feature = "reqwest-middleware")]
    pub(crate) fn block_shared_detached(&self, scope: &Arc<Scope>, delay: Duration) {
        if delay.is_zero() || self.inner.shared.is_none() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (pacing, scope) = (self.clone(), scope.clone());
        drop(runtime.spawn(async move { pacing.block_shared(&scope, delay).await }));
    }

    #[inline]
    fn count_hold(&self, wait: Duration) {
        if !wait.is_zero() {
            self.count_held(wait);
        }
    }

    #[cold]
    fn count_held(&self, wait: Duration) {
        self.inner.held.fetch_add(1, Ordering::Relaxed);
        self.inner
            .held_micros
            .fetch_add(micros(wait), Ordering::Relaxed);
        tracing::debug!(
            target: "errspec::pacing",
            wait_ms = wait.as_secs_f64() * 1000.0,
            "holding the request for the scope's turn"
        );
    }

    /// Waits for the scope's turn, at most `max_wait`.
    pub(crate) async fn wait_turn(&self, scope: &Scope, max_wait: Duration) {
        let wait = match self.shared_store() {
            Some(store) => {
                let asked = tokio::time::timeout(
                    self.inner.store_timeout,
                    store.reserve(&scope.block, &scope.cells),
                )
                .await;
                match asked {
                    Ok(Ok(wait)) => {
                        self.store_answered();
                        // Kept in step, so a fallback starts from what this
                        // process knows.
                        if !scope.cells.is_empty() {
                            self.inner.local.reserve_now(&scope.block, &scope.cells);
                        }
                        wait
                    }
                    Ok(Err(error)) => {
                        self.store_failed(&error.to_string());
                        self.inner.local.reserve_now(&scope.block, &scope.cells)
                    }
                    Err(_) => {
                        self.store_failed("no answer within the store timeout");
                        self.inner.local.reserve_now(&scope.block, &scope.cells)
                    }
                }
            }
            None => self.inner.local.reserve_now(&scope.block, &scope.cells),
        };
        let wait = wait.min(max_wait);
        self.count_hold(wait);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Records a block of `scope` in this process; the shared store, if
    /// any, is told by [`block_shared`](Self::block_shared).
    pub(crate) fn block_local(&self, scope: &Scope, delay: Duration) {
        if delay.is_zero() {
            return;
        }
        tracing::debug!(
            target: "errspec::pacing",
            delay_ms = delay.as_secs_f64() * 1000.0,
            "blocking the scope"
        );
        self.inner.blocks.fetch_add(1, Ordering::Relaxed);
        self.inner.local.block_now(&scope.block, delay);
    }

    /// Tells the shared store (if any) of a block already recorded here.
    pub(crate) async fn block_shared(&self, scope: &Scope, delay: Duration) {
        if delay.is_zero() {
            return;
        }
        if let Some(store) = self.shared_store() {
            let asked =
                tokio::time::timeout(self.inner.store_timeout, store.block(&scope.block, delay))
                    .await;
            match asked {
                Ok(Ok(())) => self.store_answered(),
                Ok(Err(error)) => self.store_failed(&error.to_string()),
                Err(_) => self.store_failed("no answer within the store timeout"),
            }
        }
    }

    /// Whether a send in `scope` may go now by this process's state,
    /// without taking a slot: the scope has no limits and nothing was
    /// ever blocked in this process (one atomic load). Then
    /// [`hold_local`](Self::hold_local) would wait for nothing.
    #[inline]
    pub(crate) fn is_free_locally(&self, scope: &Scope) -> bool {
        scope.cells.is_empty() && self.inner.local.is_unused()
    }

    /// Whether retries are charged to a budget kept in the store.
    #[inline]
    pub(crate) fn has_budget(&self) -> bool {
        self.inner.budget.is_some()
    }

    /// Takes `cost` tokens from the account's budget in the store (the
    /// shared one, else this process's); `true` when granted. Without a
    /// [`retry_budget`](Self::retry_budget), always granted.
    pub(crate) async fn spend(&self, scope: &Scope, cost: u32) -> bool {
        let Some(capacity) = self.inner.budget else {
            return true;
        };
        let left = match self.shared_store() {
            Some(store) => {
                let asked = tokio::time::timeout(
                    self.inner.store_timeout,
                    store.spend(&scope.budget, cost, capacity),
                )
                .await;
                match asked {
                    Ok(Ok(left)) => {
                        self.store_answered();
                        left
                    }
                    Ok(Err(error)) => {
                        self.store_failed(&error.to_string());
                        self.inner.local.spend_now(&scope.budget, cost, capacity)
                    }
                    Err(_) => {
                        self.store_failed("no answer within the store timeout");
                        self.inner.local.spend_now(&scope.budget, cost, capacity)
                    }
                }
            }
            None => self.inner.local.spend_now(&scope.budget, cost, capacity),
        };
        if left.is_none_or(|left| left < capacity) {
            self.inner.budget_low.store(true, Ordering::Release);
        }
        left.is_some()
    }

    /// Puts `tokens` back into the account's budget in the store.
    pub(crate) async fn deposit(&self, scope: &Scope, tokens: u32) {
        let Some(capacity) = self.inner.budget else {
            return;
        };
        let held = match self.shared_store() {
            Some(store) => {
                let asked = tokio::time::timeout(
                    self.inner.store_timeout,
                    store.deposit(&scope.budget, tokens, capacity),
                )
                .await;
                match asked {
                    Ok(Ok(held)) => {
                        self.store_answered();
                        held
                    }
                    Ok(Err(error)) => {
                        self.store_failed(&error.to_string());
                        self.inner
                            .local
                            .deposit_now(&scope.budget, tokens, capacity)
                    }
                    Err(_) => {
                        self.store_failed("no answer within the store timeout");
                        self.inner
                            .local
                            .deposit_now(&scope.budget, tokens, capacity)
                    }
                }
            }
            None => self
                .inner
                .local
                .deposit_now(&scope.budget, tokens, capacity),
        };
        if held >= capacity {
            self.inner.budget_low.store(false, Ordering::Release);
        }
    }

    /// Whether a success without retries should put a token back: the
    /// bucket was seen below full.
    #[inline]
    pub(crate) fn budget_low(&self) -> bool {
        self.inner.budget_low.load(Ordering::Acquire)
    }

    /// The shared store, unless it is being bypassed after a failure.
    #[inline]
    fn shared_store(&self) -> Option<&Arc<dyn PacingStore>> {
        let store = self.inner.shared.as_ref()?;
        let until = self.inner.bypass_until.load(Ordering::Acquire);
        (until == 0 || self.inner.local.now() >= until).then_some(store)
    }

    fn store_failed(&self, why: &str) {
        self.inner.store_failures.fetch_add(1, Ordering::Relaxed);
        let until = self
            .inner
            .local
            .now()
            .saturating_add(micros(STORE_COOLDOWN));
        self.inner.bypass_until.store(until, Ordering::Release);
        if !self.inner.degraded.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                target: "errspec::pacing",
                error = why,
                "the shared pacing store failed; pacing in-process until it answers again"
            );
        }
    }

    fn store_answered(&self) {
        if self.inner.degraded.swap(false, Ordering::AcqRel) {
            self.inner.bypass_until.store(0, Ordering::Release);
            tracing::info!(
                target: "errspec::pacing",
                "the shared pacing store answers again; pacing is shared"
            );
        }
    }
}

/// How long a successful response's headers block its scope: until the
/// window's reset when it is spent, at most `max_delay`. Asked of every
/// success: [`ApiError::spent_window_reset`] looks only for the API's
/// `remaining` header (nothing when it has none).
#[inline]
pub(crate) fn success_block<E: ApiError>(
    headers: &HeaderMap,
    max_delay: Duration,
) -> Option<Duration> {
    let reset = E::spent_window_reset(headers)?;
    reset
        .delay(SystemTime::now())
        .map(|delay| delay.min(max_delay))
}

/// The hasher of the scope map, whose keys are fingerprints already
/// (keyed SipHash): it passes them through.
#[derive(Default)]
struct Fingerprint(u64);

impl Hasher for Fingerprint {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (the map's keys are `u64`); anything
        // else still hashes, plainly.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// How long an error response blocks its scope: a `Retry-After` (on any
/// error) or a spent window; without a delay of its own, a throttled
/// response blocks it for the retry's backoff. At most `max_delay`.
pub(crate) fn failure_block(
    class: RetryClass,
    hints: &DelayHints,
    decision: &Decision,
    max_delay: Duration,
) -> Option<Duration> {
    let now = SystemTime::now();
    let asked = hints
        .retry_after
        .map(|retry_after| retry_after.delay(now))
        .or_else(|| spent_window(hints, now));
    let delay = match (asked, class, decision) {
        (Some(delay), _, _) => delay,
        (None, RetryClass::Throttled, Decision::Retry { after, .. }) => *after,
        _ => return None,
    };
    Some(delay.min(max_delay))
}

/// The wait until the rate-limit window resets, when the response says it
/// is spent (`remaining` is 0); a reset in the past or implausibly far
/// ahead (`MAX_PLAUSIBLE_RESET`, a year) gives none.
fn spent_window(hints: &DelayHints, now: SystemTime) -> Option<Duration> {
    hints.spent_window_reset()?.delay(now)
}

/// The headers of `headers` that carry credentials, in order.
fn credentials<'h>(
    headers: &'h HeaderMap,
    idempotency: Option<&'h str>,
) -> impl Iterator<Item = (&'h HeaderName, &'h HeaderValue)> {
    headers
        .iter()
        .filter(move |(name, value)| is_credential(name.as_str(), value, idempotency))
}

/// Whether a header carries a credential: `Authorization`-like names,
/// values marked sensitive (reqwest's `bearer_auth`, `basic_auth`), and
/// names holding `key`, `token`, `secret` or `auth`; never the API's
/// idempotency header.
fn is_credential(name: &str, value: &HeaderValue, idempotency: Option<&str>) -> bool {
    if idempotency.is_some_and(|header| header.eq_ignore_ascii_case(name)) {
        return false;
    }
    value.is_sensitive() || name == "cookie" || names_credential(name.as_bytes())
}

/// Whether a header name holds `key`, `token`, `secret` or `auth`: one
/// pass over its bytes, each ruled out by itself unless it starts one of
/// the words (cheaper, per header of every request, than four substring
/// searches).
#[inline]
fn names_credential(name: &[u8]) -> bool {
    (0..name.len()).any(|at| {
        let rest = &name[at..];
        match rest[0] {
            b'k' => rest.starts_with(b"key"),
            b't' => rest.starts_with(b"token"),
            b's' => rest.starts_with(b"secret"),
            b'a' => rest.starts_with(b"auth"),
            _ => false,
        }
    })
}

/// `key-` and the first 16 bytes of the SHA-256 of the credentials, in hex.
fn credential_digest(credentials: &[(&str, &[u8])]) -> String {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    let mut digest = sha2::Sha256::new();
    for (name, value) in credentials {
        digest.update(name.as_bytes());
        digest.update(b"\0");
        digest.update(value);
        digest.update(b"\0");
    }
    let digest = digest.finalize();
    let mut text = String::with_capacity(4 + 32);
    text.push_str("key-");
    for byte in &digest[..16] {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcra_spaces_sends_and_waits_for_a_block() {
        let mut cells = [(0, 500)];
        assert_eq!(gcra_reserve(1_000, 0, &mut cells), 1_000);
        assert_eq!(gcra_reserve(1_000, 0, &mut cells), 1_500);
        assert_eq!(gcra_reserve(1_100, 0, &mut cells), 2_000);
        // A block past the next slot moves the send, and the slot after it.
        assert_eq!(gcra_reserve(1_100, 9_000, &mut cells), 9_000);
        assert_eq!(cells, [(9_500, 500)]);
        // The slowest of several cells decides.
        let mut two = [(0, 100), (5_000, 1_000)];
        assert_eq!(gcra_reserve(10, 0, &mut two), 5_000);
        assert_eq!(two, [(5_100, 100), (6_000, 1_000)]);
    }

    #[test]
    fn credential_names_are_those_holding_a_word() {
        for name in [
            "x-api-key",
            "authorization",
            "token",
            "x-secret-b",
            "keyx",
            "a-auth",
        ] {
            assert!(names_credential(name.as_bytes()), "{name}");
        }
        for name in [
            "",
            "k",
            "ke",
            "content-type",
            "x-request-id",
            "tokn",
            "secre",
            "aut",
        ] {
            assert!(!names_credential(name.as_bytes()), "{name}");
        }
    }

    #[test]
    fn local_store_blocks_keep_the_longest() {
        let store = LocalStore::new();
        assert_eq!(store.reserve_now("s", &[]), Duration::ZERO);
        store.block_now("s", Duration::from_secs(30));
        store.block_now("s", Duration::from_secs(1));
        let wait = store.reserve_now("s", &[]);
        assert!(wait > Duration::from_secs(29) && wait <= Duration::from_secs(30));
        assert_eq!(store.reserve_now("other", &[]), Duration::ZERO);
    }

    #[test]
    fn credential_digest_hides_the_key() {
        let key = b"Bearer sk_live_very_secret";
        let digest = credential_digest(&[("authorization", key)]);
        assert!(digest.starts_with("key-") && digest.len() == 36);
        assert!(!digest.contains("secret"));
        assert_ne!(
            digest,
            credential_digest(&[("authorization", b"Bearer other")])
        );
    }
}
