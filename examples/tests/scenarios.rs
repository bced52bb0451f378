//! The shared scenario set through the sans-IO loop on `ureq`
//! (`errspec_examples::send`): the same file that runs it through
//! `errspec::Client` and the middleware and tower integrations.
#![allow(missing_docs)]

#[path = "../../runtime/tests/support/scenarios.rs"]
mod scenarios;
#[path = "../../runtime/tests/support/test_api.rs"]
mod test_api;

use errspec::ApiError;
use errspec::retry::{Retrier, SendOptions};
use scenarios::{Runner, run_all};

struct ThroughUreq;

impl Runner for ThroughUreq {
    fn send<E: ApiError>(
        &self,
        retrier: Retrier<E>,
        base: &str,
        options: SendOptions,
    ) -> Option<u16> {
        let agent = errspec_examples::agent();
        let url = format!("{base}/v1/widgets");
        match errspec_examples::send(&agent, &retrier, http::Method::POST, &url, b"{}", options) {
            Ok(response) => Some(response.status().as_u16()),
            Err(failure) => failure
                .attempts
                .last()
                .and_then(|a| a.status)
                .map(|s| s.as_u16()),
        }
    }
}

#[test]
fn scenarios_through_the_sans_io_loop_on_ureq() {
    run_all(&ThroughUreq);
}
