//! [`RetryBudget`]: a token bucket shared by every request of a client,
//! which caps retries across requests (the policy decides per request).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::policy::Outcome;

/// A token bucket that limits retries across all the requests of a client,
/// so that an outage is not made worse by every request retrying.
///
/// This is the AWS SDKs' retry quota: the bucket starts full with
/// [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) (500) tokens; a retry after
/// an error response takes [`RETRY_COST`](Self::RETRY_COST) (5), one after a
/// timeout or transport failure takes
/// [`TRANSPORT_FAILURE_COST`](Self::TRANSPORT_FAILURE_COST) (10). A request
/// that succeeds after retries gives back every token its retries took; one
/// that succeeds at once adds [`SUCCESS_REFUND`](Self::SUCCESS_REFUND) (1),
/// never beyond the capacity. With no tokens left, failures are reported
/// without retrying until successes refill the bucket.
///
/// Cloning shares the bucket; it is thread-safe (one atomic counter).
///
/// ```
/// use errspec::RetryBudget;
/// use errspec::policy::{Outcome, TransportFailure};
///
/// let budget = RetryBudget::default();
/// let outcome = Outcome::Transport(TransportFailure::MaybeSent);
/// let cost = budget.try_acquire(&outcome).expect("a full bucket");
/// assert_eq!((cost, budget.available()), (10, 490));
/// budget.record_success(cost);
/// assert_eq!(budget.available(), 500);
/// ```
#[derive(Clone)]
pub struct RetryBudget {
    inner: Arc<BudgetInner>,
}

struct BudgetInner {
    tokens: AtomicU32,
    capacity: u32,
}

impl Default for RetryBudget {
    fn default() -> RetryBudget {
        RetryBudget::new(RetryBudget::DEFAULT_CAPACITY)
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("available", &self.available())
            .field("capacity", &self.capacity())
            .finish()
    }
}

impl RetryBudget {
    /// The default number of tokens.
    pub const DEFAULT_CAPACITY: u32 = 500;
    /// Tokens a retry after an error response takes.
    pub const RETRY_COST: u32 = 5;
    /// Tokens a retry after a timeout or transport failure takes.
    pub const TRANSPORT_FAILURE_COST: u32 = 10;
    /// Tokens a success without retries adds back.
    pub const SUCCESS_REFUND: u32 = 1;

    /// A full bucket of `capacity` tokens.
    pub fn new(capacity: u32) -> RetryBudget {
        RetryBudget {
            inner: Arc::new(BudgetInner {
                tokens: AtomicU32::new(capacity),
                capacity,
            }),
        }
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.inner.tokens.load(Ordering::Acquire)
    }

    /// The bucket's size.
    pub fn capacity(&self) -> u32 {
        self.inner.capacity
    }

    /// What retrying after `outcome` costs.
    pub fn cost(outcome: &Outcome) -> u32 {
        match outcome {
            Outcome::Api { .. } => RetryBudget::RETRY_COST,
            Outcome::Transport(_) => RetryBudget::TRANSPORT_FAILURE_COST,
        }
    }

    /// Takes the tokens for one retry after `outcome`; returns the cost
    /// taken, or `None` (taking nothing) when too few are left.
    pub fn try_acquire(&self, outcome: &Outcome) -> Option<u32> {
        let cost = RetryBudget::cost(outcome);
        self.inner
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
                tokens.checked_sub(cost)
            })
            .ok()
            .map(|_| cost)
    }

    /// Records a request that succeeded after its retries took `spent`
    /// tokens: gives them back, or adds
    /// [`SUCCESS_REFUND`](Self::SUCCESS_REFUND) when there were no retries.
    pub fn record_success(&self, spent: u32) {
        let refund = if spent == 0 {
            RetryBudget::SUCCESS_REFUND
        } else {
            spent
        };
        self.deposit(refund);
    }

    /// Adds `tokens`, up to the capacity.
    pub fn deposit(&self, tokens: u32) {
        let capacity = self.inner.capacity;
        // A full budget (the usual case: successes keep it full) is left
        // alone: no write, so no contended cache line between clients.
        let _ = self
            .inner
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                let next = t.saturating_add(tokens).min(capacity);
                (next != t).then_some(next)
            });
    }
}
