//! A Redis-backed [`PacingStore`] for errspec: every worker of a fleet
//! sees what the provider told any of them.
//!
//! A provider's rate limits are per account, and a service sends through
//! one account from many processes. With [`RedisStore`], a `remaining: 0`
//! or a `429 Retry-After: 30` seen by one worker holds the next request of
//! every worker, and the documented limits' GCRA cells are shared, so the
//! fleet together stays under the limit instead of each process alone.
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use errspec::pacing::{LimitScope, Pacing, RateLimit};
//! use errspec_redis::RedisStore;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = RedisStore::open("redis://127.0.0.1:6379/")?;
//! let pacing = Pacing::shared(Arc::new(store))
//!     .account("billing-team")
//!     .limit(RateLimit::new(10, Duration::from_secs(1), LimitScope::Account));
//! # let _ = pacing;
//! # Ok(())
//! # }
//! ```
//!
//! The retry budget of
//! [`Pacing::retry_budget`](errspec::pacing::Pacing::retry_budget) is kept
//! here too, one bucket per account: K workers spend one budget.
//!
//! Each operation is one Lua script, run atomically by the server on the
//! server's clock (`TIME`), so workers need no clock agreement and no two
//! reservations can take the same slot. Keys expire when they no longer
//! hold anything (a block that ended, an idle cell).
//!
//! Redis trouble never fails, drops or repeats a send: the store answers an
//! error (the connection is down, or slower than
//! [`Pacing::store_timeout`](errspec::pacing::Pacing::store_timeout)), and
//! the client paces on its in-process state with a warning, asking Redis
//! again a second later; the connection is re-established in the
//! background when the server returns.
#![forbid(unsafe_code)]

pub mod server;

use std::fmt;
use std::time::Duration;

use errspec::pacing::{Cell, PacingStore, StoreError, StoreFuture};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

/// Reserves a send: `KEYS[1]` is the scope's block, `KEYS[2..]` its GCRA
/// cells, `ARGV[i]` cell `i`'s interval in microseconds. The send goes at
/// `at`, the latest of now, the block's end and every cell's theoretical
/// arrival time; each cell's then becomes `at` plus its interval
/// (`errspec::pacing::gcra_reserve`, the same formula). Returns `at - now`
/// in microseconds.
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or 0))
for i = 2, #KEYS do
  at = math.max(at, tonumber(redis.call('GET', KEYS[i]) or 0))
end
for i = 2, #KEYS do
  local tat = at + tonumber(ARGV[i - 1])
  redis.call('SET', KEYS[i], string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000) + 1)
end
return at - now
";

/// Blocks a scope: `KEYS[1]` is its block, `ARGV[1]` the delay in
/// microseconds; a later end already there is kept.
const BLOCK: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local till = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or 0)
if till > current then
  redis.call('SET', KEYS[1], string.format('%d', till), 'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 1)
end
return 0
";

/// Takes `ARGV[1]` tokens from the retry-budget bucket `KEYS[1]` of
/// `ARGV[2]` tokens (absent: full); returns the tokens left, or -1 (taking
/// nothing) when too few are left. A bucket nobody touched for
/// [`BUDGET_TTL_SECONDS`] is full again: its key expires.
const SPEND: &str = r"
local capacity = tonumber(ARGV[2])
local tokens = math.min(capacity, tonumber(redis.call('GET', KEYS[1]) or capacity))
local cost = tonumber(ARGV[1])
if tokens < cost then
  return -1
end
tokens = tokens - cost
redis.call('SET', KEYS[1], string.format('%d', tokens), 'EX', tonumber(ARGV[3]))
return tokens
";

/// Puts `ARGV[1]` tokens back into the bucket `KEYS[1]` of `ARGV[2]`;
/// returns the tokens it then holds. A full bucket is deleted (absent is
/// full), so the usual case keeps no key.
const DEPOSIT: &str = r"
local capacity = tonumber(ARGV[2])
local current = redis.call('GET', KEYS[1])
if not current then
  return capacity
end
local tokens = math.min(capacity, tonumber(current) + tonumber(ARGV[1]))
if tokens >= capacity then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], string.format('%d', tokens), 'EX', tonumber(ARGV[3]))
end
return tokens
";

/// How long an untouched retry-budget bucket is kept: an hour. A fleet
/// that spent its budget in an outage and then sent nothing for an hour
/// starts again with a full one.
pub const BUDGET_TTL_SECONDS: u64 = 3600;

/// How long connecting may take; beyond it the store answers an error and
/// the client paces in-process.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(200);

/// A [`PacingStore`] on a Redis server, shared by every process that opens
/// the same server (and uses the same key
/// [`namespace`](errspec::pacing::Pacing::namespace)).
///
/// The connection is made on first use and re-made after a failure, so a
/// store opened while Redis is down starts working when Redis comes up.
pub struct RedisStore {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    reserve: redis::Script,
    block: redis::Script,
    spend: redis::Script,
    deposit: redis::Script,
}

impl fmt::Debug for RedisStore {
    /// Shows the server's address without its password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = self.client.get_connection_info();
        f.debug_struct("RedisStore")
            .field("addr", &info.addr().to_string())
            .field("db", &info.redis_settings().db())
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store on the server at `url` (`redis://host:port/db`, or
    /// `rediss://` for TLS if the `redis` crate is built with it). Only the
    /// URL is checked here; nothing is sent until the first request.
    pub fn open(url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(|e| StoreError::new(e.kind_text()))?;
        Ok(RedisStore {
            client,
            connection: OnceCell::new(),
            reserve: redis::Script::new(RESERVE),
            block: redis::Script::new(BLOCK),
            spend: redis::Script::new(SPEND),
            deposit: redis::Script::new(DEPOSIT),
        })
    }

    async fn connection(&self) -> Result<ConnectionManager, StoreError> {
        let connection = self
            .connection
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(CONNECT_TIMEOUT))
                    .set_number_of_retries(1)
                    .set_max_delay(Duration::from_millis(100));
                ConnectionManager::new_with_config(self.client.clone(), config)
                    .await
                    .map_err(|e| StoreError::new(e.kind_text()))
            })
            .await?;
        Ok(connection.clone())
    }
}

impl PacingStore for RedisStore {
    fn reserve<'a>(
        &'a self,
        scope: &'a str,
        cells: &'a [Cell],
    ) -> StoreFuture<'a, Result<Duration, StoreError>> {
        Box::pin(async move {
            let mut connection = self.connection().await?;
            let mut invocation = self.reserve.key(scope);
            for cell in cells {
                invocation.key(&cell.key).arg(micros(cell.interval));
            }
            let wait: i64 = invocation
                .invoke_async(&mut connection)
                .await
                .map_err(|e| StoreError::new(e.kind_text()))?;
            Ok(Duration::from_micros(u64::try_from(wait).unwrap_or(0)))
        })
    }

    fn block<'a>(
        &'a self,
        scope: &'a str,
        delay: Duration,
    ) -> StoreFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut connection = self.connection().await?;
            let _: i64 = self
                .block
                .key(scope)
                .arg(micros(delay))
                .invoke_async(&mut connection)
                .await
                .map_err(|e| StoreError::new(e.kind_text()))?;
            Ok(())
        })
    }

    fn spend<'a>(
        &'a self,
        key: &'a str,
        cost: u32,
        capacity: u32,
    ) -> StoreFuture<'a, Result<Option<u32>, StoreError>> {
        Box::pin(async move {
            let left = self.budget_script(&self.spend, key, cost, capacity).await?;
            Ok(u32::try_from(left).ok())
        })
    }

    fn deposit<'a>(
        &'a self,
        key: &'a str,
        tokens: u32,
        capacity: u32,
    ) -> StoreFuture<'a, Result<u32, StoreError>> {
        Box::pin(async move {
            let held = self
                .budget_script(&self.deposit, key, tokens, capacity)
                .await?;
            Ok(u32::try_from(held).unwrap_or(capacity))
        })
    }
}

impl RedisStore {
    async fn budget_script(
        &self,
        script: &redis::Script,
        key: &str,
        tokens: u32,
        capacity: u32,
    ) -> Result<i64, StoreError> {
        let mut connection = self.connection().await?;
        script
            .key(key)
            .arg(tokens)
            .arg(capacity)
            .arg(BUDGET_TTL_SECONDS)
            .invoke_async(&mut connection)
            .await
            .map_err(|e| StoreError::new(e.kind_text()))
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// What a Redis error says, without anything that could hold a password
/// (the URL is never part of it).
trait KindText {
    fn kind_text(&self) -> String;
}

impl KindText for redis::RedisError {
    fn kind_text(&self) -> String {
        format!(
            "redis: {:?}: {}",
            self.kind(),
            self.detail().unwrap_or_default()
        )
    }
}
